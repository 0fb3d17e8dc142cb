package iam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The operations are found in the code, not listed by hand: the module's packages are
// type-checked from source (their dependencies from the compiler's export data, which
// `go list -export` provides), and every reference to a function of an AWS SDK service
// package, or to a method of an interface, that takes a *<service>.<Op>Input is a call of
// operation Op, when the service's Client has the method Op. That covers a method of
// *ecs.Client, a paginator or waiter constructor (ecs.NewListTasksPaginator takes a
// *ecs.ListTasksInput) and a narrow interface the code declares for a client
// (registry.ImageAPI's DescribeImages), whoever implements it.

const (
	modulePath = "dagger/pipeline"
	sdkService = "github.com/aws/aws-sdk-go-v2/service/"
)

// operation is one AWS operation the code can call, and where.
type operation struct {
	service string // the SDK package name: ecs, elasticloadbalancingv2, …
	name    string // DescribeServices
	at      []string
}

// testSupport are the module's packages that only tests (and the fake's own command) import: what they call sets up an
// emulator (moto's buckets and distributions), which the deploy role never does.
var testSupport = map[string]bool{modulePath + "/internal/moto": true, modulePath + "/internal/fakeaws": true}

// listedPackage is what `go list -json` says of a package.
type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Export     string
	Standard   bool
	DepOnly    bool
	ImportMap  map[string]string
	Module     *struct{ Path string }
	Error      *struct{ Err string }
}

// checker type-checks Go sources whose imports are the module's packages or their dependencies.
type checker struct {
	fset    *token.FileSet
	exports map[string]string // import path → export data file
	module  []listedPackage   // the module's own packages
}

var shared struct {
	once sync.Once
	c    *checker
	err  error
}

// newChecker lists the module's packages and the export data of everything they import, once
// for all the tests (go list takes seconds).
func newChecker(t *testing.T) *checker {
	t.Helper()
	shared.once.Do(func() { shared.c, shared.err = listModule() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.c
}

func listModule() (*checker, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-e", "-export", "-deps",
		"-json=ImportPath,Dir,GoFiles,Export,Standard,DepOnly,ImportMap,Module,Error", "./...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.Bytes())
	}
	c := &checker{fset: token.NewFileSet(), exports: map[string]string{}}
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		if p.Error != nil {
			return nil, fmt.Errorf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		c.exports[p.ImportPath] = p.Export
		if p.Module != nil && p.Module.Path == modulePath && !p.DepOnly && !testSupport[p.ImportPath] {
			c.module = append(c.module, p)
		}
	}
	if len(c.module) == 0 {
		return nil, errors.New("go list found no package of the module")
	}
	return c, nil
}

// check type-checks one package from its parsed files.
func (c *checker) check(path string, files []*ast.File, importMap map[string]string) (*types.Info, error) {
	imp := importer.ForCompiler(c.fset, "gc", func(path string) (io.ReadCloser, error) {
		if export := c.exports[path]; export != "" {
			return os.Open(export)
		}
		return nil, fmt.Errorf("no export data for %s", path)
	})
	conf := types.Config{Importer: mappedImporter{imp, importMap}}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	if _, err := conf.Check(path, c.fset, files, info); err != nil {
		return nil, fmt.Errorf("type-checking %s: %v", path, err)
	}
	return info, nil
}

// modulePackages type-checks every package of the module from source, tests excluded: they set
// up moto and fakes with calls the deploy role never makes.
func (c *checker) modulePackages(t *testing.T, visit func(info *types.Info)) {
	t.Helper()
	for _, p := range c.module {
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(c.fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		info, err := c.check(p.ImportPath, files, p.ImportMap)
		if err != nil {
			t.Fatal(err)
		}
		visit(info)
	}
}

// mappedImporter resolves an import path as the package being checked sees it (ImportMap: the
// standard library's vendored packages).
type mappedImporter struct {
	types.Importer
	importMap map[string]string
}

func (m mappedImporter) Import(path string) (*types.Package, error) {
	if mapped, ok := m.importMap[path]; ok {
		path = mapped
	}
	return m.Importer.Import(path)
}

// registryPush is the pseudo-operation of pushing an image through the registry API
// ((*dagger.Container).Publish), which needs IAM actions of its own in ECR.
const registryPush = "registry:Push"

// calledOperations are the AWS operations the module's code can call, by "service:Op", and
// registryPush when it pushes images.
func calledOperations(t *testing.T, c *checker) map[string]*operation {
	t.Helper()
	ops := map[string]*operation{}
	c.modulePackages(t, func(info *types.Info) { collectOperations(c.fset, info, ops) })
	return ops
}

// collectOperations adds the operations info refers to.
func collectOperations(fset *token.FileSet, info *types.Info, ops map[string]*operation) {
	root, _ := filepath.Abs("..")
	for id, obj := range info.Uses {
		fn, ok := obj.(*types.Func)
		if !ok {
			continue
		}
		service, name, ok := sdkOperation(fn)
		if !ok && isContainerPublish(fn) {
			service, name, ok = strings.Cut(registryPush, ":")
		}
		if !ok {
			continue
		}
		key := service + ":" + name
		if ops[key] == nil {
			ops[key] = &operation{service: service, name: name}
		}
		pos := fset.Position(id.Pos())
		rel, err := filepath.Rel(root, pos.Filename)
		if err != nil {
			rel = pos.Filename
		}
		ops[key].at = append(ops[key].at, fmt.Sprintf("ci/%s:%d", filepath.ToSlash(rel), pos.Line))
	}
	for _, op := range ops {
		sort.Strings(op.at)
	}
}

// isContainerPublish: fn is (*dagger.Container).Publish of the generated bindings.
func isContainerPublish(fn *types.Func) bool {
	recv := fn.Type().(*types.Signature).Recv()
	if fn.Name() != "Publish" || recv == nil || fn.Pkg() == nil || fn.Pkg().Path() != modulePath+"/internal/dagger" {
		return false
	}
	ptr, ok := recv.Type().(*types.Pointer)
	if !ok {
		return false
	}
	named, ok := ptr.Elem().(*types.Named)
	return ok && named.Obj().Name() == "Container"
}

// sdkOperation reports the operation a function stands for: fn is declared by an AWS SDK service
// package or is an interface method, and takes a *<service>.<Op>Input whose service's Client
// has the method Op.
func sdkOperation(fn *types.Func) (service, op string, ok bool) {
	sig := fn.Type().(*types.Signature)
	inSDK := fn.Pkg() != nil && isServicePackage(fn.Pkg().Path())
	abstract := sig.Recv() != nil && types.IsInterface(sig.Recv().Type())
	if !inSDK && !abstract {
		return "", "", false
	}
	for i := range sig.Params().Len() {
		ptr, isPtr := sig.Params().At(i).Type().(*types.Pointer)
		if !isPtr {
			continue
		}
		named, isNamed := ptr.Elem().(*types.Named)
		if !isNamed || named.Obj().Pkg() == nil || !isServicePackage(named.Obj().Pkg().Path()) {
			continue
		}
		name, isInput := strings.CutSuffix(named.Obj().Name(), "Input")
		if !isInput || !clientHasMethod(named.Obj().Pkg(), name) {
			continue
		}
		return named.Obj().Pkg().Name(), name, true
	}
	return "", "", false
}

// isServicePackage: github.com/aws/aws-sdk-go-v2/service/<name>, not its types or internal
// packages.
func isServicePackage(path string) bool {
	rest, ok := strings.CutPrefix(path, sdkService)
	return ok && rest != "" && !strings.Contains(rest, "/")
}

func clientHasMethod(pkg *types.Package, name string) bool {
	client, ok := pkg.Scope().Lookup("Client").(*types.TypeName)
	if !ok {
		return false
	}
	obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(client.Type()), false, pkg, name)
	_, isFunc := obj.(*types.Func)
	return isFunc
}
