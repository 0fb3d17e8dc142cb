package daggercall

import (
	"errors"
	"fmt"

	"dagger/pipeline/environments"
	"dagger/pipeline/site"
)

// For is the module's words for the environment; image is the one the function was given with
// --image, if any.
func For(target environments.Environment, image string) Names {
	names := Names{Env: target.Name, Image: image, Several: len(target.Services) > 1}
	if !target.IsLocal() {
		names.Repository = target.ImageRepository()
	}
	return names
}

// Answer is what the module's AWS steps (cmd/pipeline-aws), which run in a container of their
// own, tell the Dagger function that ran them.
type Answer struct {
	// Output is what the function prints; Error, when not empty, is its error instead. Both are
	// worded already, in the module's terms.
	Output string `json:"output,omitempty"`
	Error  string `json:"error,omitempty"`
	// Image is the image a step found: the one an environment promotes for the commit.
	Image string `json:"image,omitempty"`
	// Registry is the login to the environment's ECR registry, for the image's push.
	Registry *RegistryLogin `json:"registry,omitempty"`
}

// RegistryLogin is a short-lived login to an ECR registry.
type RegistryLogin struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// siteKeys are the environment's keys for a site's inputs.
var siteKeys = map[site.Field]string{
	site.FieldDirectory: "site.directory", site.FieldBucket: "site.bucket", site.FieldDistribution: "site.distributionId",
}

// SiteError is a site's error for the environment: bad input names the key of the environment to
// fix, and says that nothing was changed.
func SiteError(target environments.Environment, err error) error {
	var input *site.InputError
	if errors.As(err, &input) && siteKeys[input.Field] != "" {
		return fmt.Errorf("%w (%q of environment %q in %s); nothing was changed", err, siteKeys[input.Field], target.Name, EnvironmentsFile)
	}
	return err
}
