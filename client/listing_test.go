package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// drfAnswer answers r as DRF's LimitOffsetPagination does over rows, with
// max_limit maxLimit (0 for none, as on PostHog today): a larger limit is
// cut to it silently, and the next link carries the cut limit.
func drfAnswer(w http.ResponseWriter, r *http.Request, rows []map[string]any, maxLimit int) {
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit <= 0 {
		limit = 100
	}
	if maxLimit > 0 {
		limit = min(limit, maxLimit)
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	end := min(offset+limit, len(rows))
	var next any
	if offset+limit < len(rows) {
		next = fmt.Sprintf("https://us.posthog.com%s?limit=%d&offset=%d", r.URL.Path, limit, offset+limit)
	}
	writeJSON(w, 200, map[string]any{"count": len(rows), "next": next, "previous": nil, "results": append([]map[string]any{}, rows[min(offset, len(rows)):end]...)})
}

// counted serves rows, counting requests; rows gets the request's number
// (1 for the first).
func counted(rec *recorder, maxLimit int, rows func(n int) []map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := rec.count() + 1
		rec.add(r)
		drfAnswer(w, r, rows(n), maxLimit)
	}
}

func pageQueries(rec *recorder) []string {
	var q []string
	for _, r := range rec.all() {
		q = append(q, r.Query)
	}
	return q
}

// A plan of N holdouts costs ceil(N/page size) list requests.
func TestListRequestCount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		items int
		opts  []Option
		want  int
	}{
		{0, nil, 1}, {1, nil, 1}, {1000, nil, 1}, {1001, nil, 2}, {10_000, nil, 10},
		{10_000, []Option{WithPageSize(100)}, 100}, {999, []Option{WithPageSize(100)}, 10},
	} {
		var rec recorder
		items := holdoutItems(tt.items)
		srv := newServer(t, counted(&rec, 0, func(int) []map[string]any { return items }))
		hs, err := newClient(t, srv.URL, tt.opts...).List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != tt.items || rec.count() != tt.want {
			t.Errorf("%d holdouts: got %d in %d requests, want all in %d", tt.items, len(hs), rec.count(), tt.want)
		}
	}
}

// After the first page, the others are read at once, at most
// listInFlight at a time: a listing takes two round trips when it can,
// and never more than it needs.
func TestListReadsPagesAtOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		pages int // pages of 100
		most  int // requests in flight at once
	}{
		{"all the pages after the first at once", 20, 19},
		{"more pages than are read at once", listInFlight + 3, listInFlight},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items := holdoutItems(100 * tt.pages)
			var inFlight, most atomic.Int32
			var arrived sync.WaitGroup
			arrived.Add(tt.most)
			all := make(chan struct{})
			go func() { arrived.Wait(); close(all) }()
			var waiting atomic.Int32
			var rec recorder
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				rec.add(r)
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				if r.URL.Query().Get("offset") != "" && waiting.Add(1) <= int32(tt.most) {
					arrived.Done()
					select {
					case <-all: // tt.most pages are being read at once
					case <-time.After(5 * time.Second):
						t.Error("pages were not read at the same time")
					}
				}
				drfAnswer(w, r, items, 0)
			})
			hs, err := newClient(t, srv.URL, WithPageSize(100)).List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(seq(len(items)), ids(hs)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if m := most.Load(); m != int32(tt.most) {
				t.Errorf("at most %d requests in flight, want %d", m, tt.most)
			}
			if n := rec.count(); n != tt.pages {
				t.Errorf("%d requests, want %d", n, tt.pages)
			}
		})
	}
}

// PostHog's list has no ORDER BY: between two page reads the database
// may return rows in another order, without any write. The pass that saw
// it is read again, and every holdout is seen exactly once.
func TestListReordersWithoutWrites(t *testing.T) {
	t.Parallel()
	items := holdoutItems(300)
	reversed := make([]map[string]any, len(items))
	for i, it := range items {
		reversed[len(items)-1-i] = it
	}
	var rec recorder
	// The first pass's later pages see the rows reversed: page 2 repeats
	// nothing of page 1 and page 3 repeats page 1, so rows 201-300 are
	// never seen.
	srv := newServer(t, counted(&rec, 0, func(n int) []map[string]any {
		if n == 2 || n == 3 {
			return reversed
		}
		return items
	}))
	hs, err := newClient(t, srv.URL, WithPageSize(100)).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seq(300), ids(hs)); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if n := rec.count(); n != 6 {
		t.Errorf("%d requests, want 6: the list read twice", n)
	}
}

// A row created between two page reads moves every row after it: the
// count changes, and the list is read again.
func TestListRowInsertedBetweenPages(t *testing.T) {
	t.Parallel()
	items := holdoutItems(300)
	grown := append([]map[string]any{{"id": 301, "name": "new"}}, items...)
	var rec recorder
	srv := newServer(t, counted(&rec, 0, func(n int) []map[string]any {
		if n == 1 {
			return items
		}
		return grown
	}))
	hs, err := newClient(t, srv.URL, WithPageSize(100)).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seq(301), ids(hs)); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if n := rec.count(); n < 5 {
		t.Errorf("%d requests: the pass that saw the count move was not read again", n)
	}
}

// A PostHog that sets max_limit cuts the first page silently and names
// the cut size in its next link: the rest is read at that size, down to
// PostHog's own 100.
func TestListAcceptsAServerThatCutsThePageSize(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		maxLimit int
		opts     []Option
		want     []string
	}{
		{"cut to 250", 250, nil, []string{"limit=1000", "limit=250&offset=250", "limit=250&offset=500", "limit=250&offset=750"}},
		{"cut to PostHog's 100", 100, []Option{WithPageSize(300)}, []string{"limit=300", "limit=100&offset=100", "limit=100&offset=200", "limit=100&offset=300", "limit=100&offset=400", "limit=100&offset=500", "limit=100&offset=600", "limit=100&offset=700", "limit=100&offset=800", "limit=100&offset=900"}},
		{"a small size asked for", 30, []Option{WithPageSize(30)}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rec recorder
			items := holdoutItems(1000)
			srv := newServer(t, counted(&rec, tt.maxLimit, func(int) []map[string]any { return items }))
			hs, err := newClient(t, srv.URL, tt.opts...).List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(seq(1000), ids(hs)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				return
			}
			q := pageQueries(&rec)
			sortQueries(q[1:])
			if diff := cmp.Diff(tt.want, q); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func sortQueries(q []string) {
	for i := range q {
		for j := i + 1; j < len(q); j++ {
			if len(q[j]) < len(q[i]) || len(q[j]) == len(q[i]) && q[j] < q[i] {
				q[i], q[j] = q[j], q[i]
			}
		}
	}
}

// Next links that would make a listing slow or wrong are refused after
// the page that carries them: a hostile server handing out limit=1 links
// must not turn a listing into thousands of requests.
func TestListRefusesBadNextLinks(t *testing.T) {
	t.Parallel()
	link := func(limit, offset int) string {
		return fmt.Sprintf("https://us.posthog.com/api/projects/1/experiment_holdouts/?limit=%d&offset=%d", limit, offset)
	}
	rows := func(offset, n int) []any {
		var out []any
		for i := range n {
			out = append(out, map[string]any{"id": offset + i + 1})
		}
		return out
	}
	tests := []struct {
		name     string
		pageSize int
		count    any // nil: no count, read page after page
		next     func(offset, limit int) string
		wantReqs int
		want     string
	}{
		{"limit=1", 1000, 5000, func(o, _ int) string { return link(1, o+1) }, 1,
			`cuts pages to 1, fewer than the 1000 asked for and PostHog's own 100: refused`},
		{"limit=1 without a count", 1000, nil, func(o, _ int) string { return link(1, o+1) }, 1, `cuts pages to 1`},
		{"below 100", 1000, 5000, func(o, _ int) string { return link(99, o+99) }, 1, `cuts pages to 99`},
		{"below a smaller size asked for", 50, 5000, func(o, _ int) string { return link(20, o+20) }, 1, `cuts pages to 20, fewer than the 50 asked for`},
		{"larger than asked", 100, 5000, func(o, _ int) string { return link(500, o+500) }, 1, `asks for pages of 500, more than the 100 asked for`},
		{"offset does not advance by the page size", 100, 5000, func(o, _ int) string { return link(100, o+50) }, 1,
			`goes to offset 50, not 100 (this page's offset 0 plus the page size 100)`},
		{"offset skips ahead", 100, nil, func(o, _ int) string { return link(100, o+200) }, 1, `goes to offset 200, not 100`},
		{"limit changes between pages", 100, 1000, func(o, _ int) string {
			switch {
			case o == 0:
				return link(100, 100)
			case o+100 >= 1000:
				return "" // the last page, read at the same time as the others, is right
			}
			return link(200, o+200)
		}, 0, `changes the page size from 100 to 200`},
		{"limit changes between pages, without a count", 100, nil, func(o, _ int) string {
			if o == 0 {
				return link(100, 100)
			}
			return link(200, o+200)
		}, 2, `changes the page size from 100 to 200`},
		{"next link on the last page", 100, 300, func(o, _ int) string { return link(100, o+100) }, 0, `has a next link "https://us.posthog.com/api/projects/1/experiment_holdouts/?limit=100&offset=300", though the list counts 300`},
		{"no next link before the last page", 100, 300, func(o, _ int) string {
			if o == 0 {
				return link(100, 100)
			}
			return ""
		}, 0, `the page at offset 100 has no next link, though the list counts 300`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rec recorder
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				rec.add(r)
				offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
				body := map[string]any{"results": rows(offset, limit)}
				if next := tt.next(offset, limit); next != "" {
					body["next"] = next
				}
				if tt.count != nil {
					body["count"] = tt.count
				}
				writeJSON(w, 200, body)
			})
			_, err := newClient(t, srv.URL, WithPageSize(tt.pageSize)).List(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
			if n := rec.count(); tt.wantReqs > 0 && n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
		})
	}
}

// A list larger than the item limit stops with a *ListLimitError naming
// the limit, however the server sends it.
func TestListItemLimit(t *testing.T) {
	t.Parallel()
	unique := func(offset, n int) []any {
		var out []any
		for i := range n {
			out = append(out, map[string]any{"id": offset + i + 1})
		}
		return out
	}
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		wantReqs int
	}{
		{"count says so", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"count": 501, "next": "https://x/?limit=100&offset=100", "results": unique(0, 100)})
		}, 1},
		{"unique ids forever, no count", func(w http.ResponseWriter, r *http.Request) {
			offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
			writeJSON(w, 200, map[string]any{"next": fmt.Sprintf("https://x/?limit=100&offset=%d", offset+100), "results": unique(offset, 100)})
		}, 6},
		{"a small count and a huge page", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"count": 3, "next": nil, "results": unique(0, 10_000)})
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rec recorder
			srv := newServer(t, script(&rec, tt.handler))
			_, err := newClient(t, srv.URL, WithPageSize(100), WithListLimits(500, 1<<30), WithRetries(3)).List(context.Background())
			var le *ListLimitError
			if !errors.As(err, &le) || le.What != "items" || le.Limit != 500 {
				t.Fatalf("error = %v, want a *ListLimitError for 500 items", err)
			}
			for _, w := range []string{"list holdouts: GET /api/projects/1/experiment_holdouts/: ", "more than 500 items", "raise the limit"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if n := rec.count(); n != tt.wantReqs {
				t.Errorf("%d requests, want %d (a limit is not retried)", n, tt.wantReqs)
			}
		})
	}
}

// The byte limit stops a body that never ends: the page is decoded as it
// arrives, so the client reads no further than the limit.
func TestListByteLimitStopsAnEndlessBody(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"count":1,"next":null,"results":[`))
		chunk := []byte(strings.Repeat(`{"id":1,"name":"same row again and again"},`, 1000))
		for {
			if _, err := w.Write(chunk); err != nil {
				return // the client went away
			}
		}
	})
	_, err := newClient(t, srv.URL, WithListLimits(1000, 1<<20)).List(context.Background())
	var le *ListLimitError
	if !errors.As(err, &le) || le.What != "bytes" || le.Limit != 1<<20 {
		t.Fatalf("error = %v, want a *ListLimitError for 1 MiB", err)
	}
	if !strings.Contains(err.Error(), "more than 1048576 bytes (1 MiB)") {
		t.Errorf("error = %q", err)
	}
}

func TestListLimitsValidated(t *testing.T) {
	t.Parallel()
	for _, opt := range []Option{WithListLimits(0, 1), WithListLimits(1, 0)} {
		if _, err := New("https://us.posthog.com", "1", testKey, opt); err == nil || !strings.Contains(err.Error(), "both must be positive") {
			t.Errorf("error = %v", err)
		}
	}
}

// BenchmarkList reads 10,000 and 50,000 holdouts from a local server with
// bodies encoded in advance, for the client's own time and allocations.
func BenchmarkList(b *testing.B) {
	for _, n := range []int{10_000, 50_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchmarkList(b, n, 0) })
	}
}

// BenchmarkListAtLatency is BenchmarkList from a server that waits 50 ms
// before each answer, as a distant PostHog does: the round trips a
// listing takes show in its time.
func BenchmarkListAtLatency(b *testing.B) {
	for _, n := range []int{10_000, 50_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchmarkList(b, n, 50*time.Millisecond) })
	}
}

func benchmarkList(b *testing.B, n int, latency time.Duration) {
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = map[string]any{"id": i + 1, "name": fmt.Sprintf("holdout-%05d", i), "description": "held out of checkout tests",
			"filters":    []any{map[string]any{"properties": []any{}, "rollout_percentage": 10, "variant": fmt.Sprintf("holdout-%d", i+1)}},
			"created_at": "2026-11-28T01:13:54.492814Z", "updated_at": "2026-11-28T01:13:54.492883Z",
			"created_by": map[string]any{"id": 1, "uuid": "0192", "distinct_id": "x", "first_name": "A", "email": "a@example.com"}}
	}
	bodies := map[string][]byte{}
	for offset := 0; offset < n; offset += defaultPageSize {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", fmt.Sprintf("/api/projects/1/experiment_holdouts/?limit=%d&offset=%d", defaultPageSize, offset), nil)
		drfAnswer(rec, req, rows, 0)
		bodies[strconv.Itoa(offset)] = rec.Body.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		o := r.URL.Query().Get("offset")
		if o == "" {
			o = "0"
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(bodies[o])
	}))
	defer srv.Close()
	c, err := New(srv.URL, "1", testKey, WithBudget(Budget{}))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		hs, err := c.List(context.Background())
		if err != nil || len(hs) != n {
			b.Fatalf("%d holdouts, %v", len(hs), err)
		}
	}
}
