package environments

import (
	"encoding/json"
	"testing"
)

// validECS returns the settings of a valid ECS environment; tests change one
// thing at a time.
func validECS() map[string]any {
	return map[string]any{
		"region":           "eu-west-1",
		"accountId":        "123456789012",
		"ecrRepository":    "acme/service",
		"cluster":          "acme-staging",
		"service":          "web",
		"container":        "app",
		"taskDefinition":   "live",
		"deployOn":         map[string]any{"event": "push", "branches": []string{"main"}},
		"requiresApproval": false,
		"smokeTestPath":    "/health",
		"smokeTestURL":     "http://alb-1.eu-west-1.elb.amazonaws.com",
		"waitTimeout":      "10m",
	}
}

// document marshals environments into a complete environments.json.
func document(t *testing.T, envs map[string]map[string]any) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"environments": envs})
	if err != nil {
		t.Fatal(err)
	}
	return data
}
