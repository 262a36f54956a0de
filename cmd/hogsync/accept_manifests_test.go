package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Acceptance tests for issue 8 about how manifests are found and read:
// none is dropped or misread on its way to a plan.

// accNames is the sorted names of the holdouts PostHog holds in project.
func accNames(h *harness, project int64) []string {
	var out []string
	for _, x := range h.emu.Holdouts(project) {
		out = append(out, x.Name)
	}
	slices.Sort(out)
	return out
}

// accNothingWritten fails when the emulator served a request that writes
// since the last ResetRequests. (sync reads PostHog while it parses the
// manifests, so a broken manifest may come after some reads.)
func accNothingWritten(t *testing.T, h *harness) {
	t.Helper()
	for _, r := range h.emu.Requests() {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			t.Errorf("%s %s was sent", r.Method, r.Path)
		}
	}
}

// accSymlink makes link point at target.
func accSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatalf("symlink: %v", err)
	}
}

// Issue 8, acceptance 1: a manifest reached through a symbolic link inside
// the directory and a manifest named *.YAML are loaded, so
// `sync --apply --prune` keeps their holdouts; a look-alike file that is
// not read is named in a warning by validate and sync.
func TestAccept8_1SymlinkAndUppercaseManifestsSurvivePrune(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	linked := seed(h, "linked", nil, map[string]any{"rollout_percentage": 5})
	upper := seed(h, "upper", nil, map[string]any{"rollout_percentage": 6})
	doomed := seed(h, "doomed", nil, map[string]any{"rollout_percentage": 7})

	// The link's target lives in a folder hogsync does not read as is
	// (hidden), so only the link can make it a manifest.
	h.write(".shared/linked.txt", "name: linked\nfilters:\n  - rollout_percentage: 5\n")
	accSymlink(t, filepath.Join(h.dir, ".shared", "linked.txt"), filepath.Join(h.dir, "linked.yaml"))
	h.write("UPPER.YAML", "name: upper\nfilters:\n  - rollout_percentage: 6\n")
	h.write(".hidden.yaml", "name: hidden\nfilters:\n  - rollout_percentage: 1\n")
	h.write("x.yaml.bak", "name: backup\nfilters:\n  - rollout_percentage: 1\n")

	for _, r := range []result{h.run("validate", h.dir).must(t, exitOK), h.sync().must(t, exitOK)} {
		for _, skipped := range []string{".hidden.yaml", "x.yaml.bak"} {
			if !slices.ContainsFunc(strings.Split(r.stderr, "\n"), func(l string) bool {
				return strings.HasPrefix(l, filepath.Join(h.dir, skipped)+":1:1: warning: not read as a manifest") && strings.HasSuffix(l, "[skipped-file]")
			}) {
				t.Errorf("no warning names the skipped %s:\n%s", skipped, r.stderr)
			}
		}
	}

	h.sync("--apply", "--prune").must(t, exitOK).contains(t, "Apply complete: 0 created, 0 updated, 1 deleted.")
	if got, want := accNames(h, 1), []string{"linked", "upper"}; !slices.Equal(got, want) {
		t.Errorf("PostHog holds %v, want %v", got, want)
	}
	for _, id := range []int64{linked.ID, upper.ID} {
		if _, ok := h.emu.Holdout(1, id); !ok {
			t.Errorf("holdout %d was deleted", id)
		}
	}
	if _, ok := h.emu.Holdout(1, doomed.ID); ok {
		t.Error("the unmanaged holdout was not pruned")
	}
	h.sync("--prune", "--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}

// Issue 8, acceptance 1: a link to a manifest outside the directory is an
// error naming the link, and nothing is written (least of all a prune of the
// holdout it names).
func TestAccept8_1SymlinkOutsideIsAnError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	kept := seed(h, "outside", nil, map[string]any{"rollout_percentage": 5})
	elsewhere := filepath.Join(t.TempDir(), "outside.yaml")
	if err := os.WriteFile(elsewhere, []byte("name: outside\nfilters:\n  - rollout_percentage: 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	accSymlink(t, elsewhere, filepath.Join(h.dir, "outside.yaml"))
	h.write("in.yaml", "name: in\nfilters:\n  - rollout_percentage: 1\n")

	h.run("validate", h.dir).must(t, exitFailure).contains(t, "outside.yaml", "symlink-outside")
	h.emu.ResetRequests()
	h.sync("--apply", "--prune").must(t, exitFailure).contains(t, "outside.yaml", "symlink-outside", "nothing was changed in PostHog")
	accNothingWritten(t, h)
	if got := h.state(); len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprint(kept.ID)+" outside ") {
		t.Errorf("PostHog changed: %v", got)
	}
}

// Issue 8, acceptance 2: YAML 1.1 number forms (a leading zero) are
// refused by validate and sync at file:line:col, exit 1, nothing written. A
// property value may be a string, so its message says to quote it; a
// rollout_percentage must be a number (quoted, it is refused as a
// string), so its message says to write plain decimal digits instead.
func TestAccept8_2LeadingZeroNumbersAreRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, manifest, where, advice string
	}{
		{"rollout_percentage", "name: a\nfilters:\n  - rollout_percentage: 010\n", "a.yaml:3:25:", "write it in plain decimal digits"},
		{"property value", "name: a\nfilters:\n  - rollout_percentage: 10\n    properties:\n      - key: zip\n        type: person\n        operator: exact\n        value: [02134]\n",
			"a.yaml:8:17:", `quote it ("02134")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.write("a.yaml", tc.manifest)
			for _, r := range []result{h.run("validate", h.dir), h.sync("--apply")} {
				r.must(t, exitFailure).contains(t, tc.where, "[yaml11-number]", tc.advice, "nothing was changed in PostHog")
			}
			accNothingWritten(t, h)
			if got := h.state(); len(got) != 0 {
				t.Errorf("PostHog changed: %v", got)
			}
		})
	}
}

// Issue 8, acceptance 2: two manifests carrying the same source id are an
// error naming both files.
func TestAccept8_2DuplicateSourceIDsAreRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("one.yaml", "# hogsync-source-id: 42\nname: one\nfilters:\n  - rollout_percentage: 1\n")
	h.write("sub/two.yaml", "# hogsync-source-id: 42\nname: two\nfilters:\n  - rollout_percentage: 2\n")
	for _, r := range []result{h.run("validate", h.dir), h.sync("--apply")} {
		r.must(t, exitFailure).contains(t, "one.yaml", filepath.Join("sub", "two.yaml"), "duplicate-source-id")
	}
	accNothingWritten(t, h)
	if got := h.state(); len(got) != 0 {
		t.Errorf("PostHog changed: %v", got)
	}
}

// Issue 8, acceptance 10: a holdout as PostHog's UI stores it — null-valued
// keys inside property filters, filters in jsonb key order, no description
// — and a manifest written by hand for it plan no change.
func TestAccept8_10UIMadeHoldoutPlansNoChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// As the UI sends it: every property filter carries operator and
	// group_type_index, null when unset; the group has no
	// aggregation_group_type_index value.
	var groups []map[string]any
	const stored = `[{"properties": [{"key": "email", "type": "person", "value": "is_set", "operator": "is_set", "group_type_index": null},
	                   {"key": "plan", "type": "person", "value": ["pro"], "operator": null, "group_type_index": null}],
	   "rollout_percentage": 10, "aggregation_group_type_index": null}]`
	if err := json.Unmarshal([]byte(stored), &groups); err != nil {
		t.Fatal(err)
	}
	x := h.emu.Seed(posthogtest.DefaultProject, posthogtest.Holdout{Name: "ui-made", Filters: groups})
	if x.Description != nil {
		t.Fatalf("seeded with a description: %q", *x.Description)
	}
	h.write("ui.yaml", `name: ui-made
filters:
  - rollout_percentage: 10
    properties:
      - key: email
        type: person
        operator: is_set
        value: is_set
      - key: plan
        type: person
        value: [pro]
`)
	h.emu.ResetRequests()
	h.sync("--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
	h.sync("--apply", "--detailed-exitcode").must(t, exitOK)
	for _, r := range h.emu.Requests() {
		if r.Method != "GET" {
			t.Errorf("%s %s sent for a holdout that matches", r.Method, r.Path)
		}
	}
	after, _ := h.emu.Holdout(1, x.ID)
	if !after.UpdatedAt.Equal(x.UpdatedAt) {
		t.Error("the holdout was rewritten")
	}
}
