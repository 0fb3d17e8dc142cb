package publish_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"dagger/pipeline/internal/moto"
	"dagger/pipeline/notify"
	"dagger/pipeline/notify/publish"
	"dagger/pipeline/report"
)

func rolledBack() *report.Result {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	return &report.Result{Outcome: report.RolledBack, Cluster: "prod", Service: "web",
		Image:                  "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:" + strings.Repeat("2", 64),
		PreviousTaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:41",
		TaskDefinition:         "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42",
		Started:                start, Finished: start.Add(142 * time.Second)}
}

// Against moto: the message reaches a queue subscribed to the topic, attributes included.
func TestSendThroughSNS(t *testing.T) {
	srv := moto.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topic, received := srv.Subscribed(t, "deploys")
	snsc := sns.NewFromConfig(srv.Config)

	m := notify.Compose(notify.Deploy{Environment: "prod", Result: rolledBack()}, report.Plain)
	if err := publish.Send(ctx, snsc, topic, m); err != nil {
		t.Fatal(err)
	}
	got := received()
	if len(got) != 1 {
		t.Fatalf("the topic's subscriber received %d messages, want the one notification", len(got))
	}
	var envelope struct {
		Subject, Message  string
		MessageAttributes map[string]struct{ Type, Value string }
	}
	if err := json.Unmarshal([]byte(got[0]), &envelope); err != nil {
		t.Fatal(err)
	}
	if envelope.Subject != m.Subject || envelope.Message != m.Body || envelope.MessageAttributes["outcome"].Value != "rolled-back" {
		t.Errorf("received %+v, want the composed message with its attributes", envelope)
	}

	// A topic that does not exist is an error to warn about, not a panic or a hang.
	if err := publish.Send(ctx, snsc, strings.Replace(topic, "deploys", "nope", 1), m); err == nil ||
		!strings.Contains(err.Error(), "was not sent") {
		t.Errorf("send to a missing topic: %v, want an error that says the notification was not sent", err)
	}
}
