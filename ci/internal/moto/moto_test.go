package moto_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"dagger/pipeline/internal/moto"
)

func TestStartServesECSAndResetEmptiesIt(t *testing.T) {
	srv := moto.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := ecs.NewFromConfig(srv.Config)
	if _, err := client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1")}); err != nil {
		t.Fatalf("CreateCluster against %s: %v", srv.Endpoint, err)
	}
	out, err := client.ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil || len(out.ClusterArns) != 1 {
		t.Fatalf("ListClusters = %v, %v; want the one cluster", out, err)
	}
	srv.Reset(t)
	out, err = client.ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil || len(out.ClusterArns) != 0 {
		t.Fatalf("after Reset, ListClusters = %v, %v; want none", out.ClusterArns, err)
	}
}
