package main

import (
	"context"

	"dagger/pipeline/internal/dagger"
	"dagger/pipeline/release"
)

// Build compiles the service into a static Linux binary (CGO_ENABLED=0, -trimpath) stamped with
// the version, commit and commit time of the checkout.
func (m *Pipeline) Build(
	ctx context.Context,
	// The target CPU architecture (GOARCH).
	// +default="amd64"
	arch string,
) (*dagger.File, error) {
	facts, err := m.gitFacts(ctx)
	if err != nil {
		return nil, err
	}
	return m.binary(facts, arch)
}

func (m *Pipeline) binary(facts checkout, arch string) (*dagger.File, error) {
	if err := release.ValidateArch(arch); err != nil {
		return nil, err
	}
	return m.toolchain(m.appModule()).
		WithEnvVariable("CGO_ENABLED", "0").
		WithEnvVariable("GOOS", "linux").
		WithEnvVariable("GOARCH", arch).
		WithExec([]string{"go", "build", "-trimpath", "-ldflags", facts.Info.LDFlags(), "-o", "/out/service", appPackage}).
		File("/out/service"), nil
}
