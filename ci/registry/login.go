package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// ECRAuthAPI is the part of the ECR client (*ecr.Client) that logging in uses.
type ECRAuthAPI interface {
	GetAuthorizationToken(ctx context.Context, params *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

// ECRLogin gets docker-login credentials for the ECR private registry at registryHost (see
// ParseECRHost for the accepted forms).
//
// The call goes to the registry's own region whatever region api was configured with, because an
// ECR token is only valid in the region that issued it. It asks for no registry IDs (a field AWS
// deprecated): the token opens every registry in that region that the caller's IAM principal may
// access, so which account owns registryHost is up to IAM, not to the token.
func ECRLogin(ctx context.Context, api ECRAuthAPI, registryHost string) (Credentials, error) {
	host, err := ParseECRHost(registryHost)
	if err != nil {
		return Credentials{}, err
	}
	if api == nil {
		return Credentials{}, errors.New("ECR login: no ECR client; pass ecr.NewFromConfig(cfg)")
	}
	out, err := api.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{}, func(o *ecr.Options) {
		o.Region = host.Region
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("ECR login for %s: GetAuthorizationToken in %s: %w; check the AWS credentials and that they allow ecr:GetAuthorizationToken", host.Host, host.Region, err)
	}
	if out == nil || len(out.AuthorizationData) == 0 {
		return Credentials{}, fmt.Errorf("ECR login for %s: GetAuthorizationToken in %s returned no authorization data; check that the endpoint is ECR", host.Host, host.Region)
	}
	data := out.AuthorizationData[0]
	if err := checkProxyEndpoint(host, data); err != nil {
		return Credentials{}, err
	}
	user, password, err := decodeToken(aws.ToString(data.AuthorizationToken))
	if err != nil {
		return Credentials{}, fmt.Errorf("ECR login for %s: %w", host.Host, err)
	}
	var expires time.Time
	if data.ExpiresAt != nil {
		expires = *data.ExpiresAt
	}
	return Credentials{Registry: host.Host, Username: user, Password: password, ExpiresAt: expires}, nil
}

// checkProxyEndpoint refuses a token issued for another region than the registry's (an endpoint
// override that pins the client to one region would do that), since the registry would reject it
// at push time with a far less helpful error.
func checkProxyEndpoint(host ECRHost, data types.AuthorizationData) error {
	endpoint := aws.ToString(data.ProxyEndpoint)
	if endpoint == "" {
		return nil
	}
	issued, err := ParseECRHost(endpoint)
	if err != nil {
		// Not ours to judge (a custom endpoint, say); the region was set on the request.
		return nil
	}
	if issued.Region != host.Region {
		return fmt.Errorf("ECR login for %s: the token was issued for region %s (proxy endpoint %s), not %s; the ECR client's endpoint is pinned to another region, so remove the endpoint override or point it at %s", host.Host, issued.Region, issued.Host, host.Region, host.Region)
	}
	return nil
}

// decodeToken splits base64("USER:PASSWORD"). Errors never include the token or any part of it.
func decodeToken(token string) (user, password string, err error) {
	if token == "" {
		return "", "", errors.New("ECR returned an empty authorization token; retry, and report it if it persists")
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		var corrupt base64.CorruptInputError
		if errors.As(err, &corrupt) {
			return "", "", fmt.Errorf("ECR returned an authorization token (%d characters) that is not valid base64 (bad byte at offset %d); check that the endpoint is ECR", len(token), int64(corrupt))
		}
		return "", "", fmt.Errorf("ECR returned an authorization token (%d characters) that is not valid base64; check that the endpoint is ECR", len(token))
	}
	user, password, ok := strings.Cut(string(raw), ":")
	switch {
	case !ok:
		return "", "", fmt.Errorf("ECR returned an authorization token that decodes to %d bytes without the \":\" of USER:PASSWORD; check that the endpoint is ECR", len(raw))
	case user == "":
		return "", "", errors.New("ECR returned an authorization token with an empty user name (\":PASSWORD\"); check that the endpoint is ECR")
	case password == "":
		return "", "", errors.New("ECR returned an authorization token with an empty password (\"USER:\"); check that the endpoint is ECR")
	}
	return user, password, nil
}
