package environments

import "testing"

func TestSuggest(t *testing.T) {
	keys := []string{"region", "accountId", "ecrRepository", "cluster", "smokeTestURL", "smokeTestPath", "waitTimeout", "deployOn"}
	tests := []struct{ word, want string }{
		{"acountId", "accountId"},
		{"accountID", "accountId"},
		{"regoin", "region"},
		{"smokeTestUrl", "smokeTestURL"},
		{"smoketestpath", "smokeTestPath"},
		{"wait_timeout", "waitTimeout"},
		{"deploy_on", "deployOn"},
		{"clusterName", "cluster"},
		{"replicas", ""},
		{"x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, keys); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
	if got := suggest("anything", nil); got != "" {
		t.Errorf("no candidates must give no suggestion, got %q", got)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"staging", "stagin", 1}, {"prod", "prd", 1}, {"flaw", "lawn", 2}, {"é", "e", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
