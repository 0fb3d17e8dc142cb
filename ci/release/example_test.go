package release_test

import (
	"fmt"
	"log"

	"dagger/pipeline/release"
)

// The raw outputs of the git commands that the pipeline runs; a commit tagged v1.4.2.
var taggedFacts = release.GitFacts{
	Commit:     "3f2a9c41d0b7e65a8c1f4e2d9b0a7c6e5d4f3a21\n",
	CommitTime: "2024-05-01T14:30:00+02:00\n",
	Describe:   "v1.4.2\n",
	TagsAtHead: []string{"v1.4.2", "v1.4.2-rc.2"},
}

func ExampleResolve() {
	info, err := release.Resolve(taggedFacts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Version, info.ShortCommit, info.Created)

	// Four commits later, without a new tag, the version sorts after 1.4.2 and before 1.4.3.
	untagged := release.GitFacts{
		Commit:     "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d",
		CommitTime: "2024-05-02T09:00:00Z",
		Describe:   "v1.4.2-4-g9e8d7c6",
	}
	info, err = release.Resolve(untagged)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Version, info.Semver == nil)
	// Output:
	// 1.4.2 3f2a9c41d0b7 2024-05-01 12:30:00 +0000 UTC
	// 1.4.3-dev.4+9e8d7c6b5a4f true
}

func ExampleInfo_Tags() {
	info, err := release.Resolve(taggedFacts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Tags())

	// A prerelease gets no floating vX.Y tag, and no commit ever gets "latest".
	rc := taggedFacts
	rc.Describe, rc.TagsAtHead = "v1.5.0-rc.1", []string{"v1.5.0-rc.1"}
	info, err = release.Resolve(rc)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Tags())
	// Output:
	// [sha-3f2a9c41d0b7 v1.4.2 v1.4]
	// [sha-3f2a9c41d0b7 v1.5.0-rc.1]
}

func ExampleInfo_LDFlags() {
	info, err := release.Resolve(taggedFacts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.LDFlags())
	// Output:
	// -s -w -X main.version=1.4.2 -X main.commit=3f2a9c41d0b7e65a8c1f4e2d9b0a7c6e5d4f3a21 -X main.buildTime=2024-05-01T12:30:00Z
}

func ExampleInfo_Labels() {
	info, err := release.Resolve(taggedFacts)
	if err != nil {
		log.Fatal(err)
	}
	// Printing a map sorts its keys.
	fmt.Println(info.Labels("https://github.com/acme/service"))
	// Output:
	// map[org.opencontainers.image.created:2024-05-01T12:30:00Z org.opencontainers.image.revision:3f2a9c41d0b7e65a8c1f4e2d9b0a7c6e5d4f3a21 org.opencontainers.image.source:https://github.com/acme/service org.opencontainers.image.version:1.4.2]
}

func ExampleParseReference() {
	for _, s := range []string{
		"nginx:1.27",
		"localhost:5000/app:sha-3f2a9c41d0b7",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	} {
		r, err := release.ParseReference(s)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s | %s | %s | pinned=%v\n", r.Registry, r.Repository, r.Tag, r.Pinned())
	}
	// Output:
	// docker.io | library/nginx | 1.27 | pinned=false
	// localhost:5000 | app | sha-3f2a9c41d0b7 | pinned=false
	// 123456789012.dkr.ecr.eu-west-1.amazonaws.com | app | v1.4.2 | pinned=true
}

func ExamplePinnedReference() {
	// What Dagger's Container.Publish returned for one of the tags.
	published := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	pinned, err := release.PinnedReference("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app", published)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pinned)
	// Output:
	// 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
}

func ExampleRequireDigest() {
	_, err := release.RequireDigest("ghcr.io/acme/service:v1.4.2")
	fmt.Println(err)
	// Output:
	// image ghcr.io/acme/service:v1.4.2 has no digest, and a tag can be moved to other content after it was tested; deploy the digest that publish printed: ghcr.io/acme/service@sha256:…
}
