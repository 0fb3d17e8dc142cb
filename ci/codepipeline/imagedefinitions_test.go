package codepipeline

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	repo   = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service"
	digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestImageDefinitionsIsWhatTheECSDeployActionReads(t *testing.T) {
	tests := []struct{ container, image, wantURI string }{
		{"app", repo + "@" + digest, repo + "@" + digest},
		// A tag may ride along with the digest; surrounding whitespace is dropped.
		{"web_1-a", " " + repo + ":v1.2.3@" + digest + "\n", repo + ":v1.2.3@" + digest},
	}
	for _, tt := range tests {
		got, err := ImageDefinitions(tt.container, tt.image)
		if err != nil {
			t.Fatalf("ImageDefinitions(%q, %q): %v", tt.container, tt.image, err)
		}
		want := `[{"name":"` + tt.container + `","imageUri":"` + tt.wantURI + `"}]`
		if string(got) != want {
			t.Errorf("ImageDefinitions(%q, %q) = %s, want %s", tt.container, tt.image, got, want)
		}
		var parsed []map[string]string
		if err := json.Unmarshal(got, &parsed); err != nil || len(parsed) != 1 || parsed[0]["imageUri"] != tt.wantURI {
			t.Errorf("output does not parse back: %v %v", parsed, err)
		}
	}
}

func TestImageDefinitionsRejectsBadInput(t *testing.T) {
	tests := []struct{ container, image, want string }{
		{"", repo + "@" + digest, "container name is empty"},
		{"my app", repo + "@" + digest, `container name "my app" is not a valid ECS container name`},
		{strings.Repeat("a", 256), repo + "@" + digest, "not a valid ECS container name"},
		{"app", repo + ":v1.2.3", "has no digest"},
		{"app", "", "image reference is empty"},
		{"app", repo + "@sha256:abc", "sha256:<64 lower-case hex>"},
	}
	for _, tt := range tests {
		got, err := ImageDefinitions(tt.container, tt.image)
		if err == nil {
			t.Errorf("ImageDefinitions(%q, %q) = %s, want an error", tt.container, tt.image, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "imagedefinitions.json") {
			t.Errorf("ImageDefinitions(%q, %q) error %q does not contain %q", tt.container, tt.image, err, tt.want)
		}
	}
}

func TestImageDetailIsWhatTheBlueGreenActionReads(t *testing.T) {
	got, err := ImageDetail(repo + "@" + digest)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"ImageURI":"` + repo + "@" + digest + `"}`; string(got) != want {
		t.Errorf("ImageDetail = %s, want %s", got, want)
	}
	if _, err := ImageDetail(repo + ":latest"); err == nil || !strings.Contains(err.Error(), "has no digest") {
		t.Errorf("a tag-only image: err = %v, want it refused", err)
	}
}
