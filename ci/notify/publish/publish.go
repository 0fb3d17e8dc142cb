// Package publish sends a deploy notification (package notify composes it) to an Amazon SNS
// topic.
package publish

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"dagger/pipeline/notify"
)

// Publisher is the one SNS operation a notification needs.
type Publisher interface {
	Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// sendTimeout bounds a notification: the deploy is over and must not wait on it.
const sendTimeout = 15 * time.Second

// Send publishes m to topicArn.
func Send(ctx context.Context, p Publisher, topicArn string, m notify.Message) error {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	attrs := map[string]snstypes.MessageAttributeValue{}
	for k, v := range m.Attributes {
		attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	_, err := p.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(topicArn), Subject: aws.String(m.Subject), Message: aws.String(m.Body),
		MessageAttributes: attrs,
	})
	if err != nil {
		return fmt.Errorf("the deploy notification to %s was not sent: %w", topicArn, err)
	}
	return nil
}
