package main

import (
	"context"
	"maps"
	"slices"
	"strings"

	"dagger/pipeline/internal/dagger"
)

const (
	// The port the service listens on (its PORT default).
	servicePort = 8080
	// distroless's "nonroot" user: the service never runs as root.
	nonRootUser = "65532:65532"
)

// Container returns the runtime image: the static binary on a minimal non-root base with CA
// certificates, the port exposed, the entrypoint set, and OCI labels (source, revision, version,
// created). It has no shell; browse its files with
// `dagger call container directory --path=/ terminal --container=golang:1.26`, or run it with
// `dagger call container as-service up --ports 8080:8080`.
func (m *Pipeline) Container(
	ctx context.Context,
	// The target CPU architecture (GOARCH): amd64 for x86 Fargate, arm64 for Graviton.
	// +default="amd64"
	arch string,
) (*dagger.Container, error) {
	facts, err := m.gitFacts(ctx)
	if err != nil {
		return nil, err
	}
	return m.image(facts, arch)
}

func (m *Pipeline) image(facts checkout, arch string) (*dagger.Container, error) {
	binary, err := m.binary(facts, arch)
	if err != nil {
		return nil, err
	}
	ctr := dag.Container(dagger.ContainerOpts{Platform: dagger.Platform("linux/" + arch)}).
		From(m.RuntimeImage).
		WithFile("/app/service", binary).
		WithUser(nonRootUser).
		WithEnvVariable("PORT", "8080").
		WithExposedPort(servicePort).
		WithEntrypoint([]string{"/app/service"})
	labels := facts.Info.Labels(facts.SourceURL)
	for _, name := range slices.Sorted(maps.Keys(labels)) {
		ctr = ctr.WithLabel(name, labels[name])
	}
	return ctr, nil
}

// Serve runs the service locally: `dagger call serve up --ports 8080:8080`, then
// `curl localhost:8080/health`.
func (m *Pipeline) Serve(ctx context.Context) (*dagger.Service, error) {
	platform, err := dag.DefaultPlatform(ctx)
	if err != nil {
		return nil, err
	}
	// The engine's own architecture, so the service runs natively (arm64 on Apple silicon).
	ctr, err := m.Container(ctx, platformArch(platform))
	if err != nil {
		return nil, err
	}
	return ctr.AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true}), nil
}

// platformArch is the architecture of an OCI platform such as linux/arm64 or linux/arm64/v8.
func platformArch(platform dagger.Platform) string {
	parts := strings.Split(string(platform), "/")
	if len(parts) < 2 {
		return string(platform)
	}
	return parts[1]
}
