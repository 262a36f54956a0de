package posthogtest_test

import (
	"fmt"
	"net/http"
	"strings"
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
	at := func(h int) time.Time { return start.Add(time.Duration(h) * time.Hour) }
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "draft", Status: "draft", CreatedAt: at(1)})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "running", StartDate: &start, HoldoutID: h.ID, CreatedAt: at(2)})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "stopped", StartDate: &start, EndDate: &end, Archived: true, CreatedAt: at(3)})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "deleted", Deleted: true, CreatedAt: at(4)})
	e.emu.AddExperiment(2, posthogtest.Experiment{Name: "elsewhere", CreatedAt: at(5)})

	// Newest first; archived and deleted experiments are not listed.
	r := e.do(call{method: "GET", path: "/api/projects/1/experiments/?limit=1"}).must(t, http.StatusOK)
	if got := get(r.body, "count"); got != num("2") {
		t.Errorf("count %v, want 2", got)
	}
	if got := get(r.body, "next"); got != e.srv.URL+"/api/projects/1/experiments/?limit=1&offset=1" {
		t.Errorf("next %v", got)
	}
	type item struct {
		ID, Name, Start, End, Key, Holdout, Archived, Deleted, Status, Active any
		Exclusion                                                             any
	}
	summarise := func(x any) item {
		return item{
			ID: get(x, "id"), Name: get(x, "name"), Start: get(x, "start_date"), End: get(x, "end_date"),
			Key: get(x, "feature_flag_key"), Holdout: get(x, "holdout", "name"), Archived: get(x, "archived"),
			Deleted: get(x, "deleted"), Status: get(x, "status"), Active: get(x, "feature_flag", "active"),
			Exclusion: get(x, "feature_flag", "filters", "holdout", "exclusion_percentage"),
		}
	}
	list := func(query string) []item {
		t.Helper()
		var out []item
		for path := "/api/projects/1/experiments/" + query; path != ""; {
			r := e.do(call{method: "GET", path: path}).must(t, http.StatusOK)
			for _, x := range get(r.body, "results").([]any) {
				out = append(out, summarise(x))
			}
			next, _ := get(r.body, "next").(string)
			path = strings.TrimPrefix(next, e.srv.URL)
		}
		return out
	}
	running := item{ID: num("2"), Name: "running", Start: "2026-01-02T03:04:05.600000Z", Key: "experiment-2", Holdout: "h",
		Archived: false, Deleted: false, Status: "running", Active: true, Exclusion: num("7.5")}
	draft := item{ID: num("1"), Name: "draft", Key: "experiment-1", Archived: false, Deleted: false, Status: "draft", Active: true}
	stopped := item{ID: num("3"), Name: "stopped", Start: "2026-01-02T03:04:05.600000Z", End: "2026-01-03T03:04:05.600000Z",
		Key: "experiment-3", Archived: true, Deleted: false, Status: "stopped", Active: true}
	for query, want := range map[string][]item{
		"?limit=1":        {running, draft},
		"?archived=true":  {stopped}, // only the archived ones
		"?archived=TRUE":  {stopped},
		"?archived=false": {running, draft},
		"?archived=1":     {running, draft}, // only "true" means true
		"?archived=":      {running, draft},
	} {
		if d := cmp.Diff(want, list(query)); d != "" {
			t.Errorf("experiments%s (-want +got):\n%s", query, d)
		}
	}

	// The nested holdout is the full holdout object, read back from storage.
	nested := resultByID(t, e.do(call{method: "GET", path: "/api/projects/1/experiments/"}).body, 2)
	one := e.do(call{method: "GET", path: holdouts1 + "1/"}).must(t, http.StatusOK).body
	if d := cmp.Diff(one, get(nested, "holdout")); d != "" {
		t.Errorf("nested holdout differs from retrieve (-retrieve +nested):\n%s", d)
	}
	// A holdout's filters change shows in the flag of its experiments.
	e.do(call{method: "PATCH", path: holdouts1 + "1/", body: `{"filters":[{"rollout_percentage":12}]}`}).must(t, http.StatusOK)
	r = e.do(call{method: "GET", path: "/api/projects/1/experiments/"}).must(t, http.StatusOK)
	if got := get(resultByID(t, r.body, 2), "feature_flag", "filters", "holdout", "exclusion_percentage"); got != num("12") {
		t.Errorf("exclusion after PATCH %v, want 12", got)
	}

	want2 := []posthogtest.Experiment{{ID: 5, Name: "elsewhere", CreatedAt: at(5), UpdatedAt: at(5)}}
	if d := cmp.Diff(want2, e.emu.Experiments(2)); d != "" {
		t.Errorf("Experiments(2) (-want +got):\n%s", d)
	}
	if got := len(e.emu.Experiments(1)); got != 4 {
		t.Errorf("Experiments(1) has %d, want all 4 (archived and deleted included)", got)
	}
}

func TestExperimentStatuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	tests := []struct {
		x      posthogtest.Experiment
		status string
		active bool
	}{
		{posthogtest.Experiment{Name: "derived draft"}, "draft", true},
		{posthogtest.Experiment{Name: "derived running", StartDate: &start}, "running", true},
		{posthogtest.Experiment{Name: "derived stopped", StartDate: &start, EndDate: &end}, "stopped", true},
		{posthogtest.Experiment{Name: "paused", StartDate: &start, Status: posthogtest.StatusPaused}, "paused", false},
		{posthogtest.Experiment{Name: "frozen", StartDate: &start, Status: posthogtest.StatusExposureFrozen}, "exposure_frozen", true},
		{posthogtest.Experiment{Name: "explicit beats dates", StartDate: &start, EndDate: &end, Status: posthogtest.StatusRunning}, "running", true},
		{posthogtest.Experiment{Name: "unknown", StartDate: &start, Status: "launching"}, "launching", true},
	}
	for i, tc := range tests {
		tc.x.CreatedAt = start.Add(time.Duration(-i) * time.Minute) // list order = table order
		e.emu.AddExperiment(1, tc.x)
	}
	body := e.do(call{method: "GET", path: "/api/projects/1/experiments/"}).must(t, http.StatusOK).body
	for i, tc := range tests {
		x := get(body, "results", i)
		if got := get(x, "status"); get(x, "name") != tc.x.Name || got != tc.status {
			t.Errorf("%s: status %v, want %q", tc.x.Name, got, tc.status)
		}
		if got := get(x, "feature_flag", "active"); got != tc.active {
			t.Errorf("%s: feature_flag.active %v, want %v", tc.x.Name, got, tc.active)
		}
	}
	// ?status= filters as PostHog's filter_experiments_queryset does, on
	// the stored status (draft, running, stopped) and the flag's active:
	// running is launched, not ended and its flag on, exposure-frozen
	// ones included; paused is the same with the flag off; "complete"
	// means stopped; any other value, exposure_frozen included, filters
	// nothing (it is no ExperimentQueryStatus).
	for query, want := range map[string][]string{
		"status=running":         {"2", "5", "6"},
		"status=PAUSED":          {"4"},
		"status=exposure_frozen": {"1", "2", "3", "4", "5", "6", "7"},
		"status=complete":        {"3"},
		"status=stopped":         {"3"},
		"status=draft":           {"1"},
		"status=all":             {"1", "2", "3", "4", "5", "6", "7"},
		"status=launching":       {"1", "2", "3", "4", "5", "6", "7"},
	} {
		got := resultIDs(e.do(call{method: "GET", path: "/api/projects/1/experiments/?" + query}).must(t, http.StatusOK).body)
		if !cmp.Equal(got, want) {
			t.Errorf("?%s lists %v, want %v", query, got, want)
		}
	}
}

func TestExperimentsSearchAndOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	day := func(d int) *time.Time { t := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &t }
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "beta", StartDate: day(3), CreatedAt: *day(1)})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "Alpha checkout", CreatedAt: *day(2)})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "gamma CHECKOUT", StartDate: day(1), CreatedAt: *day(1)})
	for query, want := range map[string][]string{
		"":                        {"2", "1", "3"}, // -created_at, then id
		"search=checkout":         {"2", "3"},
		"order=name":              {"2", "1", "3"},
		"order=-name":             {"3", "1", "2"},
		"order=created_at":        {"1", "3", "2"},
		"order=start_date":        {"3", "1", "2"}, // NULL last
		"order=-start_date":       {"2", "1", "3"}, // NULL first
		"search=CHECK&order=name": {"2", "3"},
	} {
		got := resultIDs(e.do(call{method: "GET", path: "/api/projects/1/experiments/?" + query}).must(t, http.StatusOK).body)
		if !cmp.Equal(got, want) {
			t.Errorf("?%s lists %v, want %v", query, got, want)
		}
	}
	e.do(call{method: "GET", path: "/api/projects/1/experiments/?order=id"}).
		checkError(t, http.StatusBadRequest, validation("invalid_input", "Invalid order field: 'id'", nil))
}

// TestFlagSaves checks PostHog's trigger for rewriting the flags of the
// experiments using a holdout: filters sent that differ from the stored
// ones, which hold the server's variant.
func TestFlagSaves(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	h := e.emu.Seed(1, posthogtest.Holdout{Name: "h", Filters: []map[string]any{{"rollout_percentage": 10, "properties": []any{}}}})
	other := e.emu.Seed(1, posthogtest.Holdout{Name: "other", Filters: []map[string]any{{"rollout_percentage": 10}}})
	linked := []posthogtest.Experiment{
		{Name: "draft", HoldoutID: h.ID},
		{Name: "running", StartDate: &start, HoldoutID: h.ID},
		{Name: "stopped", StartDate: &start, EndDate: &start, HoldoutID: h.ID},
		{Name: "archived", Archived: true, HoldoutID: h.ID},
		{Name: "deleted", Deleted: true, HoldoutID: h.ID},
	}
	for _, x := range linked {
		e.emu.AddExperiment(1, x)
	}
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "uses other", HoldoutID: other.ID})
	saves := func() []int {
		var out []int
		for _, x := range e.emu.Experiments(1) {
			out = append(out, x.FlagSaves)
		}
		return out
	}
	path := holdouts1 + fmt.Sprint(h.ID) + "/"
	steps := []struct {
		name, method, body string
		want               []int
	}{
		{"rename", "PATCH", `{"name":"renamed","description":"d"}`, []int{0, 0, 0, 0, 0, 0}},
		{"same filters with the variant, 10.0 and another key order", "PATCH",
			`{"filters":[{"variant":"holdout-1","properties":[],"rollout_percentage":10.0}]}`, []int{0, 0, 0, 0, 0, 0}},
		{"PUT with the same filters", "PUT",
			`{"name":"renamed","filters":[{"rollout_percentage":10,"properties":[],"variant":"holdout-1"}]}`, []int{0, 0, 0, 0, 0, 0}},
		{"same filters without the variant", "PATCH", `{"filters":[{"rollout_percentage":10,"properties":[]}]}`, []int{1, 1, 1, 1, 1, 0}},
		{"a new percentage", "PATCH", `{"filters":[{"rollout_percentage":20,"variant":"holdout-1"}]}`, []int{2, 2, 2, 2, 2, 0}},
		{"invalid filters", "PATCH", `{"filters":[]}`, []int{2, 2, 2, 2, 2, 0}},
	}
	for _, s := range steps {
		e.do(call{method: s.method, path: path, body: s.body})
		if got := saves(); !cmp.Equal(got, s.want) {
			t.Errorf("after %s: flag saves %v, want %v", s.name, got, s.want)
		}
	}
	e.do(call{method: "DELETE", path: path}).must(t, http.StatusNoContent)
	if got, want := saves(), []int{3, 3, 3, 3, 3, 0}; !cmp.Equal(got, want) {
		t.Errorf("after delete: flag saves %v, want %v", got, want)
	}
}

func TestFlagSavesOnApprovedChange(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t)
	e.emu.AddExperiment(2, posthogtest.Experiment{Name: "x", HoldoutID: 50})
	e.do(call{method: "PATCH", path: "/api/projects/2/experiment_holdouts/50/", body: `{"filters":[{"rollout_percentage":20}]}`}).must(t, http.StatusConflict)
	if n := e.emu.Experiments(2)[0].FlagSaves; n != 0 {
		t.Fatalf("a held-back change saved the flag %d times", n)
	}
	if err := e.emu.Approve(e.emu.ChangeRequests()[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := e.emu.Experiments(2)[0].FlagSaves; n != 1 {
		t.Errorf("approved change saved the flag %d times, want 1", n)
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

// ?order= accepts what PostHog's EXPERIMENT_ORDER_ALLOWLIST holds:
// duration (end - start, or now - start while not ended; NULL for a
// draft) and status (draft, then launched, then ended, by the dates) are
// computed; updated_at is the time of the experiment's last save, not of
// its creation.
func TestExperimentsOrderComputed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	e.emu.SetClock(func() time.Time { return now })
	day := func(d int) *time.Time { t := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &t }
	// 1: ended after 9 days. 2: draft. 3: running since Jan 20 (40 days).
	// 4: ended after 2 days, exposure frozen by its status alone. 5: running
	// since Feb 25 (4 days).
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "a", StartDate: day(1), EndDate: day(10), CreatedAt: *day(1), UpdatedAt: *day(28)})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "b", CreatedAt: *day(2)})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "c", StartDate: day(20), CreatedAt: *day(3), UpdatedAt: *day(4)})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "d", StartDate: day(5), EndDate: day(7), CreatedAt: *day(4), UpdatedAt: *day(30)})
	feb25 := time.Date(2026, 2, 25, 0, 0, 0, 0, time.UTC)
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "e", StartDate: &feb25, Status: posthogtest.StatusExposureFrozen, CreatedAt: *day(5)})
	for query, want := range map[string][]string{
		"order=duration":    {"4", "5", "1", "3", "2"}, // 2d, 4d, 9d, 40d, NULL last
		"order=-duration":   {"2", "3", "1", "5", "4"}, // NULL first
		"order=status":      {"2", "3", "5", "1", "4"}, // draft, launched, ended; ties by id
		"order=-status":     {"1", "4", "3", "5", "2"},
		"order=updated_at":  {"2", "3", "5", "1", "4"}, // b and e never saved again: created_at
		"order=-updated_at": {"4", "1", "5", "3", "2"},
	} {
		got := resultIDs(e.do(call{method: "GET", path: "/api/projects/1/experiments/?" + query}).must(t, http.StatusOK).body)
		if !cmp.Equal(got, want) {
			t.Errorf("?%s lists %v, want %v", query, got, want)
		}
	}
	body := e.do(call{method: "GET", path: "/api/projects/1/experiments/?order=name"}).must(t, http.StatusOK).body
	if got := get(body, "results", 0, "updated_at"); got != "2026-01-28T00:00:00Z" {
		t.Errorf("updated_at served %v, want the experiment's UpdatedAt", got)
	}
	if got := get(body, "results", 1, "updated_at"); got != get(body, "results", 1, "created_at") {
		t.Errorf("updated_at of an experiment never saved again %v, want its created_at", got)
	}
	if got := e.emu.Experiments(1)[1].UpdatedAt; !got.Equal(*day(2)) {
		t.Errorf("Experiments: UpdatedAt %v, want the creation time", got)
	}
}

// An experiment PostHog's access control hides from the key's user is not
// listed, archived or not, yet a change of its holdout's filters or the
// holdout's deletion rewrites its flag, as for a deleted one.
func TestExperimentsHiddenByAccessControl(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	h := e.emu.Seed(1, posthogtest.Holdout{Name: "h", Filters: []map[string]any{{"rollout_percentage": 10}}})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "seen", StartDate: &start, HoldoutID: h.ID})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "hidden", StartDate: &start, HoldoutID: h.ID, HiddenByAccessControl: true})
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "hidden archived", HoldoutID: h.ID, Archived: true, HiddenByAccessControl: true})
	for _, query := range []string{"", "?archived=true", "?status=running", "?search=hidden"} {
		r := e.do(call{method: "GET", path: "/api/projects/1/experiments/" + query}).must(t, http.StatusOK)
		for _, id := range resultIDs(r.body) {
			if id != "1" {
				t.Errorf("experiments%s lists hidden experiment %s", query, id)
			}
		}
		if n := get(r.body, "count"); query == "" && n != num("1") {
			t.Errorf("count %v, want 1: the hidden experiments are not counted", n)
		}
	}
	e.do(call{method: "PATCH", path: holdouts1 + fmt.Sprint(h.ID) + "/", body: `{"filters":[{"rollout_percentage":20}]}`}).must(t, http.StatusOK)
	for _, x := range e.emu.Experiments(1) {
		if x.FlagSaves != 1 {
			t.Errorf("%s: flag saved %d times, want 1", x.Name, x.FlagSaves)
		}
	}
}
