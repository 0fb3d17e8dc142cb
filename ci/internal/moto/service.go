package moto

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Service creates in the emulator a cluster with one service, of one task, whose task definition
// (family and container both named as the service) runs image. It returns the task definition's
// ARN.
func (s *Server) Service(t testing.TB, cluster, service, image string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	api := ecs.NewFromConfig(s.Config)
	if _, err := api.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(cluster)}); err != nil {
		t.Fatalf("CreateCluster %s in moto: %v", cluster, err)
	}
	reg, err := api.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:               aws.String(service),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String(service), Image: aws.String(image), Memory: aws.Int32(128)}},
	})
	if err != nil {
		t.Fatalf("RegisterTaskDefinition %s in moto: %v", service, err)
	}
	if _, err := api.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(cluster), ServiceName: aws.String(service), TaskDefinition: reg.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1),
	}); err != nil {
		t.Fatalf("CreateService %s in moto: %v", service, err)
	}
	return aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
}

// Subscribed creates in the emulator an SNS topic with an SQS queue subscribed to it. It returns
// the topic's ARN and received, which waits up to 5 s for what reached the queue: each message's
// body, SNS's JSON envelope.
func (s *Server) Subscribed(t testing.TB, topic string) (arn string, received func() []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snsc, sqsc := sns.NewFromConfig(s.Config), sqs.NewFromConfig(s.Config)
	created, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(topic)})
	if err != nil {
		t.Fatalf("CreateTopic %s in moto: %v", topic, err)
	}
	queue, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(topic + "-subscriber")})
	if err != nil {
		t.Fatalf("CreateQueue in moto: %v", err)
	}
	attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("GetQueueAttributes in moto: %v", err)
	}
	if _, err := snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: created.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(attrs.Attributes["QueueArn"])}); err != nil {
		t.Fatalf("Subscribe in moto: %v", err)
	}
	return aws.ToString(created.TopicArn), func() []string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		got, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5})
		if err != nil {
			t.Fatalf("ReceiveMessage in moto: %v", err)
		}
		var bodies []string
		for _, m := range got.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
		return bodies
	}
}
