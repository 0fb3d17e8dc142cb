// Package e2e drives the pipeline through the real dagger CLI against a running Dagger engine, as a
// user types it, and asserts on what comes back. Its tests carry the build tag e2e, so the
// module's everyday `go test ./...` leaves them out; run them with an engine up:
//
//	DAGGER_CLI=../shared/tools/dagger-engine/dagger go test -tags e2e -v -timeout 60m ./e2e
//
// (from ci/; DAGGER_CLI defaults to the dagger on PATH). The suite works on a copy of the
// repository with its own git history, starts moto_server and the scenario fake on loopback for the
// AWS functions, and prints figures (timings, image size) as "figure:" lines; with E2E_FIGURES set
// it also writes them to that file.
package e2e
