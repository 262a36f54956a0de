package posthogtest_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

const (
	keyRead      = "phx_read_000000000000000000000000000000000000000000000000"
	keyWrite     = "phx_write_00000000000000000000000000000000000000000000000"
	keyExpRead   = "phx_expread_000000000000000000000000000000000000000000000"
	keyExpWrite  = "phx_expwrite_00000000000000000000000000000000000000000000"
	keyLegacy    = "phx_legacy_0000000000000000000000000000000000000000000000"
	keyProject2  = "phx_project2_00000000000000000000000000000000000000000000"
	keyLegacyP2  = "phx_legacyp2_00000000000000000000000000000000000000000000"
	keyNoCurrent = "phx_nocurrent_0000000000000000000000000000000000000000000"
	keyUnknown   = "phx_unknown_000000000000000000000000000000000000000000000"
)

func authEnv(t *testing.T) *env {
	e := newEnv(t)
	e.emu.AddProject(2)
	e.emu.AddKey(keyRead, posthogtest.Key{Scopes: []string{"experiment_holdout:read"}, CurrentProject: 1})
	e.emu.AddKey(keyWrite, posthogtest.Key{Scopes: []string{"experiment_holdout:write"}, CurrentProject: 1})
	e.emu.AddKey(keyExpRead, posthogtest.Key{Scopes: []string{"experiment:read"}, CurrentProject: 1})
	e.emu.AddKey(keyExpWrite, posthogtest.Key{Scopes: []string{"experiment:write"}, CurrentProject: 1})
	e.emu.AddKey(keyLegacy, posthogtest.Key{CurrentProject: 1})
	e.emu.AddKey(keyProject2, posthogtest.Key{Scopes: []string{"*"}, Projects: []int64{2}, CurrentProject: 2})
	e.emu.AddKey(keyLegacyP2, posthogtest.Key{Projects: []int64{2}, CurrentProject: 2})
	e.emu.AddKey(keyNoCurrent, posthogtest.Key{Scopes: []string{"*"}})
	e.emu.Seed(1, posthogtest.Holdout{Name: "one", Filters: []map[string]any{{"rollout_percentage": 1}}})
	e.emu.Seed(2, posthogtest.Holdout{Name: "two", Filters: []map[string]any{{"rollout_percentage": 2}}})
	return e
}

func TestAuth(t *testing.T) {
	t.Parallel()
	const list1 = "/api/projects/1/experiment_holdouts/"
	const post = `{"name":"x","filters":[{"rollout_percentage":1}]}`
	denied := func(detail string) errorBody {
		return errorBody{"authentication_error", "permission_denied", detail, nil}
	}
	unauth := func(code, detail string) errorBody { return errorBody{"authentication_error", code, detail, nil} }
	noCreds := unauth("not_authenticated", "Authentication credentials were not provided.")
	tests := []struct {
		name   string
		c      call
		status int
		want   *errorBody // nil: success expected
	}{
		{"no credentials", call{method: "GET", path: list1, key: noKey}, 401, &noCreds},
		{"unknown bearer key", call{method: "GET", path: list1, key: keyUnknown}, 401,
			ptr(unauth("authentication_failed", "Personal API key found in request Authorization header is invalid."))},
		{"lowercase bearer is not a key", call{method: "GET", path: list1, key: noKey,
			header: map[string]string{"Authorization": "bearer " + posthogtest.DefaultKey}}, 401, &noCreds},
		{"one-character token is not a key", call{method: "GET", path: list1, key: noKey,
			header: map[string]string{"Authorization": "Bearer x"}}, 401, &noCreds},
		{"bearer without space is not a key", call{method: "GET", path: list1, key: noKey,
			header: map[string]string{"Authorization": "Bearer" + posthogtest.DefaultKey}}, 401, &noCreds},
		{"extra spaces around the key", call{method: "GET", path: list1, key: noKey,
			header: map[string]string{"Authorization": "Bearer   " + posthogtest.DefaultKey + "  "}}, 200, nil},
		{"key in query string", call{method: "GET", path: list1 + "?personal_api_key=" + posthogtest.DefaultKey, key: noKey}, 200, nil},
		{"unknown key in query string", call{method: "GET", path: list1 + "?personal_api_key=nope", key: noKey}, 401,
			ptr(unauth("authentication_failed", "Personal API key found in request query string is invalid."))},
		{"key in body", call{method: "POST", path: list1, key: noKey,
			body: `{"personal_api_key":"` + posthogtest.DefaultKey + `","name":"x","filters":[{"rollout_percentage":1}]}`}, 201, nil},
		{"unknown key in body", call{method: "POST", path: list1, key: noKey, body: `{"personal_api_key":"nope"}`}, 401,
			ptr(unauth("authentication_failed", "Personal API key found in request body is invalid."))},
		{"header wins over query string", call{method: "GET", path: list1 + "?personal_api_key=nope"}, 200, nil},
		{"read key reads", call{method: "GET", path: list1, key: keyRead}, 200, nil},
		{"read key reads one", call{method: "GET", path: list1 + "1", key: keyRead}, 200, nil},
		{"read key cannot write", call{method: "POST", path: list1, key: keyRead, body: post}, 403,
			ptr(denied("API key missing required scope 'experiment_holdout:write'"))},
		{"read key cannot delete", call{method: "DELETE", path: list1 + "1/", key: keyRead}, 403,
			ptr(denied("API key missing required scope 'experiment_holdout:write'"))},
		{"write satisfies read", call{method: "GET", path: list1, key: keyWrite}, 200, nil},
		{"write key writes", call{method: "POST", path: list1, key: keyWrite, body: post}, 201, nil},
		{"experiment scope is not enough by default", call{method: "GET", path: list1, key: keyExpRead}, 403,
			ptr(denied("API key missing required scope 'experiment_holdout:read'"))},
		{"legacy key may do anything", call{method: "POST", path: list1, key: keyLegacy, body: post}, 201, nil},
		{"unknown project", call{method: "GET", path: "/api/projects/999/experiment_holdouts/"}, 404,
			ptr(errorBody{"invalid_request", "not_found", "Project not found.", nil})},
		{"unknown project before missing scope", call{method: "POST", path: "/api/projects/999/experiment_holdouts/", key: keyRead, body: post}, 404,
			ptr(errorBody{"invalid_request", "not_found", "Project not found.", nil})},
		{"non-integer project", call{method: "GET", path: "/api/projects/abc/experiment_holdouts/"}, 404,
			ptr(errorBody{"invalid_request", "not_found", "Project not found.", nil})},
		{"key for other projects", call{method: "GET", path: list1, key: keyProject2}, 403,
			ptr(denied("API key does not have access to the requested project: ID 1."))},
		{"legacy key for other projects", call{method: "GET", path: list1, key: keyLegacyP2}, 403,
			ptr(denied("API key does not have access to the requested project: ID 1."))},
		{"key for its project", call{method: "GET", path: "/api/projects/2/experiment_holdouts/", key: keyProject2}, 200, nil},
		{"@current without a current project", call{method: "GET", path: "/api/projects/@current/experiment_holdouts/", key: keyNoCurrent}, 404,
			ptr(errorBody{"invalid_request", "not_found", "Project not found.", nil})},
		{"experiments need experiment:read", call{method: "GET", path: "/api/projects/1/experiments/", key: keyRead}, 403,
			ptr(denied("API key missing required scope 'experiment:read'"))},
		{"experiment:read lists experiments", call{method: "GET", path: "/api/projects/1/experiments/", key: keyExpRead}, 200, nil},
		{"experiment:write lists experiments", call{method: "GET", path: "/api/projects/1/experiments/", key: keyExpWrite}, 200, nil},
		{"experiments without credentials", call{method: "GET", path: "/api/projects/1/experiments/", key: noKey}, 401, &noCreds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := authEnv(t)
			r := e.do(tc.c)
			if tc.want == nil {
				r.must(t, tc.status)
				return
			}
			r.checkError(t, tc.status, *tc.want)
			if tc.status == http.StatusUnauthorized {
				want := `Bearer resource_metadata="` + e.srv.URL + `/.well-known/oauth-protected-resource"`
				if got := r.header.Get("WWW-Authenticate"); got != want {
					t.Errorf("WWW-Authenticate %q, want %q", got, want)
				}
			} else if got := r.header.Get("WWW-Authenticate"); got != "" {
				t.Errorf("WWW-Authenticate %q on a %d", got, r.status)
			}
			if got := r.header.Get("Allow"); got == "" {
				t.Error("no Allow header on an error from the view")
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestScopeObjectExperiment(t *testing.T) {
	t.Parallel()
	e := authEnv(t)
	e.emu.SetScopeObject("experiment")
	e.do(call{method: "GET", path: "/api/projects/1/experiment_holdouts/", key: keyExpRead}).must(t, http.StatusOK)
	e.do(call{method: "POST", path: "/api/projects/1/experiment_holdouts/", key: keyExpRead, body: `{}`}).
		checkError(t, 403, errorBody{"authentication_error", "permission_denied", "API key missing required scope 'experiment:write'", nil})
	e.do(call{method: "GET", path: "/api/projects/1/experiment_holdouts/", key: keyRead}).
		checkError(t, 403, errorBody{"authentication_error", "permission_denied", "API key missing required scope 'experiment:read'", nil})
}

func TestCurrentProject(t *testing.T) {
	t.Parallel()
	e := authEnv(t)
	names := func(key string) []any {
		r := e.do(call{method: "GET", path: "/api/projects/@current/experiment_holdouts/", key: key}).must(t, http.StatusOK)
		var out []any
		for _, h := range get(r.body, "results").([]any) {
			out = append(out, get(h, "name"))
		}
		return out
	}
	if d := cmp.Diff([]any{"one"}, names("")); d != "" {
		t.Errorf("DefaultKey @current (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]any{"two"}, names(keyProject2)); d != "" {
		t.Errorf("project-2 key @current (-want +got):\n%s", d)
	}
	// Creating through @current lands in the current project.
	e.do(call{method: "POST", path: "/api/projects/@current/experiment_holdouts", key: keyProject2,
		body: `{"name":"three","filters":[{"rollout_percentage":3}]}`}).must(t, http.StatusCreated)
	if got := len(e.emu.Holdouts(2)); got != 2 {
		t.Errorf("project 2 has %d holdouts, want 2", got)
	}
	// One holdout is not visible through another project.
	e.do(call{method: "GET", path: "/api/projects/2/experiment_holdouts/1/"}).
		checkError(t, 404, errorBody{"invalid_request", "not_found", "Not found.", nil})
}
