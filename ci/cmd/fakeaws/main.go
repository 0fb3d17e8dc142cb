// Command fakeaws serves one rollout scenario of the ECS/ELBv2 scenario fake on a loopback port,
// so the deploy engine (or the AWS CLI, or any SDK) can be tried against a crash loop, failing
// health checks or a circuit-breaker rollback without an AWS account. It accepts any
// credentials, so it serves on another address only when told to (-public):
//
//	go run ./cmd/fakeaws -scenario CrashLoop -addr 127.0.0.1:4566 &
//	AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x \
//	  go run ./cmd/ecs-deploy deploy --cluster demo --service web --container app --image "$IMAGE"
//
// With -also, the cluster has further services, each without a load balancer (a worker), its
// family and container named like it, playing a scenario of its own from its own first
// deployment, for a deploy that updates several services together:
//
//	go run ./cmd/fakeaws -scenario HealthyRollout -also worker=crash-loop -also mailer
//
// (a service named alone plays HealthyRollout). With -fallback, every other AWS service (STS,
// ECR, …) goes to that endpoint, such as a moto_server, so one endpoint serves a whole deploy.
// It prints the address it serves, its services and the image to deploy, and serves until
// interrupted.
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
	"regexp"
	"strings"
	"time"

	"dagger/pipeline/internal/cliflag"
	"dagger/pipeline/internal/fakeaws"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it serves until ctx ends and returns the exit code (0, or 2
// for bad flags or an address it cannot serve on).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fakeaws", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "the `host:port` to serve on; a loopback address unless -public (an empty host is 127.0.0.1)")
	public := fs.Bool("public", false, "allow -addr to be a non-loopback address: anyone who reaches it can drive the fake, which checks no credentials")
	name := fs.String("scenario", "HealthyRollout", "the rollout scenario: "+strings.Join(scenarioNames(), ", "))
	unit := cliflag.Duration(fs, "unit", time.Second, "the scenario's time unit (its steps are a few units apart)")
	migration := fs.String("migration", "succeeds", "how a one-off task (a deploy's migration) ends: succeeds, fails (exit code 1) or hangs (until stopped)")
	fallback := fs.String("fallback", "", "an endpoint `URL`, such as a moto_server's, that answers every AWS service but ECS and ELBv2 (STS, ECR, …)")
	var also alsoFlag
	fs.Var(&also, "also", "a further `SERVICE[=SCENARIO]` of the cluster, without a load balancer, its family and container named SERVICE, "+
		"playing SCENARIO (default HealthyRollout); repeat the flag or separate them with commas")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: fakeaws [-scenario NAME] [-also SERVICE[=NAME]]... [-addr HOST:PORT] [-fallback URL]\n\n"+
			"Serves the ECS and ELBv2 fake, each service of its cluster playing a rollout scenario, until interrupted.\n\nflags:\n")
		fs.PrintDefaults()
	}
	help, err := cliflag.Parse(fs, args, stdout, "(fakeaws -help lists the flags)")
	if help {
		return 0
	}
	if err != nil {
		return 2
	}
	m, ok := migrations(*migration, *unit)
	if !ok {
		fmt.Fprintf(stderr, "fakeaws: unknown -migration %q: pick succeeds, fails or hangs\n", *migration)
		return 2
	}
	if err := serve(ctx, fs, *addr, *public, *name, also, *unit, m, *fallback, stdout); err != nil {
		fmt.Fprintln(stderr, "fakeaws:", err)
		return 2
	}
	return 0
}

// migrations is the -migration of that name: the lines the sample app's `service migrate` logs,
// then its end, a few units after RunTask.
func migrations(name string, unit time.Duration) (*fakeaws.Migration, bool) {
	started := `{"level":"INFO","msg":"migration started","steps":2}`
	first := `{"level":"INFO","msg":"migration step applied","step":"0001_create_greetings"}`
	switch name {
	case "succeeds":
		return &fakeaws.Migration{Duration: 3 * unit, Lines: []string{started, first,
			`{"level":"INFO","msg":"migration step applied","step":"0002_add_greetings_language"}`,
			`{"level":"INFO","msg":"migration finished","applied":2}`}}, true
	case "fails":
		return &fakeaws.Migration{Duration: 3 * unit, ExitCode: 1, Lines: []string{started, first,
			`{"level":"ERROR","msg":"migration step failed","step":"0002_add_greetings_language","error":"asked to fail (--fail)"}`,
			`{"level":"ERROR","msg":"service failed","error":"migration 0002_add_greetings_language failed: asked to fail (--fail); 1 of 2 steps applied"}`}}, true
	case "hangs":
		return &fakeaws.Migration{Duration: 2 * unit, Never: true, Lines: []string{started, `{"level":"INFO","msg":"waiting for the schema lock"}`}}, true
	}
	return nil, false
}

func serve(ctx context.Context, fs *flag.FlagSet, addr string, public bool, name string, also []string, unit time.Duration, migration *fakeaws.Migration, fallback string, stdout io.Writer) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: fakeaws takes only flags (-scenario %s, not %s)", fs.Args(), fs.Arg(0), fs.Arg(0))
	}
	addr, err := listenAddress(addr, public)
	if err != nil {
		return err
	}
	var fallbackURL *url.URL
	if fallback != "" {
		u, err := url.Parse(fallback)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("-fallback %q is not an endpoint URL; pass one such as http://127.0.0.1:5000", fallback)
		}
		fallbackURL = u
	}
	scenario, ok := findScenario(name, unit)
	if !ok {
		return fmt.Errorf("unknown scenario %q: pick one of %s", name, strings.Join(scenarioNames(), ", "))
	}
	more, err := moreServices(also, fakeaws.DefaultService, unit)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fake := fakeaws.New(fakeaws.Config{Scenario: scenario, Migration: migration, MoreServices: more})
	cfg := fake.Config()
	fmt.Fprintf(stdout, "serving %s on http://%s (cluster %s, service %s, container %s)\n",
		scenario.Name, ln.Addr(), cfg.Cluster, cfg.Service, cfg.Container)
	for _, sc := range cfg.MoreServices {
		fmt.Fprintf(stdout, "also serving %s (service %s, container %s, no load balancer)\n", sc.Scenario.Name, sc.Service, sc.Container)
	}
	fmt.Fprintf(stdout, "image to deploy: %s\n", fakeaws.NewImage)
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

// listenAddress is addr with an empty host made loopback, or why it may not be served on: the
// fake accepts any credentials, so on a shared network anyone could drive it.
func listenAddress(addr string, public bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("-addr %q is not HOST:PORT (%v); pass one such as 127.0.0.1:4566", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || ip != nil && ip.IsLoopback()
	if !loopback && !public {
		return "", fmt.Errorf("-addr %s is not a loopback address: the fake accepts any credentials, so anyone who reaches it could drive it; "+
			"serve on 127.0.0.1:%s, or pass -public to serve on %s anyway", addr, port, addr)
	}
	return net.JoinHostPort(host, port), nil
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
		if strings.EqualFold(s.Name, strings.ReplaceAll(name, "-", "")) { // slow-drain is SlowDrain
			return s, true
		}
	}
	return fakeaws.Scenario{}, false
}

// alsoFlag collects -also: the flag may be repeated, and each value may name several services
// separated by commas.
type alsoFlag []string

func (a *alsoFlag) String() string { return strings.Join(*a, ",") }

func (a *alsoFlag) Set(v string) error {
	*a = append(*a, strings.Split(v, ",")...)
	return nil
}

// serviceName is what ECS accepts as a service name.
var serviceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$`)

// moreServices are the services of -also: SERVICE or SERVICE=SCENARIO each, none named like the
// main service or like another.
func moreServices(specs []string, main string, unit time.Duration) ([]fakeaws.ServiceConfig, error) {
	seen := map[string]bool{main: true}
	var out []fakeaws.ServiceConfig
	for _, spec := range specs {
		svc, scenarioName, named := strings.Cut(strings.TrimSpace(spec), "=")
		if !named {
			scenarioName = "HealthyRollout"
		}
		if !serviceName.MatchString(svc) {
			return nil, fmt.Errorf("-also %q: %q is not a service name (letters, digits, - and _); pass SERVICE=SCENARIO, such as worker=CrashLoop", spec, svc)
		}
		if seen[svc] {
			return nil, fmt.Errorf("-also %q: the cluster already has a service %s", spec, svc)
		}
		seen[svc] = true
		scenario, ok := findScenario(scenarioName, unit)
		if !ok {
			return nil, fmt.Errorf("-also %q: unknown scenario %q: pick one of %s", spec, scenarioName, strings.Join(scenarioNames(), ", "))
		}
		out = append(out, fakeaws.ServiceConfig{Service: svc, NoLoadBalancer: true, Scenario: scenario})
	}
	return out, nil
}
