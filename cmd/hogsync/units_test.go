package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Issue 17: a repository holding several PostHog projects, one folder
// with a hogsync.yaml each (US and EU PostHog, staging and production).

// twoRegions is a repository with us/ (project 1 on h's emulator) and eu/
// (project 2 on a second emulator, standing for another PostHog
// instance, whose key is in POSTHOG_EU_KEY as eu/hogsync.yaml says). Both
// hold a holdout named "checkout"; each PostHog holds one stray holdout.
func twoRegions(t *testing.T) (h *harness, eu *posthogtest.Emulator, euURL string) {
	t.Helper()
	h = newHarness(t)
	eu = posthogtest.New()
	eu.AddProject(2)
	srv := httptest.NewServer(eu)
	t.Cleanup(srv.Close)
	h.env["POSTHOG_EU_KEY"] = posthogtest.DefaultKey
	h.write("us/hogsync.yaml", "host: "+h.srv.URL+"\nproject: 1\n")
	h.write("eu/hogsync.yaml", "host: "+srv.URL+"\nproject: 2\napi_key_env: POSTHOG_EU_KEY\nmax_deletes: 1\n")
	h.write("us/checkout.yaml", "name: checkout\nfilters:\n  - rollout_percentage: 5\n")
	h.write("eu/checkout.yaml", "name: checkout\nfilters:\n  - rollout_percentage: 7\n")
	seed(h, "us-stray", nil, map[string]any{"rollout_percentage": 1})
	eu.Seed(2, posthogtest.Holdout{Name: "eu-stray", Filters: []map[string]any{{"rollout_percentage": 1}}})
	return h, eu, srv.URL
}

func names(hs []posthogtest.Holdout) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Name)
	}
	slices.Sort(out)
	return out
}

func TestValidateJudgesEachFileInItsUnit(t *testing.T) {
	t.Parallel()
	h, _, _ := twoRegions(t)
	in := func(p string) string { return filepath.Join(h.dir, p) }
	// The same holdout in two projects is no duplicate.
	h.run("validate", in("us"), in("eu")).must(t, exitOK).contains(t, "2 holdouts are valid in 2 units")
	h.run("validate", in("us/checkout.yaml"), in("eu/checkout.yaml")).must(t, exitOK)
	h.run("validate", h.dir).must(t, exitOK).contains(t, "2 holdouts are valid in 2 units")
	// One file given is judged with the rest of its unit: a duplicate
	// another file of the unit holds is reported, naming both.
	h.write("us/again.yaml", "name: checkout\nfilters:\n  - rollout_percentage: 6\n")
	r := h.run("validate", in("us/checkout.yaml")).must(t, exitFailure)
	r.contains(t, "duplicate-name", "again.yaml")
	h.run("validate", in("eu/checkout.yaml")).must(t, exitOK)
}

func TestPlanAndApplyEveryUnitWithItsOwnSettings(t *testing.T) {
	t.Parallel()
	h, eu, _ := twoRegions(t)
	r := h.run("plan", h.dir, "--prune", "--detailed-exitcode").must(t, exitChanges)
	r.contains(t, "=== Unit "+filepath.Join(h.dir, "us")+" ===", "=== Unit "+filepath.Join(h.dir, "eu")+" ===",
		"Plan for PostHog project 1 (from "+filepath.Join(h.dir, "us", "hogsync.yaml")+":2:1)",
		"Plan for PostHog project 2 (from "+filepath.Join(h.dir, "eu", "hogsync.yaml")+":2:1)",
		`delete holdout "us-stray"`, `delete holdout "eu-stray"`)
	if strings.Index(r.stdout, "us-stray") < strings.Index(r.stdout, "eu-stray") {
		t.Errorf("units not in folder order (eu before us):\n%s", r.stdout)
	}

	// JSON: one document, version 2, a version 1 plan per unit.
	r = h.run("plan", h.dir, "-o", "json").must(t, exitOK)
	var doc struct {
		FormatVersion string `json:"format_version"`
		Units         []struct {
			Dir  string `json:"dir"`
			Plan struct {
				FormatVersion string `json:"format_version"`
				Project       string `json:"project"`
			} `json:"plan"`
		} `json:"units"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("-o json over units is not one JSON document: %v\n%s", err, r.stdout)
	}
	if doc.FormatVersion != "2" || len(doc.Units) != 2 || doc.Units[0].Plan.Project != "2" || doc.Units[1].Plan.Project != "1" || doc.Units[0].Plan.FormatVersion != "1" {
		t.Errorf("json over units = %+v", doc)
	}

	h.run("apply", h.dir, "--prune").must(t, exitOK)
	if got := names(h.emu.Holdouts(1)); !slices.Equal(got, []string{"checkout"}) {
		t.Errorf("US PostHog after apply: %v", got)
	}
	if got := names(eu.Holdouts(2)); !slices.Equal(got, []string{"checkout"}) {
		t.Errorf("EU PostHog after apply: %v", got)
	}
}

func TestOneRefusedUnitAppliesNoneWithoutKeepGoing(t *testing.T) {
	t.Parallel()
	h, eu, _ := twoRegions(t)
	eu.Seed(2, posthogtest.Holdout{Name: "eu-stray-2", Filters: []map[string]any{{"rollout_percentage": 1}}})
	// eu's max_deletes: 1 refuses its 2 deletes: nothing is applied, in
	// us either.
	r := h.run("apply", h.dir, "--prune").must(t, exitFailure)
	r.contains(t, "the limit is 1, set by "+filepath.Join(h.dir, "eu", "hogsync.yaml")+":4:1", "nothing was applied",
		"not applied: unit "+filepath.Join(h.dir, "eu")+" could not be planned or was refused")
	if got := names(h.emu.Holdouts(1)); !slices.Equal(got, []string{"us-stray"}) {
		t.Errorf("US PostHog changed though a unit was refused: %v", got)
	}
	// --keep-going applies the units that can be.
	h.run("apply", h.dir, "--prune", "--keep-going").must(t, exitFailure)
	if got := names(h.emu.Holdouts(1)); !slices.Equal(got, []string{"checkout"}) {
		t.Errorf("US PostHog after --keep-going: %v", got)
	}
	if got := names(eu.Holdouts(2)); !slices.Equal(got, []string{"eu-stray", "eu-stray-2"}) {
		t.Errorf("EU PostHog changed though refused: %v", got)
	}
}

func TestSavedPlanHoldsEveryUnitAndAStaleOneRefusesAll(t *testing.T) {
	t.Parallel()
	h, eu, euURL := twoRegions(t)
	plan := filepath.Join(t.TempDir(), "plan.json")
	h.run("plan", h.dir, "--prune", "--plan-out", plan).must(t, exitOK)
	raw, err := os.ReadFile(plan)
	if err != nil || !strings.Contains(string(raw), `"format_version": "2"`) {
		t.Fatalf("saved plan over units: %v\n%s", err, raw)
	}
	// EU PostHog moves after the review: the whole plan is refused, even
	// with --keep-going.
	eu.Seed(2, posthogtest.Holdout{Name: "late", Filters: []map[string]any{{"rollout_percentage": 1}}})
	h.run("apply", h.dir, "--prune", "--plan", plan, "--keep-going").must(t, exitFailure).contains(t, "is stale", "nothing was applied")
	if got := names(h.emu.Holdouts(1)); !slices.Equal(got, []string{"us-stray"}) {
		t.Errorf("US PostHog changed though the saved plan was stale in eu: %v", got)
	}
	// A plan of one directory is not a plan of units, nor the reverse.
	h.run("apply", filepath.Join(h.dir, "us"), "--prune", "--plan", plan).must(t, exitUsage).contains(t, "holds the plans of 2 units")

	// A fresh plan, reviewed and applied, changes both.
	h.write("eu/hogsync.yaml", "host: "+euURL+"\nproject: 2\napi_key_env: POSTHOG_EU_KEY\n")
	h.run("plan", h.dir, "--prune", "--plan-out", plan).must(t, exitOK)
	h.run("apply", h.dir, "--prune", "--plan", plan).must(t, exitOK)
	if got := names(h.emu.Holdouts(1)); !slices.Equal(got, []string{"checkout"}) {
		t.Errorf("US PostHog after the saved plan: %v", got)
	}
	if got := names(eu.Holdouts(2)); !slices.Equal(got, []string{"checkout"}) {
		t.Errorf("EU PostHog after the saved plan: %v", got)
	}
}

// export reads --out-dir's hogsync.yaml as sync does: it names the project
// and host, a different one is refused, and the config is never replaced,
// not even by a holdout named "hogsync" with --overwrite.
func TestExportObeysTheOutDirsHogsyncYAML(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.emu.AddProject(8)
	seed(h, "hogsync", nil, map[string]any{"rollout_percentage": 2})
	seed(h, "checkout", nil, map[string]any{"rollout_percentage": 3})
	config := "host: " + h.srv.URL + "\nproject: 1\nprotect: [legacy-*]\nmax_deletes: 2\n"
	h.write("out/hogsync.yaml", config)
	out := filepath.Join(h.dir, "out")

	h.env["POSTHOG_PROJECT_ID"] = "8"
	h.run("export", "--out-dir", out).must(t, exitUsage).contains(t, "names project 1, but POSTHOG_PROJECT_ID says 8")
	delete(h.env, "POSTHOG_PROJECT_ID")

	r := h.run("export", "--out-dir", out, "--overwrite").must(t, exitOK)
	r.contains(t, "Exported 2 holdouts")
	if b, err := os.ReadFile(filepath.Join(out, "hogsync.yaml")); err != nil || string(b) != config {
		t.Errorf("hogsync.yaml after export --overwrite = %q, %v; want it untouched", b, err)
	}
	h.run("validate", out).must(t, exitOK).contains(t, "2 holdouts are valid")
}
