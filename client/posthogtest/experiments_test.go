package posthogtest_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

func TestExperimentsList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := e.emu.Seed(1, posthogtest.Holdout{Name: "h", Filters: []map[string]any{{"rollout_percentage": 7.5}, {"rollout_percentage": 50}}})
	start := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	end := start.Add(24 * time.Hour)
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "draft", Status: "draft"})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "running", StartDate: &start, HoldoutID: h.ID})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "stopped", StartDate: &start, EndDate: &end, Archived: true, Status: "stopped"})
	e.emu.AddExperiment(2, posthogtest.Experiment{Name: "elsewhere"})

	r := e.do(call{method: "GET", path: "/api/projects/1/experiments/?limit=2"}).must(t, http.StatusOK)
	if got := get(r.body, "count"); got != num("3") {
		t.Errorf("count %v, want 3", got)
	}
	if got := get(r.body, "next"); got != e.srv.URL+"/api/projects/1/experiments/?limit=2&offset=2" {
		t.Errorf("next %v", got)
	}
	type item struct {
		ID, Name, Start, End, Key, Holdout, Archived, Status any
		HasStatus                                            bool
		Exclusion                                            any
	}
	summarise := func(x any) item {
		hasStatus := slices.Contains(keys(x), "status")
		return item{
			ID: get(x, "id"), Name: get(x, "name"), Start: get(x, "start_date"), End: get(x, "end_date"),
			Key: get(x, "feature_flag_key"), Holdout: get(x, "holdout", "name"), Archived: get(x, "archived"),
			Status: get(x, "status"), HasStatus: hasStatus, Exclusion: get(x, "feature_flag", "filters", "holdout", "exclusion_percentage"),
		}
	}
	results := get(r.body, "results").([]any)
	r2 := e.do(call{method: "GET", path: "/api/projects/1/experiments?offset=2&limit=2"}).must(t, http.StatusOK)
	results = append(results, get(r2.body, "results").([]any)...)
	var got []item
	for _, x := range results {
		got = append(got, summarise(x))
	}
	want := []item{
		{ID: num("1"), Name: "draft", Key: "experiment-1", Archived: false, Status: "draft", HasStatus: true},
		{ID: num("2"), Name: "running", Start: "2026-01-02T03:04:05.600000Z", Key: "experiment-2", Holdout: "h", Archived: false, Exclusion: num("7.5")},
		{ID: num("3"), Name: "stopped", Start: "2026-01-02T03:04:05.600000Z", End: "2026-01-03T03:04:05.600000Z", Key: "experiment-3", Archived: true, Status: "stopped", HasStatus: true},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("experiments (-want +got):\n%s", d)
	}
	// The nested holdout is the full holdout object, read back from storage.
	nested := get(results[1], "holdout")
	one := e.do(call{method: "GET", path: holdouts1 + "1/"}).must(t, http.StatusOK).body
	if d := cmp.Diff(one, nested); d != "" {
		t.Errorf("nested holdout differs from retrieve (-retrieve +nested):\n%s", d)
	}
	// A holdout's filters change shows in the flag of its experiments.
	e.do(call{method: "PATCH", path: holdouts1 + "1/", body: `{"filters":[{"rollout_percentage":12}]}`}).must(t, http.StatusOK)
	r = e.do(call{method: "GET", path: "/api/projects/1/experiments/"}).must(t, http.StatusOK)
	if got := get(r.body, "results", 1, "feature_flag", "filters", "holdout", "exclusion_percentage"); got != num("12") {
		t.Errorf("exclusion after PATCH %v, want 12", got)
	}

	want2 := []posthogtest.Experiment{{ID: 4, Name: "elsewhere"}}
	if d := cmp.Diff(want2, e.emu.Experiments(2)); d != "" {
		t.Errorf("Experiments(2) (-want +got):\n%s", d)
	}
}

func TestAddExperimentPanics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := e.emu.Seed(1, posthogtest.Holdout{Name: "h", Filters: []map[string]any{{"rollout_percentage": 1}}})
	e.emu.AddExperiment(1, posthogtest.Experiment{ID: 5, Name: "x"})
	for name, f := range map[string]func(){
		"unknown holdout":       func() { e.emu.AddExperiment(1, posthogtest.Experiment{HoldoutID: 99}) },
		"holdout elsewhere":     func() { e.emu.AddExperiment(2, posthogtest.Experiment{HoldoutID: h.ID}) },
		"experiment id taken":   func() { e.emu.AddExperiment(1, posthogtest.Experiment{ID: 5}) },
		"holdout id taken":      func() { e.emu.Seed(1, posthogtest.Holdout{ID: h.ID}) },
		"unmarshalable filters": func() { e.emu.Seed(1, posthogtest.Holdout{Filters: []map[string]any{{"x": func() {}}}}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
	if got := e.emu.AddExperiment(1, posthogtest.Experiment{Name: "next"}); got.ID != 6 {
		t.Errorf("next experiment id %d, want 6", got.ID)
	}
}
