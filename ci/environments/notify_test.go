package environments

import (
	"strings"
	"testing"
)

func TestNotifyTopic(t *testing.T) {
	for topic, ok := range map[string]bool{
		"arn:aws:sns:eu-west-1:123456789012:deploys":          true,
		"arn:aws:sns:us-gov-west-1:123456789012:team-deploys": true,
		"arn:aws-cn:sns:cn-north-1:123456789012:deploys.fifo": true,
		"deploys": false,
		"arn:aws:sqs:eu-west-1:123456789012:deploys":           false,
		"arn:aws:sns:eu-west-1:12345:deploys":                  false,
		"https://sns.eu-west-1.amazonaws.com/123456789012/dep": false,
	} {
		env := validECS()
		env["notifyTopic"] = topic
		cfg, err := Load(document(t, map[string]map[string]any{"prod": env}))
		if ok {
			if err != nil {
				t.Errorf("%q: %v", topic, err)
				continue
			}
			if got, _ := cfg.Get("prod"); got.NotifyTopic != topic {
				t.Errorf("%q: NotifyTopic = %q", topic, got.NotifyTopic)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "notifyTopic") || !strings.Contains(err.Error(), "is not the ARN of an SNS topic") {
			t.Errorf("%q: %v, want the key named and why", topic, err)
		}
	}
	local := map[string]any{"kind": "local", "notifyTopic": "arn:aws:sns:eu-west-1:123456789012:deploys"}
	if _, err := Load(document(t, map[string]map[string]any{"local": local})); err == nil || !strings.Contains(err.Error(), "notifyTopic") {
		t.Errorf("a local environment with a topic: %v, want it refused (it uses no AWS)", err)
	}
}
