package fakeaws

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
)

// servedServices are the SigV4 signing names of the services the fake answers itself: CloudWatch
// Logs too, since a migration's log lines are the fake's, written as its one-off task runs.
var servedServices = map[string]bool{"ecs": true, "elasticloadbalancing": true, "logs": true}

// credentialScope finds the service in a SigV4 Authorization header's credential scope:
// Credential=AKID/20260101/us-east-1/ecs/aws4_request.
var credentialScope = regexp.MustCompile(`Credential=[^/]+/[0-9]{8}/[^/]+/([^/]+)/aws4_request`)

// WithFallback serves ECS, ELBv2 and CloudWatch Logs requests with fake and sends every other AWS request (STS,
// ECR, …) to fallback, such as a moto_server: one endpoint for all clients, as AWS_ENDPOINT_URL
// and LocalStack give. Requests are told apart by the service their signature names.
func WithFallback(fake http.Handler, fallback *url.URL) http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(fallback)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil && !servedServices[m[1]] {
			proxy.ServeHTTP(w, r)
			return
		}
		fake.ServeHTTP(w, r)
	})
}
