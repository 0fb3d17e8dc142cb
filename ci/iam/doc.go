// Package iam holds the AWS IAM policies of the deploy role, as JSON next to this file, and the
// tests that keep them true to the code: deploy-policy.json must allow every AWS operation the
// pipeline's Go code can call (found by type-checking the module, not listed by hand) and nothing
// else, and github-oidc-trust-policy.json must accept only the GitHub environment's OIDC subject.
package iam
