package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"dagger/pipeline/internal/moto"
)

// motoAccount is the account moto answers as; its tokens are base64("AWS:<account>-auth-token").
const motoAccount = "123456789012"

func TestECRLoginAgainstMoto(t *testing.T) {
	srv := moto.Start(t)
	client := ecr.NewFromConfig(srv.Config) // configured for us-east-1
	tests := []struct{ host, region string }{
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com", "us-east-1"},
		// Another region than the client's: the token must come from the registry's region.
		{"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com", "eu-west-1"},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{"123456789012.dkr-ecr-fips.us-east-2.on.aws", "us-east-2"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			creds, err := ECRLogin(ctx, client, tt.host)
			if err != nil {
				t.Fatalf("ECRLogin(%q): %v", tt.host, err)
			}
			wantHost := strings.TrimPrefix(tt.host, "https://")
			if creds.Registry != wantHost || creds.Username != "AWS" || creds.Password != motoAccount+"-auth-token" || creds.ExpiresAt.IsZero() {
				t.Fatalf("ECRLogin(%q) = %s with password %q; want registry %s, user AWS, moto's token and an expiry", tt.host, creds, creds.Password, wantHost)
			}
		})
	}
}

func TestECRLoginRejectsABadHostBeforeCallingAWS(t *testing.T) {
	fake := newFakeECR(t, func(http.ResponseWriter) { t.Error("ECR was called for an invalid host") })
	_, err := ECRLogin(context.Background(), fake.client(t), "123.dkr.ecr.eu-west-1.amazonaws.com")
	if err == nil || !strings.Contains(err.Error(), "12-digit AWS account ID") {
		t.Fatalf("err = %v, want the account ID explained", err)
	}
	if _, err := ECRLogin(context.Background(), nil, "123456789012.dkr.ecr.eu-west-1.amazonaws.com"); err == nil || !strings.Contains(err.Error(), "no ECR client") {
		t.Fatalf("nil client: err = %v", err)
	}
}

func TestECRLoginSignsForTheRegistryRegion(t *testing.T) {
	fake := newFakeECR(t, respondToken(base64.StdEncoding.EncodeToString([]byte("AWS:pw")), "https://123456789012.dkr.ecr.ap-south-1.amazonaws.com"))
	if _, err := ECRLogin(context.Background(), fake.client(t), "123456789012.dkr.ecr.ap-south-1.amazonaws.com"); err != nil {
		t.Fatal(err)
	}
	if got := fake.lastRegion(); got != "ap-south-1" {
		t.Fatalf("the request was signed for %q, want the registry's region ap-south-1", got)
	}
}

func TestECRLoginMalformedTokensGiveClearErrorsWithoutTheToken(t *testing.T) {
	const host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
	const secret = "s3cr3t-token-part"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name     string
		token    string
		endpoint string
		want     string
	}{
		{"empty token", "", "", "empty authorization token"},
		{"not base64", secret + "!!", "", "not valid base64"},
		{"no colon", b64(secret), "", `without the ":"`},
		{"empty user", b64(":" + secret), "", "empty user name"},
		{"empty password", b64(secret + ":"), "", "empty password"},
		{"other region", b64("AWS:" + secret), "https://123456789012.dkr.ecr.us-west-2.amazonaws.com", "issued for region us-west-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeECR(t, respondToken(tt.token, tt.endpoint))
			creds, err := ECRLogin(context.Background(), fake.client(t), host)
			if err == nil {
				t.Fatalf("ECRLogin accepted the token and returned %v", creds)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), host) {
				t.Errorf("error %q does not contain %q and the host", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) || (tt.token != "" && strings.Contains(err.Error(), tt.token)) {
				t.Errorf("error echoes the token: %v", err)
			}
		})
	}
}

func TestECRLoginReportsAWSErrorsAndEmptyAnswers(t *testing.T) {
	const host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
	denied := newFakeECR(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","message":"not authorized to perform: ecr:GetAuthorizationToken"}`)
	})
	_, err := ECRLogin(context.Background(), denied.client(t), host)
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), "allow ecr:GetAuthorizationToken") {
		t.Errorf("access denied: err = %v", err)
	}

	empty := newFakeECR(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"authorizationData":[]}`)
	})
	_, err = ECRLogin(context.Background(), empty.client(t), host)
	if err == nil || !strings.Contains(err.Error(), "no authorization data") {
		t.Errorf("empty answer: err = %v", err)
	}
}

func TestECRLoginHonoursTheContext(t *testing.T) {
	release := make(chan struct{})
	fake := newFakeECR(t, func(http.ResponseWriter) { <-release })
	t.Cleanup(func() { close(release) }) // runs before the server's Close, which waits for handlers
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := ECRLogin(ctx, fake.client(t), "123456789012.dkr.ecr.eu-west-1.amazonaws.com")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

// fakeECR is an ECR endpoint on a loopback port that answers GetAuthorizationToken as told, for
// the answers moto never gives.
type fakeECR struct {
	server *httptest.Server
	mu     sync.Mutex
	region string // from the last request's SigV4 credential scope
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[0-9]+/([^/]+)/ecr/aws4_request`)

func newFakeECR(t *testing.T, respond func(http.ResponseWriter)) *fakeECR {
	f := &fakeECR{}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if target := r.Header.Get("X-Amz-Target"); target != "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken" {
			t.Errorf("unexpected X-Amz-Target %q", target)
		}
		if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			f.mu.Lock()
			f.region = m[1]
			f.mu.Unlock()
		}
		respond(w)
	}))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeECR) client(t *testing.T) *ecr.Client {
	t.Helper()
	return ecr.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint:     aws.String(f.server.URL),
		RetryMaxAttempts: 1,
	})
}

func (f *fakeECR) lastRegion() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.region
}

func respondToken(token, proxyEndpoint string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		data := map[string]any{"authorizationToken": token, "expiresAt": 1.9e9}
		if proxyEndpoint != "" {
			data["proxyEndpoint"] = proxyEndpoint
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"authorizationData": []any{data}})
	}
}
