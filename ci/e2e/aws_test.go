//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/internal/moto"
)

const (
	motoAccount = "123456789012"
	motoCluster = "e2e"
	motoService = "svc"
	// secretKey is the secret access key the suite passes; it must never be printed.
	secretKey = "e2e-secret-that-must-never-be-printed"
	// releasedTag is an image tag in moto's ECR that rollback --to resolves.
	releasedTag = "v1.3.0"
	// minimalManifest is an OCI manifest small enough for moto's ECR to store.
	minimalManifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},` +
		`"layers":[]}`
)

// awsEndpoint serves a scenario of the fake for ECS and ELBv2, and moto for every other service,
// on one loopback port that the engine reaches as tcp://localhost:PORT.
type awsEndpoint struct {
	fake *fakeaws.Fake
	arg  string // --aws-endpoint=tcp://localhost:PORT
}

func serveFake(t *testing.T, m *moto.Server, scenario fakeaws.Scenario, initialImage string) awsEndpoint {
	t.Helper()
	return serveFakeConfig(t, m, fakeaws.Config{Scenario: scenario, InitialImage: initialImage})
}

func serveFakeConfig(t *testing.T, m *moto.Server, cfg fakeaws.Config) awsEndpoint {
	t.Helper()
	fallback, err := url.Parse(m.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	fake := fakeaws.New(cfg)
	srv := httptest.NewServer(fakeaws.WithFallback(fake, fallback))
	t.Cleanup(srv.Close)
	return awsEndpoint{fake: fake, arg: "--aws-endpoint=tcp://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]}
}

// aws is `dagger call` with the credentials and the endpoint given to the constructor.
func (e awsEndpoint) aws(args ...string) []string {
	return append([]string{"call", "--aws-access-key-id=env://E2E_AWS_ACCESS_KEY_ID",
		"--aws-secret-access-key=env://E2E_AWS_SECRET_ACCESS_KEY", e.arg}, args...)
}

// changedNothing fails the test when the fake saw a call that changes the service.
func (e awsEndpoint) changedNothing(t *testing.T) {
	t.Helper()
	for _, op := range []string{"RegisterTaskDefinition", "UpdateService", "DeregisterTaskDefinition"} {
		if n := e.fake.CallCount(op); n != 0 {
			t.Errorf("the fake saw %d %s calls, want none: bad input must change nothing", n, op)
		}
	}
}

func noSecret(t *testing.T, r result) {
	t.Helper()
	if strings.Contains(r.output(), secretKey) {
		t.Errorf("dagger %s printed the secret access key", strings.Join(r.args, " "))
	}
}

func testAWS(t *testing.T, w *workspace) {
	t.Setenv("E2E_AWS_ACCESS_KEY_ID", "AKIAE2ETESTING")
	t.Setenv("E2E_AWS_SECRET_ACCESS_KEY", secretKey)
	m := moto.Start(t)
	released := seedMoto(t, m)
	repo := "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"

	t.Run("healthy rollout, status, plan, rollback to a tag", func(t *testing.T) {
		e := serveFake(t, m, fakeaws.HealthyRollout(time.Second), repo+"@"+released)
		r := w.mustCall(t, e.aws("plan", "--env=fake", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "plan for fake (nothing was changed)", "containerDefinitions[app].image", "sha256:2222")
		e.changedNothing(t)

		r = w.mustCall(t, e.aws("deploy", "--env=fake", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "deploy to fake: succeeded", "registered web:2", `"outcome":"succeeded"`)
		noSecret(t, r)
		figure(t, "deploy --env=fake (healthy rollout of the fake, 1 s unit)", "%s", seconds(r.took))
		if got, want := e.fake.ServiceTaskDefinition(), e.fake.TaskDefinitionArn(2); got != want {
			t.Errorf("after the deploy the service runs %s, want %s", got, want)
		}

		r = w.mustCall(t, e.aws("status", "--env=fake")...)
		wantIn(t, r, "service web (cluster demo)", "runs      web:2", "healthy")

		r = w.mustCall(t, e.aws("rollback", "--env=fake", "--to="+releasedTag)...)
		wantIn(t, r, "web:1")
		if got, want := e.fake.ServiceTaskDefinition(), e.fake.TaskDefinitionArn(1); got != want {
			t.Errorf("rollback --to=%s left the service on %s, want %s (the revision that runs its digest)", releasedTag, got, want)
		}

		defs := filepath.Join(t.TempDir(), "imagedefinitions.json")
		w.mustCall(t, e.aws("deploy", "--env=fake", "--image="+fakeaws.NewImage, "--image-definitions", "-o", defs)...)
		wantImageDefinitions(t, defs, fakeaws.NewImage)
	})

	t.Run("doctor, and the timeline of a slow drain", func(t *testing.T) {
		e := serveFake(t, m, fakeaws.SlowDrain(100*time.Millisecond), "")
		r := w.mustCall(t, e.aws("doctor", "--env=fake")...)
		wantIn(t, r, "what the service's settings impose:", "deregistration delay", "advice:")
		e.changedNothing(t)

		r = w.mustCall(t, e.aws("deploy", "--env=fake", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "deploy to fake: succeeded", "timeline:", "old tasks drained", "total")
	})

	t.Run("migration before the rollout", func(t *testing.T) {
		e := serveFakeConfig(t, m, fakeaws.Config{Scenario: fakeaws.HealthyRollout(100 * time.Millisecond),
			Migration: fakeaws.MigrationSucceeds(`{"msg":"migration step applied","step":"0001"}`)})
		r := w.mustCall(t, e.aws("plan", "--env=fake-migrate", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, `+ migration: first runs ["/app/service" "migrate"] once`, "the service is updated only if it exits 0")
		e.changedNothing(t)
		if n := len(e.fake.RunTaskRequests()); n != 0 {
			t.Errorf("plan ran the migration %d times, want never", n)
		}

		r = w.mustCall(t, e.aws("deploy", "--env=fake-migrate", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "deploy to fake-migrate: succeeded", `migration | {"msg":"migration step applied","step":"0001"}`)
		if n := len(e.fake.RunTaskRequests()); n != 1 {
			t.Errorf("the migration ran %d times, want once", n)
		}

		e = serveFakeConfig(t, m, fakeaws.Config{Scenario: fakeaws.HealthyRollout(100 * time.Millisecond),
			Migration: fakeaws.MigrationFails(3, `{"msg":"migration step failed","step":"0002"}`)})
		r = w.mustFail(t, e.aws("deploy", "--env=fake-migrate", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "exit code 3", "migration step failed", "stays registered but unused")
		if n := e.fake.CallCount("UpdateService"); n != 0 {
			t.Errorf("a failed migration was followed by %d UpdateService calls, want none", n)
		}
	})

	t.Run("several services in one release", func(t *testing.T) {
		webAndWorker := func(worker fakeaws.Scenario) fakeaws.Config {
			return fakeaws.Config{Scenario: fakeaws.HealthyRollout(200 * time.Millisecond), MoreServices: []fakeaws.ServiceConfig{
				{Service: "worker", Container: "worker", NoLoadBalancer: true, Scenario: worker}}}
		}
		e := serveFakeConfig(t, m, webAndWorker(fakeaws.CrashLoop(200*time.Millisecond)))
		r := w.mustCall(t, e.aws("plan", "--env=fake-services", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "service web in cluster demo runs web:1", "service worker in cluster demo runs worker:1", "~ service.taskDefinition: worker:1 -> worker:(next)")
		e.changedNothing(t)

		// The worker crashes: both go back, the healthy web too, each saying why.
		r = w.mustFail(t, e.aws("deploy", "--env=fake-services", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "worker | FAILED: task", "exit code 1", "web | going back: taken back with the rest of the release: worker failed",
			"deploy to fake-services: rolled-back", "services:   demo/web, demo/worker",
			"service now: web rolled-back (on web:1); worker rolled-back (on worker:1)", "service web: rolled-back", "service worker: rolled-back")
		for _, name := range []string{"web", "worker"} {
			if got, want := e.fake.ServiceTaskDefinitionOf(name), e.fake.TaskDefinitionArnOf(name, 1); got != want {
				t.Errorf("%s runs %s after the failed release, want %s", name, got, want)
			}
		}
		r = w.mustCall(t, e.aws("status", "--env=fake-services")...)
		wantIn(t, r, "service web (cluster demo)", "service worker (cluster demo)")

		// Both healthy: both move; a rollback takes both back.
		e = serveFakeConfig(t, m, webAndWorker(fakeaws.HealthyRollout(200*time.Millisecond)))
		r = w.mustCall(t, e.aws("deploy", "--env=fake-services", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "deploy to fake-services: succeeded", "worker | succeeded", "web | succeeded")
		r = w.mustCall(t, e.aws("rollback", "--env=fake-services")...)
		wantIn(t, r, "rollback of fake-services", "web | rolling service web back from web:2 to web:1", "worker | rolling service worker back from worker:2 to worker:1")
		for _, name := range []string{"web", "worker"} {
			if got, want := e.fake.ServiceTaskDefinitionOf(name), e.fake.TaskDefinitionArnOf(name, 1); got != want {
				t.Errorf("%s runs %s after the rollback, want %s", name, got, want)
			}
		}
	})

	t.Run("image-definitions", func(t *testing.T) {
		defs := filepath.Join(t.TempDir(), "imagedefinitions.json")
		w.mustCall(t, "call", "image-definitions", "--env=fake", "--image="+fakeaws.NewImage, "-o", defs)
		wantImageDefinitions(t, defs, fakeaws.NewImage)
	})

	t.Run("crash loop rolls back", func(t *testing.T) {
		e := serveFake(t, m, fakeaws.CrashLoop(time.Second), "")
		r := w.mustFail(t, e.aws("deploy", "--env=fake", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "FAILED: task", "exit code 1", "rolling back to web:1", "rolled back to web:1", `"outcome":"rolled-back"`,
			// The next step in the module's words, not the CLI's.
			"then deploy again: dagger call deploy --env=fake --image="+fakeaws.NewImage, `"steps":[`)
		noSecret(t, r)
		if got, want := e.fake.ServiceTaskDefinition(), e.fake.TaskDefinitionArn(1); got != want {
			t.Errorf("after the failed deploy the service runs %s, want %s", got, want)
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		e := serveFake(t, m, fakeaws.HealthyRollout(time.Second), "")
		for _, c := range []struct {
			args []string
			want []string
		}{
			{e.aws("deploy", "--env=fake", "--image=123456789012.dkr.ecr.us-east-1.amazonaws.com/web:latest"), []string{"digest"}},
			{e.aws("deploy", "--env=other-account", "--image="+fakeaws.NewImage), []string{"999999999999", "123456789012"}},
			{e.aws("deploy", "--env=nope", "--image="+fakeaws.NewImage), []string{`"nope"`, "fake", "staging"}},
			{[]string{"call", e.arg, "deploy", "--env=fake", "--image=" + fakeaws.NewImage}, []string{"needs credentials", "awsAccessKeyId=env://AWS_ACCESS_KEY_ID"}},
		} {
			r := w.mustFail(t, c.args...)
			wantIn(t, r, c.want...)
			noSecret(t, r)
		}
		e.changedNothing(t)
	})

	t.Run("promotion", func(t *testing.T) {
		// The service runs the fake's own initial image: moto's ECR gave the release pushed above
		// and the manifest pushed below the same digest, which made the promoted deploy a no-op.
		e := serveFake(t, m, fakeaws.HealthyRollout(time.Second), "")
		tag := "sha-" + w.head(t)[:12]
		r := w.mustFail(t, e.aws("deploy", "--env=fake-promoted")...)
		wantIn(t, r, "no image tagged "+tag+" in "+repo, "fake-promoted is promoted from fake, not built",
			"deploy this commit to fake first (`dagger call deploy --env=fake`)")
		noSecret(t, r)
		e.changedNothing(t)

		// What fake's publish would have pushed for this commit (another manifest, another digest).
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		put, err := ecr.NewFromConfig(m.Config).PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("web"),
			ImageManifest: aws.String(strings.Replace(minimalManifest, `"layers":[]`, `"layers":[],"annotations":{"e2e":"promoted"}`, 1)),
			ImageTag:      aws.String(tag)})
		if err != nil {
			t.Fatal(err)
		}
		promoted := repo + "@" + aws.ToString(put.Image.ImageId.ImageDigest)

		r = w.mustCall(t, e.aws("plan", "--env=fake-promoted")...)
		wantIn(t, r, "plan for fake-promoted (nothing was changed)", "image promoted from fake for this commit: "+promoted)
		e.changedNothing(t)

		r = w.mustCall(t, e.aws("deploy", "--env=fake-promoted")...)
		wantIn(t, r, "deploy to fake-promoted: succeeded", "registered web:2", aws.ToString(put.Image.ImageId.ImageDigest))
		noSecret(t, r)
		if strings.Contains(r.output(), "== lint ==") {
			t.Errorf("a promoted deploy must not check or build:\n%s", r.output())
		}
	})

	t.Run("moto", func(t *testing.T) {
		e := awsEndpoint{arg: "--aws-endpoint=tcp://localhost:" + m.Endpoint[strings.LastIndex(m.Endpoint, ":")+1:]}
		r := w.mustCall(t, e.aws("status", "--env=moto")...)
		wantIn(t, r, "service "+motoService+" (cluster "+motoCluster+")", "runs      "+motoService+":1")
		r = w.mustCall(t, e.aws("plan", "--env=moto", "--image="+fakeaws.NewImage)...)
		wantIn(t, r, "plan for moto (nothing was changed)", "runs "+motoService+":1", "sha256:2222")
	})
	t.Run("site", func(t *testing.T) { testSite(t, w, m) })
}

// seedMoto makes what the moto environment and rollback --to need: a cluster and service in ECS,
// and an image tagged releasedTag in ECR. It returns that image's digest.
func seedMoto(t *testing.T, m *moto.Server) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ecsClient := ecs.NewFromConfig(m.Config)
	if _, err := ecsClient.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(motoCluster)}); err != nil {
		t.Fatal(err)
	}
	reg, err := ecsClient.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(motoService),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Memory: aws.Int32(128),
			Image: aws.String(fakeaws.InitialImage)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ecsClient.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(motoCluster),
		ServiceName: aws.String(motoService), TaskDefinition: reg.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	ecrClient := ecr.NewFromConfig(m.Config)
	if _, err := ecrClient.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	put, err := ecrClient.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("web"),
		ImageManifest: aws.String(minimalManifest), ImageTag: aws.String(releasedTag)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(put.Image.ImageId.ImageDigest)
}

func wantImageDefinitions(t *testing.T, path, image string) {
	t.Helper()
	var defs []struct{ Name, ImageURI string }
	data := readFile(t, path)
	if err := json.Unmarshal([]byte(data), &defs); err != nil {
		t.Fatalf("%s is not imagedefinitions.json: %v\n%s", path, err, data)
	}
	if want := fmt.Sprintf(`[{app %s}]`, image); fmt.Sprint(defs) != want {
		t.Errorf("%s = %s, want the container app with %s", path, data, image)
	}
}
