package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Acceptance: a running experiment blocks an update and a delete of its
// holdout without --force (exit 1, naming the experiment); --force lets
// them through.
func TestRunningExperimentBlocksWithoutForce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	started := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	kept := seed(h, "kept", nil, map[string]any{"rollout_percentage": 10})
	doomed := seed(h, "doomed", nil, map[string]any{"rollout_percentage": 10})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "live-checkout", StartDate: &started, HoldoutID: kept.ID})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "live-pricing", StartDate: &started, HoldoutID: doomed.ID})
	h.write("m.yaml", "name: kept\nfilters:\n  - rollout_percentage: 20\n---\nname: fresh\nfilters:\n  - rollout_percentage: 1\n")

	for _, args := range [][]string{{"--prune"}, {"--prune", "--apply"}} {
		r := h.sync(args...).must(t, exitFailure)
		r.contains(t,
			fmt.Sprintf(`update holdout "kept" (id %d): blocked: running experiment "live-checkout" (id 1) uses this holdout; it will not be applied without --force`, kept.ID),
			fmt.Sprintf(`delete holdout "doomed" (id %d): blocked: running experiment "live-pricing" (id 2) uses this holdout`, doomed.ID),
			"2 blocked by launched experiments (--force applies them).")
	}
	// The independent create went through; the blocked changes did not.
	if x, _ := h.emu.Holdout(1, kept.ID); fmt.Sprint(x.Filters[0]["rollout_percentage"]) != "10" {
		t.Errorf("blocked update applied: %v", x.Filters)
	}
	if _, ok := h.emu.Holdout(1, doomed.ID); !ok {
		t.Error("blocked delete applied")
	}
	if n := len(h.emu.Holdouts(1)); n != 3 {
		t.Errorf("%d holdouts, want kept, doomed and fresh", n)
	}

	h.sync("--prune", "--apply", "--force").must(t, exitOK).contains(t, "Apply complete: 0 created, 1 updated, 1 deleted.")
	if x, _ := h.emu.Holdout(1, kept.ID); fmt.Sprint(x.Filters[0]["rollout_percentage"]) != "20" {
		t.Errorf("--force did not update: %v", x.Filters)
	}
	if _, ok := h.emu.Holdout(1, doomed.ID); ok {
		t.Error("--force did not delete")
	}
	h.sync("--prune", "--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}

// Acceptance (issue 8, item 3): a key without experiment:read cannot see
// whether a running experiment uses a holdout, so --apply holds back a
// change of its filters unless --force, and says which scope is missing;
// a rename still applies, as it touches no feature flag.
func TestKeyWithoutExperimentReadHoldsBackFilterChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const key = "phx_holdouts_only_key_0000000000000000000000"
	h.emu.AddKey(key, posthogtest.Key{Scopes: []string{"experiment_holdout:write"}, CurrentProject: 1})
	h.env["POSTHOG_PERSONAL_API_KEY"] = key
	old := seed(h, "old", nil, map[string]any{"rollout_percentage": 10})
	renamed := seed(h, "was-b", nil, map[string]any{"rollout_percentage": 3})
	h.write("m.yaml", "name: old\nfilters:\n  - rollout_percentage: 15\n---\nname: b\nprevious_names: [was-b]\nfilters:\n  - rollout_percentage: 3\n")

	dry := h.sync().must(t, exitFailure)
	dry.contains(t, "warning: experiments cannot be read", "the key lacks the experiment:read scope",
		"# experiments using it: unknown (they could not be read)", "--force applies it anyway")
	r := h.sync("--apply").must(t, exitFailure)
	r.contains(t, fmt.Sprintf(`renamed holdout "was-b" to "b" (id %d)`, renamed.ID), "experiment:read")
	if strings.Count(r.stderr, "warning: experiments cannot be read") != 1 {
		t.Errorf("warning not given once:\n%s", r.stderr)
	}
	if got := h.names()[old.ID]; got != "old" {
		t.Fatalf("holdout old is gone: %v", h.names())
	}
	if x, _ := h.emu.Holdout(1, old.ID); !strings.Contains(fmt.Sprint(x.Filters), "rollout_percentage:10") {
		t.Errorf("the filter change was applied without --force: %v", x.Filters)
	}
	h.sync("--apply", "--force").must(t, exitOK).contains(t, fmt.Sprintf(`~ updated holdout "old" (id %d)`, old.ID))
	h.sync("--detailed-exitcode").must(t, exitOK)
}

// Experiments are read page by page: the one that blocks can be on the
// second page.
func TestBlastRadiusReadsEveryExperimentPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	started := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	x := seed(h, "x", nil, map[string]any{"rollout_percentage": 10})
	// PostHog lists experiments newest first: the oldest is on page two.
	for i := 0; i < 150; i++ {
		h.emu.AddExperiment(1, posthogtest.Experiment{Name: fmt.Sprintf("draft-%03d", i), CreatedAt: started.Add(time.Duration(i+1) * time.Minute)})
	}
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "page-two", StartDate: &started, HoldoutID: x.ID, CreatedAt: started})
	h.write("m.yaml", "name: x\nfilters:\n  - rollout_percentage: 20\n")
	h.emu.ResetRequests()
	h.sync().must(t, exitFailure).contains(t, `running experiment "page-two" (id 151)`)
	pages := 0
	for _, r := range h.emu.Requests() {
		// Archived experiments are a list of their own (archived=true).
		if strings.Contains(r.Path, "/experiments") && !strings.Contains(r.RawQuery, "archived=") {
			pages++
		}
	}
	if pages != 1 {
		t.Errorf("%d experiment list requests, want 1 (151 at 1000 a page)", pages)
	}
}
