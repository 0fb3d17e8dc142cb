package deploy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/moto"
	"dagger/pipeline/report"
)

// Doctor's calls (DescribeTargetGroupAttributes among them) are well-formed: moto answers them,
// and the analysis reads the settings moto keeps.
func TestDoctorAgainstMoto(t *testing.T) {
	srv := moto.Start(t)
	e := setUp(t, srv)
	ctx := testContext(t)
	groups, err := e.clients.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{"app-tg"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.clients.ELB.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{
		TargetGroupArn: groups.TargetGroups[0].TargetGroupArn,
		Attributes:     []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("120")}},
	}); err != nil {
		t.Fatal(err)
	}
	d, err := deploy.Doctor(ctx, e.clients, cluster, service)
	if err != nil {
		t.Fatal(err)
	}
	var drain *report.Floor
	for i, f := range d.Floor {
		if f.Setting == "deregistration delay" {
			drain = &d.Floor[i]
		}
	}
	if drain == nil || drain.Duration != 120*time.Second || !strings.Contains(drain.Detail, "app-tg") {
		t.Errorf("floor %+v: want the deregistration delay of app-tg, 120 s", d.Floor)
	}
	if advice := strings.Join(d.Advice, "\n"); !strings.Contains(advice, "app-tg's deregistration delay (120 s) to 30 s") {
		t.Errorf("advice %q does not name the deregistration delay", advice)
	}
	if d.TaskDefinition != e.live {
		t.Errorf("task definition %s, want %s", d.TaskDefinition, e.live)
	}
	if _, err := deploy.Doctor(ctx, e.clients, cluster, "nope"); err == nil || !strings.Contains(err.Error(), `service "nope" not found`) {
		t.Errorf("Doctor of a missing service: %v", err)
	}
}
