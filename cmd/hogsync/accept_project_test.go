package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Issue 8, acceptance 5: PostHog resolves --project @current on every
// request to the project the key's owner last opened. The key's owner
// switches from project 1 to project 2 right after hogsync's first
// request; `sync --apply --prune` must still create in, and prune, only
// the project it resolved first, and its plan names that project by
// number.
func TestAccept8_5CurrentProjectSwitchingMidRunStaysInOneProject(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.emu.AddProject(2)
			h.emu.Seed(1, posthogtest.Holdout{Name: "doomed-1", Filters: []map[string]any{{"rollout_percentage": 1}}})
			h.emu.Seed(1, posthogtest.Holdout{Name: "kept", Filters: []map[string]any{{"rollout_percentage": 9}}})
			h.emu.Seed(2, posthogtest.Holdout{Name: "other-2", Filters: []map[string]any{{"rollout_percentage": 2}}})
			h.emu.Seed(2, posthogtest.Holdout{Name: "kept", Filters: []map[string]any{{"rollout_percentage": 3}}})
			before2 := h.emu.Holdouts(2)
			h.write("m.yaml", "name: kept\nfilters:\n  - rollout_percentage: 5\n---\nname: fresh\nfilters:\n  - rollout_percentage: 1\n")
			// f runs at the start of each request: the second request
			// and every later one see project 2 as @current.
			var switched atomic.Bool
			h.emu.SetOnRequest(func(n int, r *http.Request) {
				if n == 2 {
					h.emu.SetCurrentProject(posthogtest.DefaultKey, 2)
					switched.Store(true)
				}
			})

			r := h.run("sync", h.dir, "--host", h.srv.URL, "--project", "@current", "--apply", "--prune", "-o", format).must(t, exitOK)
			if !switched.Load() {
				t.Fatal("the run made one request: the switch never happened")
			}
			switch format {
			case "text":
				if first := strings.SplitN(r.stdout, "\n", 2)[0]; !strings.HasPrefix(first, "Plan for PostHog project 1 ") {
					t.Errorf("the plan does not name project 1: %q", first)
				}
				r.contains(t, "Apply complete: 1 created, 1 updated, 1 deleted.")
			case "json":
				var doc struct {
					Project string `json:"project"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
				}
				if doc.Project != "1" {
					t.Errorf("the JSON plan names project %q, want \"1\"", doc.Project)
				}
			}
			if got, want := accNames(h, 1), []string{"fresh", "kept"}; !slices.Equal(got, want) {
				t.Errorf("project 1 holds %v, want %v", got, want)
			}
			if d := cmp.Diff(before2, h.emu.Holdouts(2)); d != "" {
				t.Errorf("project 2 changed (-before +after):\n%s", d)
			}
			for _, req := range h.emu.Requests() {
				if strings.HasPrefix(req.Path, "/api/projects/") && !strings.HasPrefix(req.Path, "/api/projects/1/") &&
					!(req.Method == http.MethodGet && strings.TrimSuffix(req.Path, "/") == "/api/projects/@current") {
					t.Errorf("%s %s: a request that does not name project 1", req.Method, req.Path)
				}
			}
		})
	}
}

// Issue 8, acceptance 5: a key without project:read cannot resolve
// @current to a number, so an apply with --project @current is refused,
// naming the missing scope, and nothing is written.
func TestAccept8_5CurrentProjectWithoutProjectReadRefusesApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const key = "phx_no_project_read_000000000000000000000000"
	h.emu.AddKey(key, posthogtest.Key{Scopes: []string{"experiment_holdout:write", "experiment:read"}, CurrentProject: 1})
	h.env["POSTHOG_PERSONAL_API_KEY"] = key
	h.write("m.yaml", "name: fresh\nfilters:\n  - rollout_percentage: 1\n")

	h.run("sync", h.dir, "--host", h.srv.URL, "--project", "@current", "--apply").must(t, exitFailure).
		contains(t, "project:read", "@current")
	for _, req := range h.emu.Requests() {
		if req.Method != http.MethodGet {
			t.Errorf("%s %s sent", req.Method, req.Path)
		}
	}
	if got := h.emu.Holdouts(1); len(got) != 0 {
		t.Errorf("PostHog holds %v", got)
	}
}
