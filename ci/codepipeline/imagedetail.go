package codepipeline

import (
	"encoding/json"
	"fmt"

	"dagger/pipeline/release"
)

// ImageDetail returns imageDetail.json for CodePipeline's "Amazon ECS (Blue/Green)" deploy action
// (CodeDeploy): {"ImageURI":IMAGE}. The action substitutes IMAGE for the placeholder in the task
// definition template. imageURI must be pinned to a sha256 digest.
func ImageDetail(imageURI string) ([]byte, error) {
	ref, err := release.RequireDigest(imageURI)
	if err != nil {
		return nil, fmt.Errorf("imageDetail.json: %w", err)
	}
	return json.Marshal(struct {
		ImageURI string `json:"ImageURI"`
	}{ref.String()})
}
