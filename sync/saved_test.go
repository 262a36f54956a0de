package sync

import (
	"github.com/hogsync/hogsync/internal/canon"

	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

func savedFrom(t *testing.T, p Plan, meta Meta) SavedPlan {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderJSON(&buf, p, meta, nil); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSavedPlan(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSavedPlanStale(t *testing.T) {
	meta := Meta{Host: "https://us.posthog.com", Project: "1", Prune: true}
	saved := savedFrom(t, samplePlan(t), meta)
	if d := saved.Stale(samplePlan(t), meta); len(d) != 0 {
		t.Fatalf("the same plan read back is stale: %v", d)
	}

	// PostHog moved: pricing's percentage changed by hand since the review.
	moved := samplePlanWith(t, Options{Prune: true, Force: true})
	for i, c := range moved.Changes {
		if c.Name == "pricing" {
			b := *c.Before
			b.Filters = []map[string]any{canon.Group(map[string]any{"rollout_percentage": 15})}
			moved.Changes[i].Before = &b
		}
	}
	// A holdout appeared that the plan now deletes, and the create is gone.
	moved.Changes = append(moved.Changes[1:], Change{Action: Delete, Name: "newcomer", ID: 99, Before: &State{Name: "newcomer"}})
	got := saved.Stale(moved, meta)
	want := []string{
		`changed since it was planned (in PostHog, in the experiments using it, or in the manifest): update holdout "pricing" (id 2)`,
		`no longer needed or no longer possible: create holdout "checkout-q4"`,
		`now also: delete holdout "newcomer" (id 99)`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("stale (-want +got):\n%s", d)
	}
	if d := saved.Stale(samplePlan(t), Meta{Host: meta.Host, Project: "2"}); len(d) != 1 || !strings.Contains(d[0], "made for project 1") {
		t.Errorf("other project: %v", d)
	}
}

func TestSavedPlanNumbersCompareByValue(t *testing.T) {
	p, err := Compute([]manifest.Holdout{desired("a", 10)}, []client.Holdout{remote(1, "a", "5.50")}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	meta := Meta{Host: "h", Project: "1"}
	if d := savedFrom(t, p, meta).Stale(p, meta); len(d) != 0 {
		t.Errorf("stale after a JSON round trip: %v", d)
	}
}

func TestReadSavedPlanRefusesOtherVersions(t *testing.T) {
	if _, err := ReadSavedPlan(strings.NewReader(`{"format_version":"2"}`)); err == nil || !strings.Contains(err.Error(), `format_version "2"`) {
		t.Errorf("err = %v", err)
	}
	if _, err := ReadSavedPlan(strings.NewReader(`nope`)); err == nil {
		t.Error("garbage accepted")
	}
}

// A new experiment using the holdout changes what the change does to
// experiments: the saved plan, which did not show it, is stale.
func TestSavedPlanStaleWhenExperimentsChange(t *testing.T) {
	meta := Meta{Host: "h", Project: "1"}
	p, err := Compute([]manifest.Holdout{desired("a", 20)}, []client.Holdout{remote(1, "a", "10")}, []client.Experiment{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	saved := savedFrom(t, p, meta)
	now, err := Compute([]manifest.Holdout{desired("a", 20)}, []client.Holdout{remote(1, "a", "10")},
		[]client.Experiment{{ID: 9, Name: "new-one", Holdout: &client.ExperimentHoldout{ID: 1}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := saved.Stale(now, meta); len(d) != 1 || !strings.Contains(d[0], `update holdout "a" (id 1)`) {
		t.Errorf("stale = %v", d)
	}
}
