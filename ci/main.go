// Package main is the Dagger module of the pipeline.
package main

// Pipeline is the service's CI/CD pipeline.
type Pipeline struct{}

// Hello returns a greeting.
func (m *Pipeline) Hello() string { return "hi" }
