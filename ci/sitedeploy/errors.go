package sitedeploy

import (
	"errors"

	"github.com/aws/smithy-go"
)

// errorCode is the AWS error code of err ("NoSuchBucket", "AccessDenied", ...), or "".
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
