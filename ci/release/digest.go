package release

import (
	"fmt"
	"regexp"
)

var (
	// digestShape is the OCI image-spec digest grammar, ALGORITHM:ENCODED.
	digestShape   = regexp.MustCompile(`^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)
	sha256Pattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	sha512Pattern = regexp.MustCompile(`^sha512:[0-9a-f]{128}$`)
)

// validateDigest accepts the digest algorithms the OCI image spec registers: sha256 and sha512.
func validateDigest(d string) error {
	if sha256Pattern.MatchString(d) || sha512Pattern.MatchString(d) {
		return nil
	}
	if !digestShape.MatchString(d) {
		return fmt.Errorf("digest %s is not ALGORITHM:HEX; use sha256:<64 lower-case hex>", quote(d))
	}
	return fmt.Errorf("digest %s is neither sha256:<64 lower-case hex> nor sha512:<128 lower-case hex>; copy the digest exactly as the registry printed it", quote(d))
}
