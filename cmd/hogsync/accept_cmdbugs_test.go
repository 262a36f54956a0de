package main

// Bugs the end-to-end acceptance tests found in the CLI itself.

import (
	"strings"
	"testing"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Issue 9, acceptance 1 (the key in a PostHog response, through export):
// a holdout whose name is the API key must not be written with the key in
// the file or in the file's name.
func TestAccept9_1ExportNeverWritesTheKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.key = accKey
	h.env["POSTHOG_PERSONAL_API_KEY"] = accKey
	h.emu.AddKey(accKey, posthogtest.Key{Scopes: []string{"*"}, CurrentProject: 1})
	seed(h, accKey, nil, map[string]any{"rollout_percentage": 3})
	seed(h, "fine", sp("the key: "+accKey), map[string]any{"rollout_percentage": 3})
	out := t.TempDir()
	r := h.run("export", "--host", h.srv.URL, "--project", "1", "--out-dir", out)
	o := accOutputs{}
	o.collect(t, r, nil, out)
	accCheck(t, o, accKey, false)
	// The lowercased key is in the file name: every 8 bytes of it.
	lower := strings.ToLower(strings.ReplaceAll(accKey, "_", "-"))
	for where, text := range o {
		if strings.Contains(text, lower[4:20]) {
			t.Errorf("%s holds the key lowercased: %q", where, text)
		}
	}
}

// The hint for a missing project:read scope must not say that older
// PostHog versions call it experiment:read.
func TestMissingProjectReadHintNamesNoExperimentScope(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const key = "phx_no_project_read_000000000000000000000000"
	h.emu.AddKey(key, posthogtest.Key{Scopes: []string{"experiment_holdout:write", "experiment:read"}, CurrentProject: 1})
	h.env["POSTHOG_PERSONAL_API_KEY"] = key
	h.write("m.yaml", "name: fresh\nfilters:\n  - rollout_percentage: 1\n")
	r := h.run("sync", h.dir, "--host", h.srv.URL, "--project", "@current", "--apply").must(t, exitFailure)
	if strings.Contains(r.stderr, "experiment:read / experiment:write") {
		t.Errorf("the hint names the experiment scopes for project:read:\n%s", r.stderr)
	}
}
