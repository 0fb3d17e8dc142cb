package smoke

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// FromTargetGroup returns the health-check policy of an ALB target group (as DescribeTargetGroups
// returns it), so that a smoke check through the load balancer applies the same rules that the ALB
// applies to each task. Settings the target group leaves unset take the ALB defaults; deadline 0
// takes Policy's default.
func FromTargetGroup(tg types.TargetGroup, deadline time.Duration) Policy {
	p := Policy{
		Path:             aws.ToString(tg.HealthCheckPath),
		Interval:         time.Duration(aws.ToInt32(tg.HealthCheckIntervalSeconds)) * time.Second,
		Timeout:          time.Duration(aws.ToInt32(tg.HealthCheckTimeoutSeconds)) * time.Second,
		HealthyThreshold: int(aws.ToInt32(tg.HealthyThresholdCount)),
		Deadline:         deadline,
	}
	if tg.Matcher != nil {
		p.ExpectStatus = aws.ToString(tg.Matcher.HttpCode)
	}
	return p
}
