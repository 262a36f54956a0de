package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Issue 17: the small things found on the way, each through the CLI.

func TestApplyPlanRefusesAFileThatIsNoPlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", verbManifest)
	// An id map has a format_version too.
	idMap := filepath.Join(t.TempDir(), "ids.json")
	if err := os.WriteFile(idMap, []byte(`{"format_version": "1", "host": "x", "project": "1", "ids": {}, "holdouts": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	h.emu.ResetRequests()
	h.verb("apply", "--plan", idMap).must(t, exitUsage).contains(t, "is not a plan saved by --plan-out", "nothing was sent to PostHog")
	if n := len(h.emu.Requests()); n != 0 {
		t.Errorf("%d requests reached PostHog for a file that is no plan", n)
	}
}

func TestSavedPlanRemembersItsTargets(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", verbManifest)
	h.write("b.yaml", "name: b\nfilters:\n  - rollout_percentage: 2\n")
	plan := filepath.Join(t.TempDir(), "plan.json")
	h.verb("plan", "--target", "a", "--plan-out", plan).must(t, exitOK)
	h.verb("apply", "--plan", plan).must(t, exitUsage).
		contains(t, `was made with --target "a", and this run has no --target: pass the --target flags the plan was made with`)
	h.verb("apply", "--plan", plan, "--target", "b").must(t, exitUsage).contains(t, `this run has --target "b"`)
	if n := len(h.emu.Holdouts(1)); n != 0 {
		t.Fatalf("a refused saved plan made %d holdouts", n)
	}
	h.verb("apply", "--plan", plan, "--target", "a").must(t, exitOK)
	if n := len(h.emu.Holdouts(1)); n != 1 {
		t.Fatalf("the saved plan made %d holdouts, want 1", n)
	}
}

func TestApplyHelpNeverSaysApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("apply", "--help").must(t, exitOK)
	if strings.Contains(r.stdout, "--apply") {
		t.Errorf("apply --help mentions --apply, a flag apply refuses:\n%s", r.stdout)
	}
}

func TestDriftIssueOutsideActionsWarns(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", verbManifest)
	h.verb("plan", "--drift-issue").must(t, exitOK).contains(t, "hogsync: warning: --drift-issue works only on GitHub Actions")
}

// Acceptance 2: patterns match across "/", through apply --prune.
func TestProtectAndTargetMatchAcrossSlashes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("hogsync.yaml", "project: 1\nprotect: [legacy-*]\n")
	h.write("a.yaml", verbManifest)
	seed(h, "legacy-growth/2024", nil, map[string]any{"rollout_percentage": 2})
	seed(h, "stray", nil, map[string]any{"rollout_percentage": 3})
	h.run("apply", h.dir, "--host", h.srv.URL, "--prune").must(t, exitOK)
	if got := names(h.emu.Holdouts(1)); !slices.Equal(got, []string{"a", "legacy-growth/2024"}) {
		t.Errorf("after apply --prune: %v, want a and the protected legacy-growth/2024", got)
	}

	g := newHarness(t)
	g.write("x.yaml", "name: team/a/b\nfilters:\n  - rollout_percentage: 1\n---\nname: other\nfilters:\n  - rollout_percentage: 1\n")
	g.verb("plan", "--target", "team/*").must(t, exitOK).contains(t, `create holdout "team/a/b"`)
}

// Acceptance 5: cmd/hogsync is the command line only: flags, options,
// one call. Its files stay small (completion scripts excepted), and it
// holds none of the run's pipeline.
func TestCommandLineHoldsNoOrchestration(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	pipeline := regexp.MustCompile(`\b(manifest\.Load|hsync\.Compute|hsync\.Apply|client\.New)\b`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\n"); n >= 300 && f != "completion.go" {
			t.Errorf("%s has %d lines: cmd/hogsync is flags -> options -> one call to package run", f, n)
		}
		if m := pipeline.Find(b); m != nil {
			t.Errorf("%s calls %s: the run's pipeline belongs in package run", f, m)
		}
	}
}

// The pre-commit hook's default files are the ones the loader reads: YAML
// files whose path has no hidden part (not .pre-commit-config.yaml, not
// .github/workflows).
func TestPreCommitHookFilesAreWhatTheLoaderReads(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID            string `yaml:"id"`
		Files         string `yaml:"files"`
		RequireSerial bool   `yaml:"require_serial"`
	}
	if err := yaml.Unmarshal(raw, &hooks); err != nil || len(hooks) != 1 {
		t.Fatalf(".pre-commit-hooks.yaml: %v (%d hooks)", err, len(hooks))
	}
	if !hooks[0].RequireSerial {
		t.Error("the hook does not set require_serial: pre-commit would split a unit's files across processes")
	}
	files := regexp.MustCompile(hooks[0].Files) // pre-commit uses re.search
	for path, want := range map[string]bool{
		"holdouts/a.yaml": true, "a.yml": true, "holdouts/us/hogsync.yaml": true,
		".pre-commit-config.yaml": false, ".github/workflows/ci.yml": false, "holdouts/.hidden.yaml": false,
		"holdouts/.drafts/a.yaml": false, "x.yaml.bak": false, "README.md": false,
	} {
		if got := files.MatchString(path); got != want {
			t.Errorf("files %q matches %s: %v, want %v", hooks[0].Files, path, got, want)
		}
	}
}
