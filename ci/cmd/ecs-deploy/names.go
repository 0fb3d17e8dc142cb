package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"

	"dagger/pipeline/report"
)

// names are the CLI's words for the engine's fields and actions: its flags, and itself as the
// person invoked it, with the values of this invocation.
type names struct {
	prog                               string // see invocation
	cluster, service, container, image string
	taskDefinitionFile                 string
	toImage                            string // rollback's --to-image
	notifyTopic, runURL                string // deploy's --notify-topic and --run-url
	migrateCommand                     string // deploy's --migrate-command, as given
}

// Command is the command line that takes the step, as the person runs this command.
func (n names) Command(s report.Step) string {
	target := fmt.Sprintf("--cluster %s --service %s", shellWord(n.cluster), shellWord(n.service))
	switch s.Action {
	case report.Rollback:
		to := s.Revision
		switch {
		case to == "" && strings.Contains(n.service, ","):
			return fmt.Sprintf("%s rollback %s", n.prog, target) // each service to its previous revision
		case to == "":
			to = "REVISION"
		}
		return fmt.Sprintf("%s rollback %s --to %s", n.prog, target, shellWord(to))
	case report.Status:
		return fmt.Sprintf("%s status %s", n.prog, target)
	case report.Deploy:
		image := s.Image
		switch {
		case image == "":
			image = n.image
		case strings.HasPrefix(image, "sha256:") && strings.HasSuffix(n.toImage, "@"+image):
			image = n.toImage
		case strings.HasPrefix(image, "sha256:"):
			image = "REPO@" + image
		}
		container := n.container
		if container == "" {
			container = "CONTAINER"
		}
		command := fmt.Sprintf("%s deploy %s --container %s --image %s", n.prog, target, shellWord(container), shellWord(image))
		if n.taskDefinitionFile != "" {
			command += " --task-definition-file " + shellWord(n.taskDefinitionFile)
		}
		if n.migrateCommand != "" {
			command += " --migrate-command " + shellWord(n.migrateCommand)
		}
		if s.Force {
			command += " --force"
		}
		return command
	}
	return ""
}

var flags = map[report.Field]string{
	report.FieldCluster: "--cluster", report.FieldService: "--service", report.FieldContainer: "--container",
	report.FieldImage: "--image", report.FieldTaskDefinition: "--task-definition-file",
	report.FieldRevision: "--to", report.FieldImageDigest: "--to-image", report.FieldMigration: "--migrate-command",
	report.FieldRegion: "the region: AWS_REGION or the profile's",
}

// Inputs names the flags (or the environment) that set fields.
func (n names) Inputs(fields ...report.Field) string {
	var out []string
	for _, f := range fields {
		name, ok := flags[f]
		if !ok {
			name = string(f)
		}
		if f == report.FieldTaskDefinition && n.taskDefinitionFile != "" {
			name += " " + n.taskDefinitionFile
		}
		out = append(out, name)
	}
	return strings.Join(out, ", ")
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9_./:@=+,-]+$`)

// shellWord quotes s for a POSIX shell when it needs it, so a printed command can be pasted.
func shellWord(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// invocation is how the person runs this command again from where they are: the name it was
// run by, or, when `go run` built it (into a directory of its own, not on the PATH), the same
// `go run` from the working directory.
func invocation() string {
	exe, _ := os.Executable()
	wd, _ := os.Getwd()
	var pkg, module string
	if info, ok := debug.ReadBuildInfo(); ok {
		pkg, module = info.Path, info.Main.Path
	}
	return invocationOf(os.Args[0], exe, wd, pkg, module)
}

// invocationOf is invocation with its inputs given: arg0 and the executable's path, the working
// directory, and the main package's and module's import paths.
func invocationOf(arg0, executable, wd, pkg, module string) string {
	if !builtByGoRun(executable) {
		return filepath.Base(arg0)
	}
	fallback := "go run ./cmd/ecs-deploy"
	rel, ok := strings.CutPrefix(pkg, module+"/")
	if module == "" || !ok {
		return fallback
	}
	root, ok := moduleRoot(wd, module)
	if !ok {
		return fallback
	}
	path, err := filepath.Rel(wd, filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return fallback
	}
	if path == "." || strings.HasPrefix(path, "..") {
		return "go run " + shellWord(filepath.ToSlash(path))
	}
	return "go run ./" + shellWord(filepath.ToSlash(path))
}

// goRunCached matches the directory where go run keeps the binaries it caches, in the build
// cache: GOCACHE/xx/<64 hex>-d/NAME.
var goRunCached = regexp.MustCompile(`^[0-9a-f]{2}/[0-9a-f]{64}-d$`)

// builtByGoRun tells a binary that go run linked: in an exe directory inside a go-build work
// directory (under GOTMPDIR or the temporary directory), or, from Go 1.24, in the build cache.
func builtByGoRun(executable string) bool {
	dir := filepath.Dir(executable)
	if goRunCached.MatchString(filepath.ToSlash(filepath.Join(filepath.Base(filepath.Dir(dir)), filepath.Base(dir)))) {
		return true
	}
	if filepath.Base(dir) != "exe" {
		return false
	}
	for d := filepath.Dir(dir); d != filepath.Dir(d); d = filepath.Dir(d) {
		if strings.HasPrefix(filepath.Base(d), "go-build") {
			return true
		}
	}
	return false
}

// moduleRoot is the directory at or above wd whose go.mod declares module.
func moduleRoot(wd, module string) (string, bool) {
	for d := wd; ; d = filepath.Dir(d) {
		if declares(filepath.Join(d, "go.mod"), module) {
			return d, true
		}
		if d == filepath.Dir(d) {
			return "", false
		}
	}
}

func declares(goMod, module string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if name, ok := strings.CutPrefix(strings.TrimSpace(lines.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(name), `"`) == module
		}
	}
	return false
}
