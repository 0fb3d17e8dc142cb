package environments

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
)

// TaskDefinitionProblem says why data is not a task definition the deploy engine can register, or
// returns nil when it is one. The caller gives it (deploy.TaskDefinitionProblem), so that this
// package, which the Dagger module reads environments with, links no AWS SDK.
type TaskDefinitionProblem func(data []byte) error

// ReadFile reads a file of the repository by its path relative to the repository root. A file
// that is not there must give an error wrapping fs.ErrNotExist.
type ReadFile func(path string) ([]byte, error)

// Check validates the content of an environments.json file as Load does and, beyond what the
// file alone can tell, every committed task-definition file an environment names: that it is in
// the repository and that the deploy engine can register it, and the directory of each site, which
// must hold index.html. A deploy would find either only
// when it reaches that environment, after the build. On failure the error is a
// *ValidationError listing every problem.
func Check(data []byte, read ReadFile, taskDefinitionProblem TaskDefinitionProblem) (*Config, error) {
	raw, problems := decode(data)
	if raw != nil {
		problems = append(problems, validate(raw)...)
		problems = append(problems, checkTaskDefinitionFiles(raw, problems, read, taskDefinitionProblem)...)
		problems = append(problems, checkSiteDirectories(raw, problems, read)...)
		// One environment's problems together, in file order, the file's own first.
		order := map[string]int{}
		for i, r := range raw {
			order[r.name] = i + 1
		}
		sort.SliceStable(problems, func(i, j int) bool {
			return order[problems[i].Environment] < order[problems[j].Environment]
		})
	}
	if len(problems) > 0 {
		return nil, newValidationError(problems)
	}
	return Load(data)
}

// checkTaskDefinitionFiles reads and parses the task-definition file of each ECS environment
// whose taskDefinition names one, unless that key already has a problem (the path is not one to
// read). Each problem speaks only of its own environment's file.
func checkTaskDefinitionFiles(raw []rawEnvironment, known []Problem, read ReadFile, problem TaskDefinitionProblem) []Problem {
	var problems []Problem
	for _, r := range raw {
		if r.json.Kind != "" && Kind(r.json.Kind) != KindECS {
			continue
		}
		problems = append(problems, checkTaskDefinitionFile(r.name, "taskDefinition", r.json.TaskDefinition, known, read, problem)...)
		for i, s := range r.json.Services {
			key := fmt.Sprintf("services[%d].taskDefinition", i)
			problems = append(problems, checkTaskDefinitionFile(r.name, key, s.TaskDefinition, known, read, problem)...)
		}
	}
	return problems
}

// checkTaskDefinitionFile reads and parses the file an environment's key names, unless the key
// already has a problem (the path is not one to read).
func checkTaskDefinitionFile(env, key, source string, known []Problem, read ReadFile, problem TaskDefinitionProblem) []Problem {
	if source == "" || source == TaskDefinitionLive || hasProblem(known, env, key) {
		return nil
	}
	c := checker{env: env}
	data, err := read(source)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.add(key, fmt.Sprintf("%q is not in the repository", source),
			fmt.Sprintf(`commit the task definition at %q (aws ecs describe-task-definition --task-definition FAMILY --include TAGS prints one), or write "live" to clone the running one`, source))
	case err != nil:
		c.add(key, fmt.Sprintf("%q cannot be read: %v", source, err), "make the file readable")
	default:
		if err := problem(data); err != nil {
			c.add(key, fmt.Sprintf("%q is not a task definition the deploy can register: %s", source, err),
				fmt.Sprintf("make %q hold RegisterTaskDefinition's input, or what aws ecs describe-task-definition --include TAGS prints", source))
		}
	}
	return c.problems
}

func hasProblem(problems []Problem, env, key string) bool {
	for _, p := range problems {
		if p.Environment == env && p.Key == key {
			return true
		}
	}
	return false
}
