package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"dagger/pipeline/deploy"
	"dagger/pipeline/environments"
	"dagger/pipeline/environments/account"
	"dagger/pipeline/internal/daggercall"
	"dagger/pipeline/notify"
	"dagger/pipeline/notify/publish"
	"dagger/pipeline/registry"
	"dagger/pipeline/smoke"
)

// session is one step's environment and the AWS configuration that reaches its account.
type session struct {
	target   environments.Environment
	cfg      aws.Config
	progress io.Writer
	// err is why the environment could not be read; every step answers with it.
	err error
}

func newSession(req request, progress io.Writer, getenv func(string) string) *session {
	s := &session{progress: progress}
	data, err := os.ReadFile(filepath.FromSlash(daggercall.EnvironmentsFile))
	if err != nil {
		s.err = fmt.Errorf("reading %s: %w", daggercall.EnvironmentsFile, err)
		return s
	}
	cfg, err := environments.Load(data)
	if err != nil {
		s.err = fmt.Errorf("%s: %w", daggercall.EnvironmentsFile, err)
		return s
	}
	if s.target, s.err = cfg.Get(req.env); s.err != nil {
		return s
	}
	s.cfg = aws.Config{
		Region: s.target.Region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))),
		Retryer: deploy.NewRetryer,
	}
	if endpoint := getenv("AWS_ENDPOINT_URL"); endpoint != "" {
		s.cfg.BaseEndpoint = aws.String(endpoint)
	}
	return s
}

// verify checks, before anything else, that the credentials belong to the environment's account:
// the guard against deploying staging into the prod account.
func (s *session) verify(ctx context.Context) error {
	if s.err != nil {
		return s.err
	}
	_, err := account.Verify(ctx, sts.NewFromConfig(s.cfg), s.target)
	return err
}

// names words results and errors for the environment; image is the function's --image, if given.
func (s *session) names(image string) daggercall.Names { return daggercall.For(s.target, image) }

// failed is the answer of a step that failed with err, worded for the module.
func (s *session) failed(err error, image string) daggercall.Answer {
	return daggercall.Answer{Error: s.names(image).Error(err).Error()}
}

// prepare readies a build for the environment: the account check, and with --registry-login a
// login to its ECR registry for the push.
func prepare(ctx context.Context, s *session, req request) daggercall.Answer {
	if err := s.verify(ctx); err != nil {
		return s.failed(err, "")
	}
	if !req.registryLogin {
		return daggercall.Answer{}
	}
	login, err := registry.ECRLogin(ctx, ecr.NewFromConfig(s.cfg), s.target.RegistryHost())
	if err != nil {
		return s.failed(err, "")
	}
	return daggercall.Answer{Registry: &daggercall.RegistryLogin{Username: login.Username, Password: login.Password}}
}

// deployStep deploys the image (with --promoted-for, the one the environment promotes for that
// commit) to every service of the environment, smoke-tests it through the load balancer, and
// tells the team.
func deployStep(ctx context.Context, s *session, req request) daggercall.Answer {
	given := ""
	if req.givenImage {
		given = req.image
	}
	names := s.names(given)
	if err := s.verify(ctx); err != nil {
		_, err := names.DeployOutput(nil, err)
		return daggercall.Answer{Error: err.Error()}
	}
	res, err := s.deploy(ctx, req)
	s.notifyTeam(ctx, names, res, err, req.runURL)
	out, err := names.DeployOutput(res, err)
	answer := daggercall.Answer{Output: out}
	if err != nil {
		return daggercall.Answer{Error: err.Error()}
	}
	if res != nil {
		answer.Image = res.Image
	}
	return answer
}

// deploy takes the deploy's steps in AWS; res is non-nil once anything in AWS may have changed.
func (s *session) deploy(ctx context.Context, req request) (*deploy.Result, error) {
	image := req.image
	if req.promotedFor != "" {
		var err error
		if image, err = s.promotedImage(ctx, req.promotedFor); err != nil {
			return nil, err
		}
	}
	opts, err := s.deployOptions(image)
	if err != nil {
		return nil, err
	}
	opts.NoRollback, opts.DeregisterFailed, opts.Force, opts.Progress = req.noRollback, req.deregisterFailed, req.force, s.progress
	res, err := deploy.Deploy(ctx, deploy.NewClients(s.cfg), opts)
	if err != nil {
		return res, err
	}
	if err := s.smokeTest(ctx); err != nil {
		return res, fmt.Errorf("the rollout succeeded but the smoke test through the load balancer failed: %w", err)
	}
	return res, nil
}

// deployOptions are the engine's options for deploying image to every service of the
// environment, the main one as Target and the others as More, with their task definitions.
func (s *session) deployOptions(image string) (deploy.Options, error) {
	target := s.target
	opts := deploy.Options{
		Target:  deploy.Target{Cluster: target.Cluster, Service: target.Service, Container: target.Container},
		Image:   image,
		Timeout: target.WaitTimeout,
	}
	if target.Migration != nil {
		opts.Migration = &deploy.Migration{Command: target.Migration.Command, Timeout: target.Migration.Timeout}
	}
	for i, service := range target.Services {
		var data []byte
		if !service.UsesLiveTaskDefinition() {
			var err error
			if data, err = os.ReadFile(filepath.FromSlash(service.TaskDefinition)); err != nil {
				return opts, fmt.Errorf("reading the task definition %s named in %s: %w", service.TaskDefinition, daggercall.EnvironmentsFile, err)
			}
		}
		if i == 0 {
			opts.TaskDefinition = data
			continue
		}
		opts.More = append(opts.More, deploy.Member{Service: service.Service, Container: service.Container, TaskDefinition: data})
	}
	return opts, nil
}

// promotedImage is the image the environment's promoteFrom deployed for the commit tagged
// commitTag.
func (s *session) promotedImage(ctx context.Context, commitTag string) (string, error) {
	target := s.target
	return registry.PromotedImage(ctx, ecr.NewFromConfig(s.cfg), registry.Promotion{
		Env:            target.Name,
		From:           target.PromoteFrom,
		Repository:     target.ImageRepository(),
		RepositoryName: target.ECRRepository,
		CommitTag:      commitTag,
		DeployFrom:     "`dagger call deploy --env=" + target.PromoteFrom + "`",
	})
}

// smokeTest asks the environment's smoke-test URL once, through the load balancer.
func (s *session) smokeTest(ctx context.Context) error {
	url := s.target.SmokeTestTarget()
	if url == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, err := smoke.Check(ctx, nil, url)
	return err
}

// notifyTeam tells the environment's notifyTopic how the deploy went, when it has one. A
// notification that fails is a warning: the deploy's outcome stands.
func (s *session) notifyTeam(ctx context.Context, names daggercall.Names, res *deploy.Result, deployErr error, runURL string) {
	if s.target.NotifyTopic == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	msg := notify.Compose(notify.Deploy{Environment: s.target.Name, Result: res, Err: deployErr, RunURL: runURL}, names)
	if err := publish.Send(ctx, sns.NewFromConfig(s.cfg), s.target.NotifyTopic, msg); err != nil {
		fmt.Fprintf(s.progress, "warning: %v; the deploy's outcome is not affected\n", err)
	}
}

// notifyStep tells the team of a deploy that failed before it changed anything in AWS (its build,
// tests or push), with the text of --error-file.
func notifyStep(ctx context.Context, s *session, req request) daggercall.Answer {
	if s.err != nil {
		return s.failed(s.err, "")
	}
	failure, err := os.ReadFile(req.errorFile)
	if err != nil {
		return daggercall.Answer{Error: fmt.Sprintf("reading why the deploy failed: %v", err)}
	}
	s.notifyTeam(ctx, s.names(""), nil, errors.New(string(failure)), req.runURL)
	return daggercall.Answer{}
}

// planStep shows what a deploy of the image (with --promoted-for, the one the environment
// promotes for that commit) would change in every service, changing nothing.
func planStep(ctx context.Context, s *session, req request) daggercall.Answer {
	if err := s.verify(ctx); err != nil {
		return daggercall.Answer{Error: err.Error()}
	}
	image, promoted := req.image, ""
	if req.promotedFor != "" {
		var err error
		if image, err = s.promotedImage(ctx, req.promotedFor); err != nil {
			return daggercall.Answer{Error: err.Error()}
		}
		promoted = fmt.Sprintf("image promoted from %s for this commit: %s\n", s.target.PromoteFrom, image)
	}
	opts, err := s.deployOptions(image)
	if err != nil {
		return daggercall.Answer{Error: err.Error()}
	}
	opts.Force = req.force
	previews, err := deploy.PreviewServices(ctx, deploy.NewClients(s.cfg), opts)
	if err != nil {
		return s.failed(err, image)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "plan for %s (nothing was changed):\n", s.target.Name)
	b.WriteString(promoted)
	for i, preview := range previews {
		if i > 0 {
			b.WriteString("\n")
		}
		if err := preview.Render(&b); err != nil {
			return daggercall.Answer{Error: err.Error()}
		}
	}
	return daggercall.Answer{Output: b.String(), Image: image}
}

// rollbackStep takes every service of the environment back: to --to (a revision, an image tag of
// the environment's repository, or an image by digest), or each to its previous revision.
func rollbackStep(ctx context.Context, s *session, req request) daggercall.Answer {
	if err := s.verify(ctx); err != nil {
		return daggercall.Answer{Error: err.Error()}
	}
	target := s.target
	opts := deploy.RollbackOptions{
		Cluster:  target.Cluster,
		Service:  target.Service,
		To:       req.to,
		Timeout:  target.WaitTimeout,
		Progress: s.progress,
	}
	for _, service := range target.Services[min(1, len(target.Services)):] {
		opts.More = append(opts.More, service.Service)
	}
	if tag := strings.TrimSpace(req.to); deploy.IsImageTag(tag) {
		digest, err := registry.ResolveTag(ctx, ecr.NewFromConfig(s.cfg), target.ECRRepository, tag)
		if err != nil {
			return daggercall.Answer{Error: fmt.Sprintf("rollback of %s to image tag %s: %v", target.Name, tag, err)}
		}
		opts.To, opts.ToImageDigest = "", digest
	}
	res, err := deploy.Rollback(ctx, deploy.NewClients(s.cfg), opts)
	out, err := s.names("").RollbackOutput(res, err)
	if err != nil {
		return daggercall.Answer{Error: err.Error()}
	}
	return daggercall.Answer{Output: out}
}

// statusStep shows every service of the environment: its deployments, tasks and targets.
func statusStep(ctx context.Context, s *session, _ request) daggercall.Answer {
	clients := deploy.NewClients(s.cfg)
	return s.eachService(ctx, func(service string, w io.Writer) error {
		status, err := deploy.Status(ctx, clients, s.target.Cluster, service)
		if err != nil {
			return err
		}
		status.Render(w)
		return nil
	})
}

// doctorStep shows what each service's settings impose on a deploy, with advice.
func doctorStep(ctx context.Context, s *session, _ request) daggercall.Answer {
	clients := deploy.NewClients(s.cfg)
	return s.eachService(ctx, func(service string, w io.Writer) error {
		d, err := deploy.Doctor(ctx, clients, s.target.Cluster, service)
		if err != nil {
			return err
		}
		return d.Render(w)
	})
}

// eachService shows every service of the environment, one after the other, once the account is
// checked.
func (s *session) eachService(ctx context.Context, show func(service string, w io.Writer) error) daggercall.Answer {
	if err := s.verify(ctx); err != nil {
		return daggercall.Answer{Error: err.Error()}
	}
	var b strings.Builder
	for i, service := range s.target.Services {
		if i > 0 {
			b.WriteString("\n")
		}
		if err := show(service.Service, &b); err != nil {
			return s.failed(err, "")
		}
	}
	return daggercall.Answer{Output: b.String()}
}
