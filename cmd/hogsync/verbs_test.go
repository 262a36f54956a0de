package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// verb runs `hogsync VERB DIR --host URL --project 1 args...`.
func (h *harness) verb(verb string, args ...string) result {
	return h.run(append([]string{verb, h.dir, "--host", h.srv.URL, "--project", "1"}, args...)...)
}

const verbManifest = "name: a\nfilters:\n  - rollout_percentage: 1\n"

// plan is sync without --apply: the same plan, and nothing changes.
func TestPlanIsADryRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", verbManifest)
	p := h.verb("plan").must(t, exitOK).contains(t, "Plan: 1 to create, 0 to update, 0 to delete.", "This was a dry run")
	if n := len(h.emu.Holdouts(1)); n != 0 {
		t.Fatalf("plan made %d holdouts", n)
	}
	s := h.sync().must(t, exitOK)
	// The same plan; the closing line names what each verb takes next
	// (plan refuses --apply).
	planBody, ok1 := strings.CutSuffix(p.stdout, "This was a dry run: nothing was changed. Run `hogsync apply` with the same arguments to make these changes.\n")
	syncBody, ok2 := strings.CutSuffix(s.stdout, dryRunClosing)
	if !ok1 || !ok2 {
		t.Errorf("closing lines:\nplan:\n%s\nsync:\n%s", p.stdout, s.stdout)
	}
	if d := cmp.Diff(syncBody, planBody); d != "" {
		t.Errorf("plan and sync print different plans (-sync +plan):\n%s", d)
	}
	h.verb("plan", "--detailed-exitcode").must(t, exitChanges)
}

// plan refuses what only an apply does, and says what to run instead.
func TestPlanRefusesApplyFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--apply"}, {"--plan", "saved.json"}, {"--id-map", "ids.json"}, {"--reviewed-plan", "require"}} {
		t.Run(args[0], func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.write("a.yaml", verbManifest)
			h.verb("plan", args...).must(t, exitUsage).contains(t, "plan never changes anything", "hogsync apply", "Run 'hogsync plan --help' for usage.")
			if n := len(h.emu.Holdouts(1)); n != 0 {
				t.Fatalf("plan %v made %d holdouts", args, n)
			}
		})
	}
}

// apply is sync --apply.
func TestApplyMakesTheChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", verbManifest)
	h.verb("apply").must(t, exitOK).contains(t, `[1/1] + created holdout "a"`, "Apply complete: 1 created")
	if n := len(h.emu.Holdouts(1)); n != 1 {
		t.Fatalf("apply left %d holdouts, want 1", n)
	}
	h.verb("plan").must(t, exitOK).contains(t, "No changes.")
	// --apply is what apply does anyway: accepted, not shown.
	h.verb("apply", "--apply").must(t, exitOK)
	h.verb("apply", "--detailed-exitcode").must(t, exitUsage).contains(t, "hogsync plan --detailed-exitcode")
	h.verb("apply", "--drift-issue").must(t, exitUsage).contains(t, "hogsync plan --drift-issue")
}

// apply --plan FILE applies the plan saved by plan --plan-out, and
// refuses one that went stale.
func TestApplyVerbSavedPlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", verbManifest)
	saved := filepath.Join(t.TempDir(), "plan.json")
	h.verb("plan", "--plan-out", saved).must(t, exitOK)
	h.verb("apply", "--plan", saved).must(t, exitOK).contains(t, `created holdout "a"`)
	if n := len(h.emu.Holdouts(1)); n != 1 {
		t.Fatalf("apply --plan left %d holdouts, want 1", n)
	}

	h2 := newHarness(t)
	h2.write("a.yaml", verbManifest)
	h2.verb("plan", "--plan-out", saved).must(t, exitOK)
	h2.write("b.yaml", strings.Replace(verbManifest, "name: a", "name: b", 1))
	h2.verb("apply", "--plan", saved).must(t, exitFailure).contains(t, "is stale")
	if n := len(h2.emu.Holdouts(1)); n != 0 {
		t.Fatalf("a stale plan made %d holdouts", n)
	}
}

// The text plan says beside each rollout_percentage that it is the share
// of users excluded, and for each affected experiment what exclusion its
// flag gets.
func TestPlanSaysWhatIsExcluded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	kept := seed(h, "kept", nil, map[string]any{"rollout_percentage": 5})
	gone := seed(h, "gone", nil, map[string]any{"rollout_percentage": 15})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "uses-kept", HoldoutID: kept.ID})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "uses-gone", HoldoutID: gone.ID})
	h.write("a.yaml", "name: kept\nfilters:\n  - rollout_percentage: 10\n")
	h.verb("plan", "--prune").must(t, exitOK).contains(t,
		"-   - rollout_percentage: 5  # 5% of users excluded",
		"+   - rollout_percentage: 10  # 10% of users excluded",
		"exclusion 5% → 10%",
		"-   - rollout_percentage: 15  # 15% of users excluded",
		"it loses this 15% exclusion",
	)
}
