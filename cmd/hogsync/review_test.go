package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Acceptance (issue 12, item 1): hogsync.yaml ties a directory to its
// project and protects names from --prune.
func TestConfigFileTiesTheDirectoryToItsProject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.emu.AddProject(2)
	h.write("hogsync.yaml", "project: 1\nprotect: [manual-*]\n")
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
	manual := seed(h, "manual-x", nil, map[string]any{"rollout_percentage": 2})
	seed(h, "stray", nil, map[string]any{"rollout_percentage": 3})
	h.emu.Seed(2, posthogtest.Holdout{Name: "in-two", Filters: []map[string]any{{"rollout_percentage": 4}}})

	// No --project: the file names it, and the plan says so.
	dry := h.run("sync", h.dir, "--host", h.srv.URL, "--prune").must(t, exitOK)
	dry.contains(t, "Plan for PostHog project 1 (from "+filepath.Join(h.dir, "hogsync.yaml")+":1:1)", `"manual-x"`, "protected")

	// Another project on the command line or in the environment: refused.
	r := h.run("sync", h.dir, "--host", h.srv.URL, "--project", "2", "--prune", "--apply").must(t, exitUsage)
	r.contains(t, "hogsync.yaml", "names project 1", "--project says 2", "--override-config")
	h.env["POSTHOG_PROJECT_ID"] = "2"
	h.run("sync", h.dir, "--host", h.srv.URL, "--prune", "--apply").must(t, exitUsage).contains(t, "POSTHOG_PROJECT_ID says 2")
	if got := h.emu.Holdouts(2); len(got) != 1 || got[0].Name != "in-two" {
		t.Fatalf("project 2 was changed: %+v", got)
	}
	delete(h.env, "POSTHOG_PROJECT_ID")

	// --prune keeps what protect names and deletes the other stray.
	h.run("sync", h.dir, "--host", h.srv.URL, "--prune", "--apply").must(t, exitOK)
	want := map[int64]string{manual.ID: "manual-x"}
	for id, name := range h.names() {
		if name == "a" {
			want[id] = "a"
		}
	}
	if d := cmp.Diff(want, h.names()); d != "" {
		t.Errorf("after --prune --apply (-want +got):\n%s", d)
	}

	// A host plan would refuse is refused by the manifest rules first
	// (netaddr.CheckSite, one rule for validate and plan), where the file
	// sets it.
	h.write("hogsync.yaml", "host: http://example.com\nproject: 1\n")
	h.run("sync", h.dir).must(t, exitFailure).contains(t, "hogsync.yaml:1:7", "plain http://", "[invalid-host]")
	h.run("validate", h.dir).must(t, exitFailure).contains(t, "hogsync.yaml:1:7", "[invalid-host]")

	// Unknown keys are errors with a suggestion.
	h.write("hogsync.yaml", "projct: 1\n")
	h.run("validate", h.dir).must(t, exitFailure).contains(t, "hogsync.yaml:1:1:", `did you mean "project"?`)
}

// Acceptance (issue 12, item 2): --target 'a*' plans and applies only the
// holdouts it matches, says the plan is partial, and prunes nothing else.
func TestTargetGlobPlansOnlyWhatItMatches(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("m.yaml", "name: a1\nfilters:\n  - rollout_percentage: 1\n---\nname: a2\nfilters:\n  - rollout_percentage: 2\n---\nname: b1\nfilters:\n  - rollout_percentage: 3\n")
	seed(h, "a-stray", nil, map[string]any{"rollout_percentage": 9})
	b := seed(h, "b-stray", nil, map[string]any{"rollout_percentage": 9})

	dry := h.sync("--target", "a*", "--prune").must(t, exitOK)
	dry.contains(t, "Partial plan", `create holdout "a1"`, `create holdout "a2"`, `delete holdout "a-stray"`)
	for _, other := range []string{`"b1"`, `"b-stray"`} {
		if bytes.Contains([]byte(dry.stdout), []byte(other)) {
			t.Errorf("the plan mentions %s, outside --target:\n%s", other, dry.stdout)
		}
	}
	if dry.stderr != "" || !strings.HasSuffix(dry.stdout, "\n"+dryRunClosing) {
		t.Errorf("a dry run's closing line is not stdout's last:\nstdout:\n%s\nstderr:\n%s", dry.stdout, dry.stderr)
	}
	h.sync("--target", "a*", "--prune", "--apply").must(t, exitOK)
	names := map[string]bool{}
	for _, n := range h.names() {
		names[n] = true
	}
	if !names["a1"] || !names["a2"] || names["a-stray"] || names["b1"] || !names["b-stray"] {
		t.Errorf("after the targeted apply: %v", h.names())
	}
	if _, ok := h.emu.Holdout(1, b.ID); !ok {
		t.Error("a holdout outside --target was pruned")
	}
	h.sync("--target", "name=a*").must(t, exitFailure).contains(t, `--target "name=a*" matches no manifest`)
}

// Acceptance (issue 12, item 3): saved plans are byte-stable, and one
// made for another project or host is refused.
func TestSavedPlanIsStableAndBoundToItsProject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.emu.AddProject(2)
	seed(h, "x", nil, map[string]any{"rollout_percentage": 10})
	h.write("m.yaml", "name: x\nfilters:\n  - rollout_percentage: 20\n")
	dir := t.TempDir()
	one, two := filepath.Join(dir, "1.json"), filepath.Join(dir, "2.json")
	h.sync("--plan-out", one).must(t, exitOK)
	h.sync("--plan-out", two).must(t, exitOK)
	a, _ := os.ReadFile(one)
	b, _ := os.ReadFile(two)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("two plans of the same inputs differ:\n%s\n---\n%s", a, b)
	}
	if info, err := os.Stat(one); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("--plan-out file mode: %v (%v), want 0600", info.Mode().Perm(), err)
	}
	r := h.run("sync", h.dir, "--host", h.srv.URL, "--project", "2", "--apply", "--plan", one).must(t, exitFailure)
	r.contains(t, "the plan was made for project 1", "is stale")
	if n := len(h.emu.Holdouts(2)); n != 0 {
		t.Errorf("a plan for project 1 changed project 2: %d holdouts", n)
	}
	h.sync("--apply", "--plan", one).must(t, exitOK).contains(t, fmt.Sprintf("Apply complete: 0 created, 1 updated, 0 deleted."))
}
