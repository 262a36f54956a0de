package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// patchHoldout changes a holdout the way a person in PostHog's UI would:
// through the API, behind hogsync's back.
func patchHoldout(t *testing.T, h *harness, id int64, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPatch, fmt.Sprintf("%s/api/projects/1/experiment_holdouts/%d/", h.srv.URL, id), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH: %d", resp.StatusCode)
	}
}

// A saved plan applies only while it still describes what would be done.
func TestApplySavedPlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	x := seed(h, "x", nil, map[string]any{"rollout_percentage": 10})
	h.write("m.yaml", "name: x\nfilters:\n  - rollout_percentage: 20\n---\nname: y\nfilters:\n  - rollout_percentage: 1\n")
	planFile := filepath.Join(t.TempDir(), "plan.json")
	h.sync("--plan-out", planFile).must(t, exitOK)

	// Someone edits x in PostHog after the review: the plan is stale.
	patchHoldout(t, h, x.ID, `{"filters":[{"rollout_percentage":15}]}`)
	r := h.sync("--apply", "--plan", planFile).must(t, exitFailure)
	r.contains(t, fmt.Sprintf(`holdout "x" (id %d): filters[0].rollout_percentage is 15 in PostHog, the plan saw 10`, x.ID), "is stale", "nothing was changed")
	if n := len(h.emu.Holdouts(1)); n != 1 {
		t.Fatalf("a stale plan created holdouts: %d", n)
	}

	// A fresh plan, reviewed and applied as saved.
	h.sync("--plan-out", planFile).must(t, exitOK)
	h.sync("--apply", "--plan", planFile).must(t, exitOK).contains(t, "Apply complete: 1 created, 1 updated, 0 deleted.")
	h.sync("--detailed-exitcode").must(t, exitOK)

	h.sync("--plan", planFile).must(t, exitUsage).contains(t, "--plan needs --apply")
	h.sync("--apply", "--prune", "--plan", planFile).must(t, exitUsage).contains(t, "made with prune=false")
}
