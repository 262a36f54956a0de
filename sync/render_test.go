package sync

import (
	"github.com/hogsync/hogsync/internal/canon"

	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sync -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

// samplePlan has one of everything a text plan can show. It is computed
// with Force, so the running experiment's holdout is not blocked; see
// blockedPlan.
func samplePlan(t *testing.T) Plan { return samplePlanWith(t, Options{Prune: true, Force: true}) }

// blockedPlan is samplePlan without Force: the update of "pricing", which
// a running experiment uses, is blocked.
func blockedPlan(t *testing.T) Plan { return samplePlanWith(t, Options{Prune: true}) }

func samplePlanWith(t *testing.T, opts Options) Plan {
	t.Helper()
	manifests, remotes, exps := sampleInputs()
	p, err := Compute(manifests, remotes, exps, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sourcedMeta says where a plan was made, and where that came from.
var sourcedMeta = Meta{Version: "v0.0.0-test", Host: "https://us.posthog.com", Project: "12345", HostSource: "hogsync.yaml", ProjectSource: "--project", Prune: true}

// partialPlan is samplePlan limited by targets, with a protected holdout.
func partialPlan(t *testing.T) Plan {
	t.Helper()
	manifests, remotes, exps := sampleInputs()
	remotes = append(remotes, remote(11, "manual-keep", "1"), remote(12, "manual-other", "1"))
	p, err := Compute(manifests, remotes, exps, Options{Prune: true, Force: true, Targets: []string{"manual-*", "pricing", "name=search"}, Protect: []string{"manual-k*"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sampleInputs() ([]manifest.Holdout, []client.Holdout, []client.Experiment) {
	country := map[string]any{"key": "country", "type": "person", "operator": "exact", "value": []any{"US", "CA"}}
	manifests := []manifest.Holdout{
		desired("checkout-q4", 10, withDescription("Held out of checkout tests in Q4"), withProperties(country)),
		desired("pricing", 20, withDescription("Pricing page holdout")),
		desired("search-v2", 5.5, withPrevious("search")),
		desired("dup", 10),
	}
	remotes := []client.Holdout{
		func() client.Holdout {
			r := remote(2, "pricing", "10")
			r.Description = str("Pricing page holdout")
			return r
		}(),
		remote(3, "legacy", "15", map[string]any{"properties": []any{map[string]any{"key": "email", "type": "person", "operator": "icontains", "value": "@example.com"}}}),
		remote(4, "search", "5.5"),
		remote(5, "dup", "10"),
		remote(6, "dup", "10"),
	}
	exps := []client.Experiment{
		{ID: 7, Name: "new-pricing-page", StartDate: str("2026-11-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 2}},
		{ID: 8, Name: "annual-plan-banner", Holdout: &client.ExperimentHoldout{ID: 2}},
		{ID: 10, Name: "pricing-2025", Status: "stopped", Archived: true, Holdout: &client.ExperimentHoldout{ID: 2}},
		{ID: 9, Name: "legacy-signup", StartDate: str("2026-01-01T00:00:00Z"), EndDate: str("2026-03-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 3}},
	}
	return manifests, remotes, exps
}

func TestRenderTextGolden(t *testing.T) {
	unmanaged, err := Compute([]manifest.Holdout{desired("a", 10)}, []client.Holdout{remote(1, "a", "10"), remote(2, "manual", "3")}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		golden string
		plan   Plan
		opts   TextOptions
	}{
		{"plan.golden", samplePlan(t), TextOptions{}},
		{"plan-color.golden", samplePlan(t), TextOptions{Color: true}},
		{"no-changes.golden", Plan{BlastRadiusKnown: true}, TextOptions{}},
		{"plan-blocked.golden", blockedPlan(t), TextOptions{}},
		{"unmanaged-unknown-blast-radius.golden", unmanaged, TextOptions{}},
		{"plan-partial-protected.golden", partialPlan(t), TextOptions{Meta: &sourcedMeta}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderText(&buf, tt.plan, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, buf.Bytes())
		})
	}
}

// The same inputs give the same bytes, whatever order PostHog lists
// holdouts and experiments in.
func TestRenderTextDeterministic(t *testing.T) {
	var want bytes.Buffer
	if err := RenderText(&want, samplePlan(t), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 50; seed++ {
		manifests, remotes, exps := sampleInputs()
		r := rand.New(rand.NewPCG(seed, seed))
		r.Shuffle(len(remotes), func(i, j int) { remotes[i], remotes[j] = remotes[j], remotes[i] })
		r.Shuffle(len(exps), func(i, j int) { exps[i], exps[j] = exps[j], exps[i] })
		p, err := Compute(manifests, remotes, exps, Options{Prune: true, Force: true})
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := RenderText(&got, p, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want.String(), got.String()); d != "" {
			t.Fatalf("shuffle %d renders differently (-first +shuffled):\n%s", seed, d)
		}
	}
}

func TestCanonicalYAML(t *testing.T) {
	s := State{
		Name:        "10",
		Description: "two\nlines",
		Filters: []map[string]any{canon.Group(map[string]any{
			"zeta": true, "rollout_percentage": 10.0, "aggregation_group_type_index": 0,
			"properties": []any{map[string]any{"value": []any{"true", 1.5}, "operator": "exact", "key": "k", "type": "person", "extra": nil}},
		})},
	}
	want := `name: "10"
description: |-
  two
  lines
filters:
  - rollout_percentage: 10
    properties:
      - key: k
        type: person
        operator: exact
        value: ["true", 1.5]
    aggregation_group_type_index: 0
    zeta: true
`
	if d := cmp.Diff(want, CanonicalYAML(s)); d != "" {
		t.Errorf("CanonicalYAML (-want +got):\n%s", d)
	}
}

// Rollout percentages are annotated for people: the first group's is the
// share excluded, later groups' are not evaluated. Only filter groups'
// rollout_percentage lines are: not a description line that looks like
// one, not a property key of that name, nor a note.
func TestAnnotate(t *testing.T) {
	in := []Line{
		{' ', "name: a"},
		{' ', "description: |-"},
		{' ', "  - rollout_percentage: 7"},
		{' ', "filters:"},
		{'-', "  - rollout_percentage: 10"},
		{'+', "  - rollout_percentage: 20"},
		{' ', "    properties:"},
		{' ', "      - rollout_percentage: 3"},
		{' ', "  - rollout_percentage: 5.5"},
		{'#', "  - rollout_percentage: 1"},
		{'+', "  - rollout_percentage: 1e2"},
		{'+', "  - rollout_percentage: x"},
	}
	want := []string{
		"name: a",
		"description: |-",
		"  - rollout_percentage: 7",
		"filters:",
		"  - rollout_percentage: 10  # 10% of users excluded",
		"  - rollout_percentage: 20  # 20% of users excluded",
		"    properties:",
		"      - rollout_percentage: 3",
		"  - rollout_percentage: 5.5  # not evaluated by current PostHog: only the first group's percentage counts",
		"  - rollout_percentage: 1",
		"  - rollout_percentage: 1e2  # not evaluated by current PostHog: only the first group's percentage counts",
		"  - rollout_percentage: x",
	}
	var got []string
	for _, l := range annotate(in) {
		got = append(got, l.Text)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("annotate (-want +got):\n%s", d)
	}
	if in[4].Text != "  - rollout_percentage: 10" {
		t.Error("annotate changed its input")
	}
	// CanonicalYAML, which exports and comparisons use, never carries it.
	if y := CanonicalYAML(*samplePlan(t).Changes[0].After); strings.Contains(y, "excluded") {
		t.Errorf("CanonicalYAML holds the annotation:\n%s", y)
	}
}
