package release

import (
	// go-digest accepts only the algorithms whose hash is linked in.
	_ "crypto/sha256"
	_ "crypto/sha512"
	"fmt"

	"github.com/opencontainers/go-digest"
)

// IsSHA256Digest reports whether d is sha256:<64 lower-case hex>, the one digest a deploy
// accepts: every registry computes it, so the digest publish printed is the one ECS pulls.
func IsSHA256Digest(d string) bool {
	parsed, err := digest.Parse(d)
	return err == nil && parsed.Algorithm() == digest.SHA256
}

// validateDigest accepts what go-digest accepts: sha256, sha384 and sha512 with lower-case hex.
func validateDigest(d string) error {
	if _, err := digest.Parse(d); err != nil {
		return fmt.Errorf("digest %s is neither sha256:<64 lower-case hex> nor sha512:<128 lower-case hex> (%v); copy the digest exactly as the registry printed it", quote(d), err)
	}
	return nil
}
