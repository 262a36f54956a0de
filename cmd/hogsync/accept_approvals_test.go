package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Issue 8, acceptance 6: with approvals on in PostHog, a gated change
// waits in a change request (exit 3). A second gated change of the same
// holdout to another value, while the first is pending, is not this
// change pending: it fails (exit 1) naming the pending change request and
// what it would set. The first change, asked for again, is still pending
// (exit 3). PostHog's holdout never moves and no second request is made.
func TestAccept8_6AnotherPendingChangeFailsNamingIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	x := seed(h, "gated", nil, map[string]any{"rollout_percentage": 10})
	h.emu.SetApprovals(true)
	manifest := func(pct int) string {
		return fmt.Sprintf("name: gated\nfilters:\n  - rollout_percentage: %d\n", pct)
	}
	h.write("g.yaml", manifest(20))
	before := h.state()

	h.sync("--apply").must(t, exitPending).
		contains(t, fmt.Sprintf(`? update holdout "gated" (id %d) is pending approval in PostHog`, x.ID))
	crs := h.emu.ChangeRequests()
	if len(crs) != 1 || crs[0].State != "pending" {
		t.Fatalf("change requests: %+v", crs)
	}
	cr := crs[0].ID

	h.write("g.yaml", manifest(30))
	second := h.sync("--apply").must(t, exitFailure)
	second.contains(t, fmt.Sprintf(`update holdout "gated" (id %d) failed: another change is already pending in PostHog (change request %s: `, x.ID, cr),
		"exclusion from 10% to 20%")
	if strings.Contains(second.stdout, "is pending approval in PostHog") {
		t.Errorf("the other value is reported as this change pending:\n%s", second.stdout)
	}

	h.write("g.yaml", manifest(20))
	h.sync("--apply").must(t, exitPending).
		contains(t, fmt.Sprintf(`? update holdout "gated" (id %d) is pending approval in PostHog`, x.ID), cr)

	if d := cmp.Diff(before, h.state()); d != "" {
		t.Errorf("PostHog changed (-before +after):\n%s", d)
	}
	if n := len(h.emu.ChangeRequests()); n != 1 {
		t.Errorf("%d change requests, want the one", n)
	}
}
