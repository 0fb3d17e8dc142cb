// Package codepipeline writes the artifacts that AWS CodePipeline's ECS deploy actions read, for
// teams that let CodePipeline roll out what this pipeline built.
package codepipeline

import (
	"encoding/json"
	"fmt"
	"regexp"

	"dagger/pipeline/release"
)

// containerNamePattern is ECS's rule for container names.
var containerNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`)

// imageDefinition is one entry of imagedefinitions.json.
type imageDefinition struct {
	Name     string `json:"name"`
	ImageURI string `json:"imageUri"`
}

// ImageDefinitions returns imagedefinitions.json for CodePipeline's "Amazon ECS" (standard
// rolling) deploy action: [{"name":CONTAINER,"imageUri":IMAGE}]. The action puts IMAGE into the
// container named CONTAINER of the service's current task definition and registers the result.
//
// container must be the container's name in the task definition, and imageURI must be pinned to a
// sha256 digest so that CodePipeline deploys exactly the image that was built and tested.
func ImageDefinitions(container, imageURI string) ([]byte, error) {
	if err := validateContainerName(container); err != nil {
		return nil, fmt.Errorf("imagedefinitions.json: %w", err)
	}
	ref, err := release.RequireDigest(imageURI)
	if err != nil {
		return nil, fmt.Errorf("imagedefinitions.json for container %q: %w", container, err)
	}
	return json.Marshal([]imageDefinition{{Name: container, ImageURI: ref.String()}})
}

func validateContainerName(name string) error {
	if name == "" {
		return fmt.Errorf("the container name is empty; pass the name of the container in the task definition (containerDefinitions[].name) whose image changes")
	}
	if !containerNamePattern.MatchString(name) {
		return fmt.Errorf("container name %q is not a valid ECS container name (1 to 255 letters, digits, hyphens and underscores); pass the name from the task definition's containerDefinitions[].name", name)
	}
	return nil
}
