package main

import (
	"net/http"
	"slices"
	"strings"

	"github.com/acme/service/app/internal/respond"
)

// router dispatches on exact path and method, answering unknown paths with a JSON 404 and known paths
// with a JSON 405 (and an Allow header), which http.ServeMux would answer in plain text.
// Routes are registered before the server starts; the table is read-only afterwards.
type router struct {
	routes map[string]map[string]http.Handler // path -> method -> handler
}

func newRouter() *router {
	return &router{routes: make(map[string]map[string]http.Handler)}
}

// handle registers h for method on the exact path.
func (rt *router) handle(method, path string, h http.Handler) {
	if rt.routes[path] == nil {
		rt.routes[path] = make(map[string]http.Handler)
	}
	rt.routes[path][method] = h
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	byMethod, ok := rt.routes[r.URL.Path]
	if !ok {
		respond.JSON(w, http.StatusNotFound, respond.Error{Error: "not found"})
		return
	}
	h, ok := byMethod[r.Method]
	if !ok && r.Method == http.MethodHead {
		// HEAD is GET without a body; net/http discards the body for HEAD requests.
		h, ok = byMethod[http.MethodGet]
	}
	if !ok {
		allowed := allowedMethods(byMethod)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		respond.JSON(w, http.StatusMethodNotAllowed, respond.Error{Error: "method not allowed", Allowed: allowed})
		return
	}
	h.ServeHTTP(w, r)
}

// allowedMethods lists the methods a path accepts, sorted so the Allow header is stable.
func allowedMethods(byMethod map[string]http.Handler) []string {
	allowed := make([]string, 0, len(byMethod)+1)
	for method := range byMethod {
		allowed = append(allowed, method)
	}
	if _, ok := byMethod[http.MethodGet]; ok {
		if _, ok := byMethod[http.MethodHead]; !ok {
			allowed = append(allowed, http.MethodHead)
		}
	}
	slices.Sort(allowed)
	return allowed
}
