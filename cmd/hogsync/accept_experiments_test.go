package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Acceptance tests for issue 8 about experiments: a plan that tells the
// truth about which experiments a change disturbs, and an apply that
// disturbs none it did not show.

var accStarted = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// accPercentage is filters[0].rollout_percentage of holdout id, as text.
func accPercentage(t *testing.T, h *harness, id int64) string {
	t.Helper()
	x, ok := h.emu.Holdout(1, id)
	if !ok {
		t.Fatalf("holdout %d is gone", id)
	}
	return fmt.Sprint(x.Filters[0]["rollout_percentage"])
}

// accFlagSaves is how often each experiment's feature flag was rewritten,
// by experiment name.
func accFlagSaves(h *harness) map[string]int {
	m := map[string]int{}
	for _, x := range h.emu.Experiments(1) {
		m[x.Name] = x.FlagSaves
	}
	return m
}

// Issue 8, acceptance 3: a paused and an exposure_frozen experiment are
// launched and not ended, so each blocks a change of its holdout's filters
// without --force: exit 1, PostHog unchanged, the experiment's flag never
// rewritten. --force applies it.
func TestAccept8_3PausedAndExposureFrozenBlockWithoutForce(t *testing.T) {
	t.Parallel()
	for _, status := range []string{posthogtest.StatusPaused, posthogtest.StatusExposureFrozen} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			x := seed(h, "x", nil, map[string]any{"rollout_percentage": 10})
			h.emu.AddExperiment(1, posthogtest.Experiment{Name: "exp", StartDate: &accStarted, Status: status, HoldoutID: x.ID})
			h.write("x.yaml", "name: x\nfilters:\n  - rollout_percentage: 20\n")
			before := h.state()

			for _, args := range [][]string{nil, {"--apply"}} {
				h.sync(args...).must(t, exitFailure).contains(t,
					fmt.Sprintf(`update holdout "x" (id %d): blocked:`, x.ID),
					fmt.Sprintf(`launched experiment "exp" (id 1, %s) uses this holdout; it will not be applied without --force`, status))
			}
			if d := cmp.Diff(before, h.state()); d != "" {
				t.Errorf("PostHog changed without --force (-before +after):\n%s", d)
			}
			if got := accFlagSaves(h)["exp"]; got != 0 {
				t.Errorf("the experiment's flag was rewritten %d times without --force", got)
			}

			h.sync("--apply", "--force").must(t, exitOK).contains(t, fmt.Sprintf(`~ updated holdout "x" (id %d)`, x.ID))
			if got := accPercentage(t, h, x.ID); got != "20" {
				t.Errorf("--force did not apply: rollout_percentage %s", got)
			}
			if got := accFlagSaves(h)["exp"]; got != 1 {
				t.Errorf("flag saves after --force = %d, want 1", got)
			}
		})
	}
}

// Issue 8, acceptance 3: an archived experiment is hidden from PostHog's
// default experiments list, yet a holdout change rewrites its flag, so it
// is in the blast radius of the text and the JSON plan.
func TestAccept8_3ArchivedExperimentInBlastRadius(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ended := accStarted.Add(24 * time.Hour)
	x := seed(h, "x", nil, map[string]any{"rollout_percentage": 10})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "old-archived", StartDate: &accStarted, EndDate: &ended, HoldoutID: x.ID, Archived: true})
	h.write("x.yaml", "name: x\nfilters:\n  - rollout_percentage: 20\n")

	text := h.sync().must(t, exitOK)
	if !strings.Contains(text.stdout, `#   "old-archived" (id 1, stopped, archived)`) {
		t.Errorf("the text plan does not list the archived experiment:\n%s", text.stdout)
	}
	js := h.sync("-o", "json").must(t, exitOK)
	var doc struct {
		Changes []struct {
			Action      string `json:"action"`
			Experiments []struct {
				ID       int64  `json:"id"`
				Name     string `json:"name"`
				Archived bool   `json:"archived"`
			} `json:"experiments"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(js.stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, js.stdout)
	}
	if len(doc.Changes) != 1 || len(doc.Changes[0].Experiments) != 1 {
		t.Fatalf("JSON plan: %+v\n%s", doc, js.stdout)
	}
	if e := doc.Changes[0].Experiments[0]; e.ID != 1 || e.Name != "old-archived" || !e.Archived {
		t.Errorf("JSON blast radius = %+v, want the archived experiment 1", e)
	}
}

// Issue 8, acceptance 4: a rename (with a description edit) sends a PATCH
// without "filters", so PostHog does not re-save the linked experiments'
// feature flags, and the plan says the flag is untouched.
func TestAccept8_4RenameOnlyPatchSendsNoFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	x := seed(h, "old-name", sp("before"), map[string]any{"rollout_percentage": 10, "properties": []any{prop("country", "person", "exact", []any{"US"})}})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "live", StartDate: &accStarted, HoldoutID: x.ID})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "draft", HoldoutID: x.ID})
	h.write("x.yaml", `name: new-name
previous_names: [old-name]
description: after
filters:
  - rollout_percentage: 10
    properties:
      - key: country
        type: person
        operator: exact
        value: [US]
`)
	dry := h.sync().must(t, exitOK)
	if !strings.Contains(dry.stdout, "(their feature flags are untouched: only the name or description changes)") {
		t.Errorf("the plan does not say the flag is untouched:\n%s", dry.stdout)
	}
	if strings.Contains(dry.stdout+dry.stderr, "blocked") {
		t.Errorf("a rename is blocked by a running experiment:\n%s%s", dry.stdout, dry.stderr)
	}

	h.emu.ResetRequests()
	h.sync("--apply").must(t, exitOK).contains(t, fmt.Sprintf(`renamed holdout "old-name" to "new-name" (id %d)`, x.ID))
	var patches [][]byte
	for _, r := range h.emu.Requests() {
		switch r.Method {
		case http.MethodPatch:
			patches = append(patches, r.Body)
		case http.MethodGet:
		default:
			t.Errorf("unexpected %s %s", r.Method, r.Path)
		}
	}
	if len(patches) != 1 {
		t.Fatalf("%d PATCH requests, want 1", len(patches))
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(patches[0], &body); err != nil {
		t.Fatalf("PATCH body %q: %v", patches[0], err)
	}
	if _, ok := body["filters"]; ok {
		t.Errorf("the PATCH carries filters: %s", patches[0])
	}
	if !bytes.Contains(patches[0], []byte(`"new-name"`)) || !bytes.Contains(patches[0], []byte(`"after"`)) {
		t.Errorf("the PATCH lacks the new name or description: %s", patches[0])
	}
	if d := cmp.Diff(map[string]int{"live": 0, "draft": 0}, accFlagSaves(h)); d != "" {
		t.Errorf("feature flags were re-saved (-want +got):\n%s", d)
	}
	got, _ := h.emu.Holdout(1, x.ID)
	if got.Name != "new-name" || got.Description == nil || *got.Description != "after" {
		t.Errorf("PostHog holds %q / %v", got.Name, got.Description)
	}
	h.sync("--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}

// Issue 8, acceptance 7: a plan saved while a running experiment blocked a
// change never applies that change, even with --force at apply time: the
// reviewed plan showed it as held back.
func TestAccept8_7SavedPlanKeepsBlockedChangesBlockedUnderForce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	x := seed(h, "x", nil, map[string]any{"rollout_percentage": 10})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "live", StartDate: &accStarted, HoldoutID: x.ID})
	h.write("x.yaml", "name: x\nfilters:\n  - rollout_percentage: 20\n")
	planFile := filepath.Join(t.TempDir(), "plan.json")
	h.sync("--plan-out", planFile).must(t, exitFailure).contains(t, "blocked")
	before := h.state()

	h.emu.ResetRequests()
	h.sync("--apply", "--plan", planFile, "--force").must(t, exitFailure).
		contains(t, fmt.Sprintf(`update holdout "x" (id %d): blocked`, x.ID))
	if d := cmp.Diff(before, h.state()); d != "" {
		t.Errorf("PostHog changed (-before +after):\n%s", d)
	}
	for _, r := range h.emu.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("%s %s sent", r.Method, r.Path)
		}
	}
	if got := accFlagSaves(h)["live"]; got != 0 {
		t.Errorf("the running experiment's flag was rewritten %d times", got)
	}
}
