package posthogtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

func seedN(e *env, n int) {
	for i := 0; i < n; i++ {
		e.emu.Seed(1, posthogtest.Holdout{Name: fmt.Sprintf("h%03d", i), Filters: []map[string]any{{"rollout_percentage": 1}}})
	}
}

type pageInfo struct {
	Count          any
	Next, Previous any
	IDs            []any
}

func (e *env) page(path string) pageInfo {
	e.t.Helper()
	r := e.do(call{method: "GET", path: path}).must(e.t, http.StatusOK)
	if got := keys(r.body); !cmp.Equal(got, []string{"count", "next", "previous", "results"}) {
		e.t.Fatalf("list keys %v", got)
	}
	p := pageInfo{Count: get(r.body, "count"), Next: get(r.body, "next"), Previous: get(r.body, "previous"), IDs: []any{}}
	for _, h := range get(r.body, "results").([]any) {
		p.IDs = append(p.IDs, get(h, "id"))
	}
	return p
}

func ids(from, to int) []any {
	out := []any{}
	for i := from; i <= to; i++ {
		out = append(out, num(fmt.Sprint(i)))
	}
	return out
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedN(e, 250)
	base := e.srv.URL + holdouts1
	tests := []struct {
		path string
		want pageInfo
	}{
		{holdouts1, pageInfo{num("250"), base + "?limit=100&offset=100", nil, ids(1, 100)}},
		{holdouts1 + "?limit=100", pageInfo{num("250"), base + "?limit=100&offset=100", nil, ids(1, 100)}},
		{holdouts1 + "?limit=100&offset=100", pageInfo{num("250"), base + "?limit=100&offset=200", base + "?limit=100", ids(101, 200)}},
		{holdouts1 + "?limit=100&offset=200", pageInfo{num("250"), nil, base + "?limit=100&offset=100", ids(201, 250)}},
		{holdouts1 + "?offset=50&limit=100", pageInfo{num("250"), base + "?limit=100&offset=150", base + "?limit=100", ids(51, 150)}},
		{holdouts1 + "?limit=10&offset=245", pageInfo{num("250"), nil, base + "?limit=10&offset=235", ids(246, 250)}},
		{holdouts1 + "?limit=1000", pageInfo{num("250"), nil, nil, ids(1, 250)}},
		{holdouts1 + "?limit=abc", pageInfo{num("250"), base + "?limit=100&offset=100", nil, ids(1, 100)}},
		{holdouts1 + "?limit=0", pageInfo{num("250"), base + "?limit=100&offset=100", nil, ids(1, 100)}},
		{holdouts1 + "?limit=-5", pageInfo{num("250"), base + "?limit=100&offset=100", nil, ids(1, 100)}},
		{holdouts1 + "?limit=+2_0", pageInfo{num("250"), base + "?limit=20&offset=20", nil, ids(1, 20)}},
		{holdouts1 + "?limit=5&limit=3", pageInfo{num("250"), base + "?limit=3&offset=3", nil, ids(1, 3)}},
		{holdouts1 + "?offset=abc&limit=2", pageInfo{num("250"), base + "?limit=2&offset=2", nil, ids(1, 2)}},
		{holdouts1 + "?offset=-1&limit=2", pageInfo{num("250"), base + "?limit=2&offset=2", nil, ids(1, 2)}},
		{holdouts1 + "?offset=999&limit=100", pageInfo{num("250"), nil, base + "?limit=100&offset=899", []any{}}},
		// A huge offset is fine: past the end, nothing is queried.
		{holdouts1 + "?offset=99999999999999999999&limit=9223372036854775808", pageInfo{num("250"), nil,
			base + "?limit=9223372036854775808&offset=90776627963145224191", []any{}}},
		// Other parameters survive, and the query is sorted by name.
		{holdouts1 + "?z=1&limit=100&a=b+c&flag", pageInfo{num("250"), base + "?a=b+c&flag=&limit=100&offset=100&z=1", nil, ids(1, 100)}},
		// The path is echoed as requested.
		{"/api/projects/1/experiment_holdouts?limit=200", pageInfo{num("250"), e.srv.URL + "/api/projects/1/experiment_holdouts?limit=200&offset=200", nil, ids(1, 200)}},
		{"/api/projects/@current/experiment_holdouts/?limit=200", pageInfo{num("250"), e.srv.URL + "/api/projects/@current/experiment_holdouts/?limit=200&offset=200", nil, ids(1, 200)}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			if d := cmp.Diff(tc.want, e.page(tc.path)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestPaginationEmpty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := pageInfo{num("0"), nil, nil, []any{}}
	if d := cmp.Diff(want, e.page(holdouts1)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// With no rows nothing is queried, so even a limit PostgreSQL
	// refuses is fine.
	if d := cmp.Diff(want, e.page(holdouts1+"?limit=9223372036854775808")); d != "" {
		t.Errorf("huge limit, no rows (-want +got):\n%s", d)
	}
}

// TestPaginationLimitOverflow: PostHog sets no maximum limit, but
// PostgreSQL refuses a LIMIT that is not a bigint: a 500.
func TestPaginationLimitOverflow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedN(e, 1)
	serverError := errorBody{"server_error", "error", "A server error occurred.", nil}
	e.do(call{method: "GET", path: holdouts1 + "?limit=9223372036854775808"}).checkError(t, 500, serverError)
	e.do(call{method: "GET", path: "/api/projects/1/experiments/?limit=99999999999999999999"}).must(t, 200) // no experiments
	e.emu.AddExperiment(1, posthogtest.Experiment{Name: "x"})
	e.do(call{method: "GET", path: "/api/projects/1/experiments/?limit=99999999999999999999"}).checkError(t, 500, serverError)
	e.page(holdouts1 + "?limit=9223372036854775807")
}

// walk follows next links from path and returns every id seen.
func (e *env) walk(path string) []any {
	var all []any
	for path != "" {
		p := e.page(path)
		all = append(all, p.IDs...)
		path = ""
		if next, ok := p.Next.(string); ok {
			path = next[len(e.srv.URL):]
		}
	}
	return all
}

func TestShuffle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedN(e, 250)
	e.emu.SetShuffle(42)
	first := e.walk(holdouts1 + "?limit=100")
	if len(first) != 250 {
		t.Fatalf("walked %d rows, want 250", len(first))
	}
	sorted := slices.Clone(first)
	slices.SortFunc(sorted, func(a, b any) int {
		x, _ := a.(json.Number).Int64()
		y, _ := b.(json.Number).Int64()
		return int(x - y)
	})
	if d := cmp.Diff(ids(1, 250), sorted); d != "" {
		t.Fatalf("shuffled pages do not hold every row exactly once (-want +got):\n%s", d)
	}
	if cmp.Equal(first, ids(1, 250)) {
		t.Fatal("SetShuffle(42) kept id order")
	}
	if again := e.walk(holdouts1 + "?limit=7"); !cmp.Equal(first, again) {
		t.Error("order changed between walks with the same state")
	}
	other := newEnv(t)
	seedN(other, 250)
	other.emu.SetShuffle(42)
	if !cmp.Equal(first, other.walk(holdouts1)) {
		t.Error("the same seed gave another order in another emulator")
	}
	other.emu.SetShuffle(43)
	if cmp.Equal(first, other.walk(holdouts1)) {
		t.Error("seeds 42 and 43 gave the same order")
	}
	e.emu.SetShuffle(0)
	if got := e.walk(holdouts1); !cmp.Equal(got, ids(1, 250)) {
		t.Error("SetShuffle(0) did not restore id order")
	}
	// Holdouts() stays sorted by id whatever the list order.
	e.emu.SetShuffle(42)
	hs := e.emu.Holdouts(1)
	if !slices.IsSortedFunc(hs, func(a, b posthogtest.Holdout) int { return int(a.ID - b.ID) }) {
		t.Error("Holdouts is not sorted by id under shuffle")
	}
}

func TestReorderEachList(t *testing.T) {
	t.Parallel()
	sortedIDs := func(v []any) []any {
		s := slices.Clone(v)
		slices.SortFunc(s, func(a, b any) int {
			x, _ := a.(json.Number).Int64()
			y, _ := b.(json.Number).Int64()
			return int(x - y)
		})
		return s
	}
	run := func(seed int64) (full1, full2, walked []any) {
		e := newEnv(t)
		seedN(e, 50)
		e.emu.SetReorderEachList(seed)
		full1 = e.page(holdouts1 + "?limit=50").IDs
		full2 = e.page(holdouts1 + "?limit=50").IDs
		walked = e.walk(holdouts1 + "?limit=10")
		return full1, full2, walked
	}
	a1, a2, walked := run(7)
	for _, got := range [][]any{a1, a2} {
		if d := cmp.Diff(ids(1, 50), sortedIDs(got)); d != "" {
			t.Fatalf("one list request does not hold every row once (-want +got):\n%s", d)
		}
	}
	if cmp.Equal(a1, a2) || cmp.Equal(a1, ids(1, 50)) {
		t.Errorf("two list requests saw the same order, or id order: %v / %v", a1, a2)
	}
	// Pages of one listing come from different orders: rows repeat and
	// others are missed, as with PostgreSQL changing plans.
	if len(walked) != 50 || cmp.Equal(sortedIDs(walked), ids(1, 50)) {
		t.Errorf("a paged walk saw every row exactly once: %v", walked)
	}
	b1, b2, bw := run(7)
	if !cmp.Equal(a1, b1) || !cmp.Equal(a2, b2) || !cmp.Equal(walked, bw) {
		t.Error("the same seed gave other orders in another emulator")
	}
	if c1, _, _ := run(8); cmp.Equal(a1, c1) {
		t.Error("seeds 7 and 8 gave the same order")
	}

	// The experiments list is reordered too; seed 0 restores the lists'
	// own order.
	e := newEnv(t)
	seedN(e, 20)
	for i := 0; i < 20; i++ {
		e.emu.AddExperiment(1, posthogtest.Experiment{Name: fmt.Sprint(i), CreatedAt: time.Unix(int64(1000-i), 0)})
	}
	e.emu.SetReorderEachList(3)
	x1 := resultIDs(e.do(call{method: "GET", path: "/api/projects/1/experiments/"}).body)
	x2 := resultIDs(e.do(call{method: "GET", path: "/api/projects/1/experiments/"}).body)
	if cmp.Equal(x1, x2) {
		t.Errorf("two experiments list requests saw the same order %v", x1)
	}
	e.emu.SetReorderEachList(0)
	if got := e.walk(holdouts1); !cmp.Equal(got, ids(1, 20)) {
		t.Errorf("SetReorderEachList(0) left holdouts in order %v", got)
	}
	x := resultIDs(e.do(call{method: "GET", path: "/api/projects/1/experiments/"}).body)
	if want := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}; !cmp.Equal(x, want) {
		t.Errorf("SetReorderEachList(0) left experiments in order %v", x)
	}
}
