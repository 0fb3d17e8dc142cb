package account

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"dagger/pipeline/environments"
	"dagger/pipeline/internal/moto"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const testSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// recordingTransport remembers the API action of every request it forwards,
// to prove VerifyAccount calls GetCallerIdentity and nothing else.
type recordingTransport struct {
	mu      sync.Mutex
	actions []string
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	action := req.Header.Get("X-Amz-Target")
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			action = form.Get("Action")
		}
	}
	r.mu.Lock()
	r.actions = append(r.actions, action)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recordingTransport) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.actions...)
}

func newSTSClient(endpoint string, transport http.RoundTripper) *sts.Client {
	return sts.New(sts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", testSecretKey, ""),
		HTTPClient:       &http.Client{Transport: transport},
		RetryMaxAttempts: 1,
	})
}

func TestVerifyAccountAgainstMoto(t *testing.T) {
	// A non-default account proves the value comes from STS, not from a constant.
	const account = "210987654321"
	server := moto.StartInAccount(t, account)
	recorder := &recordingTransport{}
	client := newSTSClient(server.Endpoint, recorder)
	ctx := context.Background()

	staging := environments.Environment{Name: "staging", Kind: environments.KindECS, Region: "us-east-1", AccountID: account}
	arn, err := Verify(ctx, client, staging)
	if err != nil {
		t.Fatalf("matching account must pass: %v", err)
	}
	if want := "arn:aws:sts::" + account + ":user/moto"; arn != want {
		t.Errorf("caller ARN = %q, want %q", arn, want)
	}

	staging.AccountID = "222222222222"
	arn, err = Verify(ctx, client, staging)
	want := `refusing to deploy "staging": credentials belong to account 210987654321 (arn:aws:sts::210987654321:user/moto), but environments.json says staging lives in 222222222222. Check AWS_PROFILE / the assumed role.`
	if err == nil || err.Error() != want {
		t.Fatalf("mismatch error = %v\nwant %s", err, want)
	}
	var mismatch *MismatchError
	if !errors.As(err, &mismatch) || mismatch.CallerAccount != account || mismatch.WantAccount != "222222222222" || arn != "" {
		t.Errorf("want an *MismatchError and no ARN, got %#v, %q", err, arn)
	}

	if got := recorder.recorded(); len(got) != 2 || got[0] != "GetCallerIdentity" || got[1] != "GetCallerIdentity" {
		t.Errorf("AWS calls = %v, want exactly two GetCallerIdentity", got)
	}
}

func TestVerifyAccountRefusesLocal(t *testing.T) {
	recorder := &recordingTransport{}
	// Nothing listens here; a call would fail loudly rather than pass.
	client := newSTSClient("http://127.0.0.1:1", recorder)
	_, err := Verify(context.Background(), client, environments.Environment{Name: "local", Kind: environments.KindLocal})
	if err == nil || !strings.Contains(err.Error(), `environment "local" is local and uses no AWS account`) {
		t.Fatalf("got %v", err)
	}
	if got := recorder.recorded(); len(got) != 0 {
		t.Errorf("a local environment must not call AWS, got %v", got)
	}
}

func TestVerifyAccountReportsSTSFailureWithoutSecrets(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // its port refuses connections from now on
	client := newSTSClient(closed.URL, &recordingTransport{})
	_, err := Verify(context.Background(), client, environments.Environment{Name: "prod", Kind: environments.KindECS, Region: "eu-west-1", AccountID: "333333333333"})
	if err == nil {
		t.Fatal("an unreachable STS must fail the check")
	}
	for _, want := range []string{`before deploying "prod"`, "STS GetCallerIdentity failed", "check that AWS credentials are passed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), testSecretKey) {
		t.Errorf("the error leaks the secret key: %v", err)
	}
}

func TestVerifyAccountHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	client := newSTSClient("http://127.0.0.1:1", &recordingTransport{})
	_, err := Verify(ctx, client, environments.Environment{Name: "prod", Kind: environments.KindECS, AccountID: "333333333333"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled context must stop the call, got %v", err)
	}
}
