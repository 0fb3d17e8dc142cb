package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const testPassword = "eyJwYXlsb2FkIjoic2VjcmV0LXBhc3N3b3JkIn0" // stands in for an ECR token

func testCredentials() Credentials {
	return Credentials{
		Registry:  "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
		Username:  "AWS",
		Password:  testPassword,
		ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func TestCredentialsNeverPrintThePassword(t *testing.T) {
	c := testCredentials()
	type Exported struct{ Creds Credentials }
	printed := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10.3v"} {
		printed[verb] = fmt.Sprintf(verb, c)
		printed["pointer "+verb] = fmt.Sprintf(verb, &c)
		printed["slice "+verb] = fmt.Sprintf(verb, []Credentials{c})
		printed["map "+verb] = fmt.Sprintf(verb, map[string]Credentials{"k": c})
		printed["field "+verb] = fmt.Sprintf(verb, Exported{c})
	}
	printed["Sprint"] = fmt.Sprint(c)
	printed["Sprintln"] = fmt.Sprintln(c, &c)
	printed["Errorf %w"] = fmt.Errorf("login: %v", c).Error()
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	printed["json"] = string(js)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("login", "creds", c)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("login", "creds", c)
	printed["slog"] = logged.String()

	for how, out := range printed {
		if strings.Contains(out, testPassword) || strings.Contains(out, fmt.Sprintf("%x", testPassword)) {
			t.Errorf("%s printed the password: %s", how, out)
		}
	}
	if want := "ecr login for 123456789012.dkr.ecr.eu-west-1.amazonaws.com as AWS (expires 2030-01-02T03:04:05Z)"; printed["%v"] != want || printed["%#v"] != want {
		t.Errorf("%%v = %q, %%#v = %q; want %q", printed["%v"], printed["%#v"], want)
	}
	if !strings.Contains(printed["json"], `"registry":"123456789012.dkr.ecr.eu-west-1.amazonaws.com"`) || !strings.Contains(printed["json"], redacted) {
		t.Errorf("JSON %s lacks the registry or the redaction marker", printed["json"])
	}
}

func TestCredentialsStringSaysWhenThereIsNoPassword(t *testing.T) {
	c := Credentials{Registry: "r.example", Username: "AWS"}
	if got := c.String(); got != "ecr login for r.example as AWS (no password)" {
		t.Errorf("String() = %q", got)
	}
}
