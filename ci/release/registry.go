package release

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/distribution/reference"
)

// domainPattern is the reference grammar's registry host[:port], anchored: the library exports
// it only for matching inside a longer reference.
var domainPattern = regexp.MustCompile(`^(?:` + reference.DomainRegexp.String() + `)$`)

// maxNameLength is the longest image name (registry/repository) that registries accept. The
// library bounds only the repository path; Docker and most registries bound the whole name.
const maxNameLength = 255

const registryExamples = "e.g. ghcr.io, localhost:5000 or 123456789012.dkr.ecr.eu-west-1.amazonaws.com"

// ValidateRegistry checks that address is a registry host with an optional port, as it appears
// before the first "/" of an image reference: no scheme, no path, no credentials.
func ValidateRegistry(address string) error {
	if address == "" {
		return fmt.Errorf("registry address is empty; pass the registry host, %s", registryExamples)
	}
	if i := strings.LastIndex(address, "@"); i >= 0 {
		// Never echo what precedes "@": it is likely user:password.
		return fmt.Errorf("registry address %s contains credentials (\"…@\"); pass only the host[:port], %s, and log in with the username and password options", quote("…@"+address[i+1:]), registryExamples)
	}
	if strings.ContainsAny(address, " \t\r\n") {
		return fmt.Errorf("registry address %s contains whitespace; pass only the host[:port], %s", quote(address), registryExamples)
	}
	if scheme, rest, ok := strings.Cut(address, "://"); ok {
		return fmt.Errorf("registry address %s has a %s:// scheme, but image references have none; pass %s", quote(address), scheme, quote(strings.TrimSuffix(rest, "/")))
	}
	if host, path, ok := strings.Cut(address, "/"); ok {
		return fmt.Errorf("registry address %s has a path (%s); pass the host %s as the registry and put the path in the repository", quote(address), quote("/"+path), quote(host))
	}
	host := address
	_, port, err := net.SplitHostPort(address)
	hasPort := err == nil
	if hasPort {
		// The grammar takes any digits for a port; a registry can only listen on 1 to 65535.
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
			return fmt.Errorf("registry address %s has port %s, which is not a number from 1 to 65535; fix the port or leave it out", quote(address), quote(port))
		}
		host = strings.TrimSuffix(address, ":"+port)
	}
	if strings.HasPrefix(host, "[") {
		// The grammar takes any run of hex digits and colons in brackets, such as [::::].
		addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
		if !domainPattern.MatchString(address) || err != nil || !addr.Is6() {
			return fmt.Errorf("registry address %s has host %s, which is not an IPv6 address in brackets; fix the address, e.g. [::1]:5000", quote(address), quote(host))
		}
		return nil
	}
	if !domainPattern.MatchString(address) {
		return fmt.Errorf("registry address %s has host %s, which is not a DNS name or IPv4 address (letters, digits and inner hyphens, separated by dots); pass the registry host, %s", quote(address), quote(host), registryExamples)
	}
	if !hasPort && !strings.Contains(host, ".") && !strings.EqualFold(host, "localhost") {
		// Docker reads "name/app" as the Docker Hub repository name/app, so a dotless host
		// would silently push to and deploy from Docker Hub.
		return fmt.Errorf("registry address %s would be read as a Docker Hub namespace, since a registry host needs a dot, a port or to be localhost; pass the full host name or host:port, %s", quote(address), registryExamples)
	}
	return nil
}

// ValidateRepository checks that name is a repository name in a registry (the part of an image
// reference after the registry, such as acme/service): lower-case path components of letters and
// digits, joined by ".", "_", "__" or runs of "-", separated by "/". It carries no registry, tag
// or digest.
func ValidateRepository(name string) error {
	const example = "e.g. acme/service"
	switch {
	case name == "":
		return fmt.Errorf("repository name is empty; pass the repository in the registry, %s", example)
	case strings.Contains(name, "@"):
		i := strings.LastIndex(name, "@")
		return fmt.Errorf("repository name %s contains \"@\"; pass the name alone, %s, and leave digests and credentials out", quote("…@"+name[i+1:]), example)
	case strings.Contains(name, "://"):
		return fmt.Errorf("repository name %s has a scheme; pass the repository alone, %s, and the registry host separately", quote(name), example)
	case strings.Contains(name, ":"):
		return fmt.Errorf("repository name %s contains \":\", which only a tag or a registry port uses; pass the repository alone, %s: tags are derived from the commit and the registry is a separate option", quote(name), example)
	case len(name) > maxNameLength:
		return fmt.Errorf("repository name %s is %d characters long, but registries accept at most %d; use a shorter name", quote(name), len(name), maxNameLength)
	case strings.ToLower(name) != name:
		return fmt.Errorf("repository name %s has upper-case letters, which the OCI distribution spec forbids; use %s", quote(name), quote(strings.ToLower(name)))
	}
	for component := range strings.SplitSeq(name, "/") {
		if component == "" {
			return fmt.Errorf("repository name %s has an empty path component (a leading, trailing or doubled \"/\"); remove the extra \"/\", %s", quote(name), example)
		}
		// A lone component, without "/" or ":", can only match the grammar as a path.
		if _, err := reference.WithName(component); err != nil {
			return fmt.Errorf("repository name %s has path component %s, which is not lower-case letters and digits joined by \".\", \"_\", \"__\" or \"-\"; rename it, %s", quote(name), quote(component), example)
		}
	}
	return nil
}
