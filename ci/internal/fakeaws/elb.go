package fakeaws

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

const elbNamespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

func parseForm(body []byte) (url.Values, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("body is not a Query protocol form: %w", err)
	}
	if form.Get("Action") == "" {
		return nil, fmt.Errorf("no X-Amz-Target header and no Action parameter: neither ECS JSON nor ELBv2 Query")
	}
	return form, nil
}

// members reads the Query protocol list prefix.member.1, prefix.member.2, ...
func members(form url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[fmt.Sprintf("%s.member.%d", prefix, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

type queryError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func writeQueryError(w http.ResponseWriter, status int, typ, code, message string) {
	writeXML(w, status, queryError{Xmlns: elbNamespace, Type: typ, Code: code, Message: message, RequestID: requestID(status)})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	raw, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "fakeaws: encode XML: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), raw...))
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type xmlTargetGroup struct {
	TargetGroupArn             string   `xml:"TargetGroupArn"`
	TargetGroupName            string   `xml:"TargetGroupName"`
	Protocol                   string   `xml:"Protocol"`
	Port                       int      `xml:"Port"`
	VpcID                      string   `xml:"VpcId"`
	HealthCheckProtocol        string   `xml:"HealthCheckProtocol"`
	HealthCheckPort            string   `xml:"HealthCheckPort"`
	HealthCheckEnabled         bool     `xml:"HealthCheckEnabled"`
	HealthCheckIntervalSeconds int      `xml:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  int      `xml:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      int      `xml:"HealthyThresholdCount"`
	UnhealthyThresholdCount    int      `xml:"UnhealthyThresholdCount"`
	HealthCheckPath            string   `xml:"HealthCheckPath"`
	MatcherHTTPCode            string   `xml:"Matcher>HttpCode"`
	LoadBalancerArns           []string `xml:"LoadBalancerArns>member"`
	TargetType                 string   `xml:"TargetType"`
	ProtocolVersion            string   `xml:"ProtocolVersion"`
	IPAddressType              string   `xml:"IpAddressType"`
}

type describeTargetGroupsResponse struct {
	XMLName      xml.Name         `xml:"DescribeTargetGroupsResponse"`
	Xmlns        string           `xml:"xmlns,attr"`
	TargetGroups []xmlTargetGroup `xml:"DescribeTargetGroupsResult>TargetGroups>member"`
	Metadata     responseMetadata `xml:"ResponseMetadata"`
}

type xmlAttribute struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type describeTargetGroupAttributesResponse struct {
	XMLName    xml.Name         `xml:"DescribeTargetGroupAttributesResponse"`
	Xmlns      string           `xml:"xmlns,attr"`
	Attributes []xmlAttribute   `xml:"DescribeTargetGroupAttributesResult>Attributes>member"`
	Metadata   responseMetadata `xml:"ResponseMetadata"`
}

type xmlTargetHealthDescription struct {
	TargetID         string `xml:"Target>Id"`
	TargetPort       int    `xml:"Target>Port"`
	AvailabilityZone string `xml:"Target>AvailabilityZone,omitempty"`
	HealthCheckPort  string `xml:"HealthCheckPort"`
	State            string `xml:"TargetHealth>State"`
	Reason           string `xml:"TargetHealth>Reason,omitempty"`
	Description      string `xml:"TargetHealth>Description,omitempty"`
}

type describeTargetHealthResponse struct {
	XMLName      xml.Name                     `xml:"DescribeTargetHealthResponse"`
	Xmlns        string                       `xml:"xmlns,attr"`
	Descriptions []xmlTargetHealthDescription `xml:"DescribeTargetHealthResult>TargetHealthDescriptions>member"`
	Metadata     responseMetadata             `xml:"ResponseMetadata"`
}

func (f *Fake) serveELB(w http.ResponseWriter, op string, form url.Values) {
	if v := form.Get("Version"); v != "2015-12-01" {
		writeQueryError(w, http.StatusBadRequest, "Sender", "InvalidAction",
			fmt.Sprintf("fakeaws speaks ELBv2 API version 2015-12-01, got Version=%q", v))
		return
	}
	meta := responseMetadata{RequestID: requestID(len(f.calls))}
	notFound := func() {
		writeQueryError(w, http.StatusBadRequest, "Sender", "TargetGroupNotFound", "One or more target groups not found")
	}
	switch op {
	case "DescribeTargetGroups":
		arns, names := members(form, "TargetGroupArns"), members(form, "Names")
		lb := form.Get("LoadBalancerArn")
		var groups []*targetGroup
		for _, a := range arns {
			tg := f.groupByArn(a)
			if tg == nil {
				notFound()
				return
			}
			groups = append(groups, tg)
		}
		for _, n := range names {
			tg := f.groupByName(n)
			if tg == nil {
				notFound()
				return
			}
			groups = append(groups, tg)
		}
		if len(arns) == 0 && len(names) == 0 {
			groups = f.targetGroups
		}
		resp := describeTargetGroupsResponse{Xmlns: elbNamespace, Metadata: meta}
		for _, tg := range groups {
			if lb == "" || lb == tg.lbArn {
				resp.TargetGroups = append(resp.TargetGroups, f.targetGroupXML(tg))
			}
		}
		writeXML(w, http.StatusOK, resp)
	case "DescribeTargetGroupAttributes":
		tg := f.groupByArn(form.Get("TargetGroupArn"))
		if tg == nil {
			notFound()
			return
		}
		writeXML(w, http.StatusOK, describeTargetGroupAttributesResponse{Xmlns: elbNamespace, Metadata: meta, Attributes: []xmlAttribute{
			{"deregistration_delay.timeout_seconds", strconv.Itoa(tg.svc.deregistrationDelay())},
			{"stickiness.enabled", "false"},
			{"slow_start.duration_seconds", "0"},
			{"load_balancing.algorithm.type", "round_robin"},
		}})
	case "DescribeTargetHealth":
		tg := f.groupByArn(form.Get("TargetGroupArn"))
		if tg == nil {
			notFound()
			return
		}
		writeXML(w, http.StatusOK, describeTargetHealthResponse{Xmlns: elbNamespace, Metadata: meta, Descriptions: f.targetHealthXML(tg, form)})
	default:
		writeQueryError(w, http.StatusBadRequest, "Sender", "InvalidAction", "fakeaws does not implement ELBv2 "+op)
	}
}

// deregistrationDelay is the deregistration delay in seconds of s's target groups: its scenario's.
func (s *service) deregistrationDelay() int {
	if d := s.scenario.DeregistrationDelay; d > 0 {
		return int(d / time.Second)
	}
	return 30
}

func (f *Fake) groupByArn(arn string) *targetGroup {
	for _, tg := range f.targetGroups {
		if tg.arn == arn {
			return tg
		}
	}
	return nil
}

func (f *Fake) groupByName(name string) *targetGroup {
	for _, tg := range f.targetGroups {
		if tg.name == name {
			return tg
		}
	}
	return nil
}

func (f *Fake) targetGroupXML(tg *targetGroup) xmlTargetGroup {
	targetType := "ip"
	if f.bridge() {
		targetType = "instance"
	}
	return xmlTargetGroup{
		TargetGroupArn: tg.arn, TargetGroupName: tg.name, Protocol: "HTTP", Port: tg.port, VpcID: "vpc-0ddd4444",
		HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckEnabled: true,
		HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
		HealthCheckPath: "/healthz", MatcherHTTPCode: "200", LoadBalancerArns: []string{tg.lbArn},
		TargetType: targetType, ProtocolVersion: "HTTP1", IPAddressType: "ipv4",
	}
}

// targetHealthXML answers for every registered target, or for the targets asked
// for, where an unregistered one is "unused", as ELBv2 does.
func (f *Fake) targetHealthXML(tg *targetGroup, form url.Values) []xmlTargetHealthDescription {
	describe := func(th *targetHealth) xmlTargetHealthDescription {
		return xmlTargetHealthDescription{TargetID: th.id, TargetPort: th.port, AvailabilityZone: "us-east-1a",
			HealthCheckPort: strconv.Itoa(th.port), State: th.state, Reason: th.reason, Description: th.description}
	}
	out := []xmlTargetHealthDescription{}
	if _, asked := form["Targets.member.1.Id"]; !asked {
		for _, th := range tg.targets {
			out = append(out, describe(th))
		}
		return out
	}
	for i := 1; ; i++ {
		id, ok := form[fmt.Sprintf("Targets.member.%d.Id", i)]
		if !ok {
			return out
		}
		port := tg.port
		if p := form.Get(fmt.Sprintf("Targets.member.%d.Port", i)); p != "" {
			port, _ = strconv.Atoi(p)
		}
		if th := tg.target(id[0], port); th != nil {
			out = append(out, describe(th))
			continue
		}
		out = append(out, xmlTargetHealthDescription{TargetID: id[0], TargetPort: port, HealthCheckPort: strconv.Itoa(port),
			State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group"})
	}
}
