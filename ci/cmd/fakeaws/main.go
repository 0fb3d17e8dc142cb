// Command fakeaws serves one rollout scenario of the ECS/ELBv2 scenario fake on a loopback port,
// so the deploy engine (or the AWS CLI, or any SDK) can be tried against a crash loop, failing
// health checks or a circuit-breaker rollback without an AWS account:
//
//	go run ./cmd/fakeaws -scenario CrashLoop -addr 127.0.0.1:4566 &
//	AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
//	  go run ./cmd/ecs-deploy deploy --cluster demo --service web --container app --image "$IMAGE"
//
// With -fallback, every other AWS service (STS, ECR, …) goes to that endpoint, such as a
// moto_server, so one endpoint serves a whole deploy. It prints the address it serves and the
// image to deploy, and serves until interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"

	"dagger/pipeline/internal/fakeaws"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fakeaws:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("fakeaws", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to serve on")
	name := fs.String("scenario", "HealthyRollout", "the rollout scenario: "+strings.Join(scenarioNames(), ", "))
	unit := fs.Duration("unit", time.Second, "the scenario's time unit (its steps are a few units apart)")
	fallback := fs.String("fallback", "", "an endpoint, such as a moto_server, that answers every AWS service but ECS and ELBv2 (STS, ECR, …)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var fallbackURL *url.URL
	if *fallback != "" {
		u, err := url.Parse(*fallback)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("-fallback %q is not an endpoint URL; pass one such as http://127.0.0.1:5000", *fallback)
		}
		fallbackURL = u
	}
	scenario, ok := findScenario(*name, *unit)
	if !ok {
		return fmt.Errorf("unknown scenario %q: pick one of %s", *name, strings.Join(scenarioNames(), ", "))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fake := fakeaws.New(fakeaws.Config{Scenario: scenario})
	cfg := fake.Config()
	fmt.Fprintf(stdout, "serving %s on http://%s (cluster %s, service %s, container %s)\nimage to deploy: %s\n",
		scenario.Name, ln.Addr(), cfg.Cluster, cfg.Service, cfg.Container, fakeaws.NewImage)
	var handler http.Handler = fake
	if fallbackURL != nil {
		handler = fakeaws.WithFallback(fake, fallbackURL)
		fmt.Fprintf(stdout, "other AWS services go to %s\n", fallbackURL)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdownCtx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func scenarioNames() []string {
	var names []string
	for _, s := range fakeaws.All(time.Second) {
		names = append(names, s.Name)
	}
	return names
}

func findScenario(name string, unit time.Duration) (fakeaws.Scenario, bool) {
	for _, s := range fakeaws.All(unit) {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return fakeaws.Scenario{}, false
}
