package release

import (
	"errors"
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// Reference is a parsed OCI image reference REGISTRY/REPOSITORY[:TAG][@DIGEST].
type Reference struct {
	// Registry is the registry host[:port]; "docker.io" when the reference names none.
	Registry string
	// Repository is the repository in the registry; Docker Hub's official images get their
	// implicit "library/" prefix.
	Repository string
	// Tag is the tag, "" when absent. An absent tag is not read as "latest".
	Tag string
	// Digest is the content digest ("sha256:<64 hex>"), "" when absent.
	Digest string
}

const referenceForm = "REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@sha256:<64 hex>"

// ParseReference parses an image reference such as ghcr.io/acme/service:v1.2.3,
// localhost:5000/app@sha256:…, 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:tag@sha256:… or
// nginx, with github.com/distribution/reference, Docker's own parser: a reference whose first
// component has no ".", no ":" and is not localhost is on Docker Hub (docker.io), and a
// single-component Docker Hub repository gets the "library/" prefix. Surrounding whitespace is
// ignored. On top of the grammar, the registry must pass ValidateRegistry and the whole name
// must fit in 255 characters.
func ParseReference(s string) (Reference, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Reference{}, errors.New("image reference is empty; pass " + referenceForm + ", e.g. ghcr.io/acme/service@sha256:…")
	}
	if bareDigest(s) {
		// The grammar alone reads sha256:<hex> as the Docker Hub image library/sha256.
		return Reference{}, fmt.Errorf("image reference %s is a digest alone: the repository is missing, and a digest names content, not where to pull it from; pass REGISTRY/REPOSITORY@sha256:<64 hex>, e.g. ghcr.io/acme/service@sha256:…", quote(s))
	}
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return Reference{}, explainReference(s, err)
	}
	r := Reference{Registry: reference.Domain(named), Repository: reference.Path(named)}
	if tagged, ok := named.(reference.Tagged); ok {
		r.Tag = tagged.Tag()
	}
	if digested, ok := named.(reference.Digested); ok {
		r.Digest = digested.Digest().String()
	}
	if r.Registry == "" {
		// Docker's rule made the first component a host, but it is no valid host, and the
		// grammar then read it as part of the repository path (e.g. "reg_istry.io/app").
		return Reference{}, explainReference(s, errors.New("the registry host does not match the reference grammar"))
	}
	if err := ValidateRegistry(r.Registry); err != nil {
		return Reference{}, fmt.Errorf("image reference %s: %w", quote(s), err)
	}
	if n := len(r.Name()); n > maxNameLength {
		return Reference{}, fmt.Errorf("image reference %s has a name of %d characters, but registries accept at most %d; use a shorter repository name", quote(s), n, maxNameLength)
	}
	return r, nil
}

// bareDigest reports whether s is a digest without a repository: ALGORITHM:ENCODED for an
// algorithm go-digest knows (valid or not), the same after "@", or the 64 hex of an image ID.
func bareDigest(s string) bool {
	d := digest.Digest(strings.TrimPrefix(s, "@"))
	if digest.DigestRegexpAnchored.MatchString(string(d)) && d.Algorithm().Available() {
		return true
	}
	return digest.SHA256.Validate(s) == nil
}

// explainReference says which part of s the reference grammar rejects, since the library's
// errors mostly say only "invalid reference format". It cuts s where the grammar would, for the
// message alone: that s is invalid was already decided by the library, whose error is kept
// when no part can be blamed.
func explainReference(s string, parseErr error) error {
	name, dgst, hasDigest := s, "", false
	if i := strings.LastIndex(s, "@"); i >= 0 {
		name, dgst, hasDigest = s[:i], s[i+1:], true
		if strings.Contains(name, "@") || !digest.DigestRegexpAnchored.MatchString(dgst) {
			// What precedes "@" may be user:password: never echo it.
			return fmt.Errorf("image reference %s: the text after the last \"@\" is not a digest ALGORITHM:HEX such as sha256:<64 hex>; references never carry credentials (user:password@), so remove them and log in to the registry instead", quote("…@"+dgst))
		}
	}
	if strings.Contains(name, "://") {
		return fmt.Errorf("image reference %s has a URL scheme, but image references have none; remove it, e.g. ghcr.io/acme/service:v1.2.3", quote(s))
	}
	if hasDigest {
		if err := validateDigest(dgst); err != nil {
			return fmt.Errorf("image reference %s: %w", quote(s), err)
		}
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		if err := ValidateTag(name[i+1:]); err != nil {
			return fmt.Errorf("image reference %s: %w", quote(s), err)
		}
		name = name[:i]
	}
	repository := name
	if host, rest, ok := strings.Cut(name, "/"); ok && (strings.ContainsAny(host, ".:") || host == "localhost" || strings.ToLower(host) != host) {
		if err := ValidateRegistry(host); err != nil {
			return fmt.Errorf("image reference %s: %w", quote(s), err)
		}
		repository = rest
	}
	if err := ValidateRepository(repository); err != nil {
		return fmt.Errorf("image reference %s: %w", quote(s), err)
	}
	return fmt.Errorf("image reference %s is not %s: %v; copy the reference that publish printed", quote(s), referenceForm, parseErr)
}

// Name returns REGISTRY/REPOSITORY, the reference without tag or digest.
func (r Reference) Name() string { return r.Registry + "/" + r.Repository }

// String returns the fully qualified reference REGISTRY/REPOSITORY[:TAG][@DIGEST], which
// ParseReference reads back to the same Reference.
func (r Reference) String() string {
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Pinned reports whether r names its image by a sha256 digest (64 lower-case hex), which,
// unlike a tag, can never point to other content.
func (r Reference) Pinned() bool { return IsSHA256Digest(r.Digest) }

// WithDigest returns a copy of r with its digest set to d. It does not validate d: check
// Pinned, or use RequireDigest or PinnedReference, before deploying the result.
func (r Reference) WithDigest(d string) Reference {
	r.Digest = d
	return r
}
