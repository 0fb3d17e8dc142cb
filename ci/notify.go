package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"dagger/pipeline/environments"
	"dagger/pipeline/notify"
	"dagger/pipeline/report"
)

// notifyTeam tells the environment's SNS topic how the deploy ended, when it has one. A
// notification that cannot be sent is a warning on stderr: the deploy's outcome stands. An
// interrupted deploy is told too, so the message outlives ctx (Send bounds it). names words
// the next steps as the deploy's own report does.
func (m *Pipeline) notifyTeam(ctx context.Context, cfg aws.Config, target environments.Environment, names report.Names, res *report.Result, deployErr error, runURL string) {
	if target.NotifyTopic == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	msg := notify.Compose(notify.Deploy{Environment: target.Name, Result: res, Err: deployErr, RunURL: runURL}, names)
	if err := notify.Send(ctx, sns.NewFromConfig(cfg), target.NotifyTopic, msg); err != nil {
		fmt.Fprintf(os.Stderr, "warning: %v; the deploy's outcome is not affected\n", err)
	}
}
