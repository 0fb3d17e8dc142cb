package release

import (
	"errors"
	"fmt"
	"strings"
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

const (
	dockerHub       = "docker.io"
	dockerHubLegacy = "index.docker.io"
)

// ParseReference parses an image reference such as ghcr.io/acme/service:v1.2.3,
// localhost:5000/app@sha256:…, 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:tag@sha256:… or
// nginx. Surrounding whitespace is ignored. As Docker does, a reference whose first component has
// no ".", no ":" and is not localhost is on Docker Hub (docker.io), and a single-component Docker
// Hub repository gets the "library/" prefix.
func ParseReference(s string) (Reference, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Reference{}, errors.New("image reference is empty; pass REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@sha256:<64 hex>, e.g. ghcr.io/acme/service@sha256:…")
	}
	name, digest, hasDigest := s, "", false
	if i := strings.LastIndex(s, "@"); i >= 0 {
		name, digest, hasDigest = s[:i], s[i+1:], true
		if strings.Contains(name, "@") || !digestShape.MatchString(digest) {
			// What precedes "@" may be user:password: never echo it.
			return Reference{}, fmt.Errorf("image reference %s: the text after the last \"@\" is not a digest ALGORITHM:HEX such as sha256:<64 hex>; references never carry credentials (user:password@), so remove them and log in to the registry instead", quote("…@"+digest))
		}
	}
	if strings.Contains(name, "://") {
		return Reference{}, fmt.Errorf("image reference %s has a URL scheme, but image references have none; remove it, e.g. ghcr.io/acme/service:v1.2.3", quote(s))
	}
	if hasDigest {
		if err := validateDigest(digest); err != nil {
			return Reference{}, fmt.Errorf("image reference %s: %w", quote(s), err)
		}
	}
	var tag string
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
		if err := ValidateTag(tag); err != nil {
			return Reference{}, fmt.Errorf("image reference %s: %w", quote(s), err)
		}
	}
	registry, repository := splitRegistry(name)
	if err := ValidateRegistry(registry); err != nil {
		return Reference{}, fmt.Errorf("image reference %s: %w", quote(s), err)
	}
	if err := ValidateRepository(repository); err != nil {
		return Reference{}, fmt.Errorf("image reference %s: %w", quote(s), err)
	}
	if n := len(registry) + 1 + len(repository); n > maxNameLength {
		return Reference{}, fmt.Errorf("image reference %s has a name of %d characters, but registries accept at most %d; use a shorter repository name", quote(s), n, maxNameLength)
	}
	return Reference{Registry: registry, Repository: repository, Tag: tag, Digest: digest}, nil
}

// splitRegistry splits a name into registry and repository the way Docker does.
func splitRegistry(name string) (registry, repository string) {
	first, rest, found := strings.Cut(name, "/")
	isHost := found && (strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first)
	if !isHost {
		registry, repository = dockerHub, name
	} else {
		registry, repository = first, rest
	}
	if registry == dockerHubLegacy {
		registry = dockerHub
	}
	if registry == dockerHub && !strings.Contains(repository, "/") {
		repository = "library/" + repository
	}
	return registry, repository
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
func (r Reference) Pinned() bool { return sha256Pattern.MatchString(r.Digest) }

// WithDigest returns a copy of r with its digest set to d. It does not validate d: check
// Pinned, or use RequireDigest or PinnedReference, before deploying the result.
func (r Reference) WithDigest(d string) Reference {
	r.Digest = d
	return r
}
