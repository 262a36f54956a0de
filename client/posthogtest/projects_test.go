package posthogtest_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

func TestCurrentProjectPerRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.Seed(1, posthogtest.Holdout{Name: "in-1", Filters: []map[string]any{{"rollout_percentage": 1}}})
	e.emu.Seed(2, posthogtest.Holdout{Name: "in-2", Filters: []map[string]any{{"rollout_percentage": 1}}})
	names := func() []string {
		t.Helper()
		r := e.do(call{method: "GET", path: "/api/projects/@current/experiment_holdouts/"}).must(t, http.StatusOK)
		var out []string
		for _, h := range get(r.body, "results").([]any) {
			out = append(out, get(h, "name").(string))
		}
		return out
	}
	if got := names(); !cmp.Equal(got, []string{"in-1"}) {
		t.Fatalf("@current lists %v, want project 1's", got)
	}
	e.emu.SetCurrentProject(posthogtest.DefaultKey, 2)
	if got := names(); !cmp.Equal(got, []string{"in-2"}) {
		t.Errorf("after SetCurrentProject(2), @current lists %v", got)
	}

	// Switched by a hook after the Nth request: the next request already
	// goes elsewhere, although the run never asked for it.
	e.emu.SetCurrentProject(posthogtest.DefaultKey, 1)
	var seen atomic.Int64
	e.emu.SetOnRequest(func(n int, r *http.Request) {
		seen.Store(int64(n))
		if strings.HasSuffix(r.URL.Path, "/9/") { // the marker request
			e.emu.SetCurrentProject(posthogtest.DefaultKey, 2)
		}
	})
	first := names()
	e.do(call{method: "GET", path: "/api/projects/@current/experiment_holdouts/9/"}).must(t, http.StatusNotFound)
	second := names()
	if !cmp.Equal(first, []string{"in-1"}) || !cmp.Equal(second, []string{"in-2"}) {
		t.Errorf("around the switch @current listed %v then %v", first, second)
	}
	if n := int(seen.Load()); n != e.emu.Stats().Requests {
		t.Errorf("the hook saw request %d, the emulator counted %d", n, e.emu.Stats().Requests)
	}
	e.emu.SetOnRequest(nil)

	e.emu.SetCurrentProject(posthogtest.DefaultKey, 99)
	e.do(call{method: "GET", path: "/api/projects/@current/experiment_holdouts/"}).
		checkError(t, http.StatusNotFound, errorBody{"invalid_request", "not_found", "Project not found.", nil})

	defer func() {
		if r := recover(); r == nil || strings.Contains(r.(string), "phx_unknown") {
			t.Errorf("SetCurrentProject of an unknown key: panic %v, want one that does not name the key", r)
		}
	}()
	e.emu.SetCurrentProject("phx_unknown_key_000000000000", 1)
}

func TestProjectRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.AddProject(2)
	e.emu.SetProjectName(3, "Checkout")
	const (
		holdoutsOnly = "phx_holdouts_only_00000000000000000000000000000000000"
		projectWrite = "phx_project_write_00000000000000000000000000000000000"
		onlyTwo      = "phx_only_project_two_000000000000000000000000000000000"
		legacy       = "phx_legacy_unscoped_0000000000000000000000000000000000"
	)
	e.emu.AddKey(holdoutsOnly, posthogtest.Key{Scopes: []string{"experiment_holdout:write"}, CurrentProject: 1})
	e.emu.AddKey(projectWrite, posthogtest.Key{Scopes: []string{"project:write"}, CurrentProject: 3})
	e.emu.AddKey(onlyTwo, posthogtest.Key{Scopes: []string{"project:read"}, Projects: []int64{2}, CurrentProject: 2})
	e.emu.AddKey(legacy, posthogtest.Key{CurrentProject: 2})
	type project struct{ ID, Organization, Name any }
	missingScope := errorBody{"authentication_error", "permission_denied", "API key missing required scope 'project:read'", nil}
	notFound := errorBody{"invalid_request", "not_found", "Not found.", nil}
	tests := []struct {
		name, method, path, key string
		status                  int
		want                    any // project or errorBody
	}{
		{"@current", "GET", "/api/projects/@current/", "", 200, project{num("1"), "0191a3c2-5e7b-7000-8000-0000000000a1", "Project 1"}},
		{"by id, no slash", "GET", "/api/projects/3", projectWrite, 200, project{num("3"), "0191a3c2-5e7b-7000-8000-0000000000a1", "Checkout"}},
		{"write satisfies read", "GET", "/api/projects/@current", projectWrite, 200, project{num("3"), "0191a3c2-5e7b-7000-8000-0000000000a1", "Checkout"}},
		{"unscoped legacy key", "GET", "/api/projects/@current/", legacy, 200, project{num("2"), "0191a3c2-5e7b-7000-8000-0000000000a1", "Project 2"}},
		{"holdout scopes only", "GET", "/api/projects/@current/", holdoutsOnly, 403, missingScope},
		{"scope before existence", "GET", "/api/projects/99/", holdoutsOnly, 403, missingScope},
		{"unknown project", "GET", "/api/projects/99/", "", 404, notFound},
		{"not a number", "GET", "/api/projects/abc/", "", 400, validation("invalid_input", "Field 'id' expected a number but got 'abc'.", nil)},
		{"key limited to project 2", "GET", "/api/projects/1/", onlyTwo, 403,
			errorBody{"authentication_error", "permission_denied", "API key does not have access to the requested project: ID 1.", nil}},
		{"limited key: existence first", "GET", "/api/projects/99/", onlyTwo, 404, notFound},
		{"limited key, its project", "GET", "/api/projects/2/", onlyTwo, 200, project{num("2"), "0191a3c2-5e7b-7000-8000-0000000000a1", "Project 2"}},
		{"writes are not emulated", "PATCH", "/api/projects/1/", "", 405,
			errorBody{"invalid_request", "method_not_allowed", `Method "PATCH" not allowed.`, nil}},
		{"POST has no action", "POST", "/api/projects/1/", "", 403,
			errorBody{"authentication_error", "permission_denied", "This action does not support personal API key access", nil}},
	}
	for _, tc := range tests {
		r := e.do(call{method: tc.method, path: tc.path, key: tc.key})
		if r.status != tc.status {
			t.Errorf("%s: status %d, want %d; body %s", tc.name, r.status, tc.status, r.raw)
			continue
		}
		switch want := tc.want.(type) {
		case project:
			got := project{get(r.body, "id"), get(r.body, "organization"), get(r.body, "name")}
			if d := cmp.Diff(want, got); d != "" || !cmp.Equal(keys(r.body), []string{"id", "organization", "name"}) {
				t.Errorf("%s: project %s (-want +got):\n%s", tc.name, r.raw, d)
			}
		case errorBody:
			r.checkError(t, tc.status, want)
		}
	}
	if n := e.emu.Stats().ProjectReads; n != 11 {
		t.Errorf("Stats.ProjectReads %d, want 11", n)
	}
}
