package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"dagger/pipeline/internal/moto"
)

// IAM's own grammar (operators, action names, ARN shapes, the trust policy's Principal), as
// moto's validator applies it when a role is created and given its policy: what the evaluator of
// policy_test.go does not check.

// iamCall makes one call of IAM's query API and returns the HTTP status and body.
func iamCall(t *testing.T, srv *moto.Server, params url.Values) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	params.Set("Version", "2010-05-08")
	body := params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.Endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds, err := srv.Config.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	// The signature's scope tells moto which service the call is for.
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", moto.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(out)
}

func policyText(t *testing.T, p *policy) string {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestPoliciesAreValidIAMDocuments(t *testing.T) {
	srv := moto.Start(t)
	trust := policyText(t, filledPolicy(t, "github-oidc-trust-policy.json"))
	status, body := iamCall(t, srv, url.Values{
		"Action": {"CreateRole"}, "RoleName": {"deploy"}, "AssumeRolePolicyDocument": {trust},
		// Above the longest role-duration-seconds of the workflows (5100 s).
		"MaxSessionDuration": {"7200"},
	})
	if status != http.StatusOK {
		t.Fatalf("CreateRole with github-oidc-trust-policy.json: HTTP %d\n%s", status, body)
	}
	deploy := filledPolicy(t, "deploy-policy.json")
	status, body = iamCall(t, srv, url.Values{
		"Action": {"PutRolePolicy"}, "RoleName": {"deploy"}, "PolicyName": {"deploy"}, "PolicyDocument": {policyText(t, deploy)},
	})
	if status != http.StatusOK {
		t.Fatalf("PutRolePolicy with deploy-policy.json: HTTP %d\n%s", status, body)
	}

	// The same call with a mistyped operator must fail, or the check above checks nothing.
	for i := range deploy.Statement {
		if c, ok := deploy.Statement[i].Condition["StringEquals"]; ok {
			deploy.Statement[i].Condition = map[string]map[string]stringList{"StringEqual": c}
			break
		}
	}
	status, body = iamCall(t, srv, url.Values{
		"Action": {"PutRolePolicy"}, "RoleName": {"deploy"}, "PolicyName": {"typo"}, "PolicyDocument": {policyText(t, deploy)},
	})
	if status == http.StatusOK || !strings.Contains(body, "MalformedPolicyDocument") {
		t.Errorf("PutRolePolicy with the operator StringEqual: HTTP %d, want MalformedPolicyDocument\n%s", status, body)
	}
}
