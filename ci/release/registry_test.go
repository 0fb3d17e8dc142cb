package release

import (
	"strings"
	"testing"
)

func TestValidateRegistry(t *testing.T) {
	for _, address := range []string{
		"ghcr.io", "docker.io", "localhost", "LOCALHOST", "localhost:5000", "127.0.0.1", "127.0.0.1:5000",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com", "registry.example.com:443", "my-registry.internal",
		"[::1]", "[::1]:5000", "[2001:db8::1]:443", "registry:5000", "Registry.Example.com",
	} {
		if err := ValidateRegistry(address); err != nil {
			t.Errorf("ValidateRegistry(%q): %v", address, err)
		}
	}
	for address, want := range map[string][]string{
		"":                          {"empty", "ghcr.io"},
		"https://ghcr.io":           {"https:// scheme", `pass "ghcr.io"`},
		"https://ghcr.io/":          {"https:// scheme", `pass "ghcr.io"`},
		"ghcr.io/acme":              {"has a path", `"/acme"`, "repository"},
		"ghcr.io ":                  {"whitespace"},
		"myregistry":                {"Docker Hub namespace", "dot, a port or to be localhost"},
		"localhost:0":               {"port", "1 to 65535"},
		"localhost:65536":           {"port", "1 to 65535"},
		"localhost:":                {"port"},
		"localhost:http":            {"port"},
		"-bad-.example.com":         {"not a DNS name"},
		"reg_istry.example.com":     {"not a DNS name"},
		"bad..example.com":          {"not a DNS name"},
		"[zz::1]:5000":              {"IPv6"},
		"[127.0.0.1]":               {"IPv6"},
		"[fe80::1%eth0]":            {"IPv6"},
		"user:s3cret@ghcr.io":       {"credentials", "ghcr.io"},
		"https://u:s3cret@ghcr.io/": {"credentials"},
	} {
		err := ValidateRegistry(address)
		if err == nil {
			t.Errorf("ValidateRegistry(%q) succeeded, want an error", address)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ValidateRegistry(%q) = %q, want it to mention %q", address, err, w)
			}
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ValidateRegistry(%q) error leaks the password: %q", address, err)
		}
	}
}

func TestValidateRepository(t *testing.T) {
	for _, name := range []string{
		"app", "acme/service", "a/b/c/d", "my-app", "my--app", "my_app", "my__app", "my.app", "0", "a1b2/c3",
		"ghcr.io/acme", strings.Repeat("a", 255),
	} {
		if err := ValidateRepository(name); err != nil {
			t.Errorf("ValidateRepository(%q): %v", name, err)
		}
	}
	for name, want := range map[string][]string{
		"":                       {"empty", "acme/service"},
		"Acme/Service":           {"upper-case", `"acme/service"`},
		"acme/service:v1":        {`contains ":"`, "tag"},
		"localhost:5000/app":     {`contains ":"`, "registry"},
		"acme/service@sha256:ab": {`"@"`},
		"u:s3cret@ghcr.io/app":   {`"@"`, "credentials"},
		"https://ghcr.io/app":    {"scheme"},
		"/acme/service":          {"empty path component"},
		"acme/service/":          {"empty path component"},
		"acme//service":          {"empty path component"},
		"acme/-service":          {`path component "-service"`},
		"acme/service_":          {`path component "service_"`},
		"acme/ser___vice":        {`path component "ser___vice"`},
		"acme/ser..vice":         {`path component "ser..vice"`},
		"acme/ser vice":          {`path component "ser vice"`},
		strings.Repeat("a", 256): {"at most 255"},
	} {
		err := ValidateRepository(name)
		if err == nil {
			t.Errorf("ValidateRepository(%q) succeeded, want an error", name)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ValidateRepository(%q) = %q, want it to mention %q", name, err, w)
			}
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ValidateRepository(%q) error leaks the password: %q", name, err)
		}
	}
}
