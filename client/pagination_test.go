package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// drfList serves items like DRF's LimitOffsetPagination, with absolute
// next links on nextBase (a host other than the test server, as behind a
// proxy).
func drfList(t *testing.T, rec *recorder, nextBase string, items []map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		if r.Method != http.MethodGet || r.URL.Path != "/api/projects/1/experiment_holdouts/" {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil || limit <= 0 {
			limit = 100
		}
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		end := min(offset+limit, len(items))
		var next any
		if end < len(items) {
			next = fmt.Sprintf("%s/api/projects/1/experiment_holdouts/?limit=%d&offset=%d", nextBase, limit, end)
		}
		results := append([]map[string]any{}, items[min(offset, len(items)):end]...)
		writeJSON(w, 200, map[string]any{"count": len(items), "next": next, "previous": nil, "results": results})
	}
}

var (
	json10 = json.Number("10")
	json55 = json.Number("5.5")
)

func holdoutItems(n int) []map[string]any {
	var items []map[string]any
	for i := 1; i <= n; i++ {
		items = append(items, map[string]any{"id": i, "name": fmt.Sprintf("h%d", i), "filters": []any{map[string]any{"rollout_percentage": 1}}})
	}
	return items
}

func ids(hs []Holdout) []int64 {
	var out []int64
	for _, h := range hs {
		out = append(out, h.ID)
	}
	slices.Sort(out)
	return out
}

func seq(n int) []int64 {
	var out []int64
	for i := 1; i <= n; i++ {
		out = append(out, int64(i))
	}
	return out
}

func TestListPagination(t *testing.T) {
	tests := []struct {
		name      string
		items     int
		opts      []Option
		wantQuery []string
	}{
		{name: "2500 over 3 pages", items: 2500, wantQuery: []string{"limit=1000", "limit=1000&offset=1000", "limit=1000&offset=2000"}},
		{name: "exactly one page", items: 1000, wantQuery: []string{"limit=1000"}},
		{name: "empty", items: 0, wantQuery: []string{"limit=1000"}},
		{name: "page size 120", items: 250, opts: []Option{WithPageSize(120)}, wantQuery: []string{"limit=120", "limit=120&offset=120", "limit=120&offset=240"}},
		{name: "page size 100, 20 pages", items: 1950, opts: []Option{WithPageSize(100)}, wantQuery: func() []string {
			q := []string{"limit=100"}
			for o := 100; o < 1950; o += 100 {
				q = append(q, fmt.Sprintf("limit=100&offset=%d", o))
			}
			return q
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			// PostHog behind a proxy names itself with http:// and its
			// public host: the client must stay on its own base URL.
			srv := newServer(t, drfList(t, &rec, "http://us.posthog.com", holdoutItems(tt.items)))
			hs, err := newClient(t, srv.URL, tt.opts...).List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(seq(tt.items), ids(hs)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			var queries []string
			for _, r := range rec.all() {
				queries = append(queries, r.Query)
			}
			// The first page comes first; the others are read at once.
			slices.SortFunc(queries[1:], func(a, b string) int {
				if len(a) != len(b) {
					return len(a) - len(b)
				}
				return strings.Compare(a, b)
			})
			if diff := cmp.Diff(tt.wantQuery, queries); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListNextToOtherHostNotFollowed(t *testing.T) {
	var evil recorder
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		evil.add(r)
		writeJSON(w, 200, map[string]any{"next": nil, "results": []any{map[string]any{"id": 666}}})
	})
	for _, nextBase := range []string{other.URL, strings.Replace(other.URL, "http://", "https://", 1), "http://evil.example", "//evil.example"} {
		t.Run(nextBase, func(t *testing.T) {
			var rec recorder
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				rec.add(r)
				if r.URL.Query().Get("offset") == "" {
					writeJSON(w, 200, map[string]any{"next": nextBase + "/elsewhere/?limit=100&offset=100&format=api", "results": []any{map[string]any{"id": 1}}})
					return
				}
				writeJSON(w, 200, map[string]any{"next": nil, "results": []any{map[string]any{"id": 2}}})
			})
			hs, err := newClient(t, srv.URL).List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int64{1, 2}, ids(hs)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			reqs := rec.all()
			if len(reqs) != 2 {
				t.Fatalf("our server got %d requests, want 2", len(reqs))
			}
			if got, want := reqs[1].Path+"?"+reqs[1].Query, "/api/projects/1/experiment_holdouts/?limit=100&offset=100"; got != want {
				t.Errorf("second request = %q, want %q (our path, only limit and offset of next)", got, want)
			}
			if n := evil.count(); n != 0 {
				t.Errorf("the host named in next got %d requests, want 0", n)
			}
		})
	}
}

func TestListDedupe(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "" {
			writeJSON(w, 200, map[string]any{"next": "https://us.posthog.com/api/projects/1/experiment_holdouts/?limit=2&offset=2",
				"results": []any{map[string]any{"id": 2, "name": "b"}, map[string]any{"id": 1, "name": "a"}}})
			return
		}
		// A row shifted across the page boundary arrives twice.
		writeJSON(w, 200, map[string]any{"next": nil, "results": []any{map[string]any{"id": 1, "name": "a-again"}, map[string]any{"id": 3, "name": "c"}}})
	})
	hs, err := newClient(t, srv.URL, WithPageSize(2)).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Holdout{{ID: 2, Name: "b"}, {ID: 1, Name: "a"}, {ID: 3, Name: "c"}}
	if diff := cmp.Diff(want, hs); diff != "" {
		t.Errorf("holdouts (-want +got):\n%s", diff)
	}
}

func TestListLoopAndRunaway(t *testing.T) {
	tests := []struct {
		name     string
		next     func(offset int) string
		maxPages int
		wantReqs int
		wantErr  string
	}{
		{name: "next repeats itself", next: func(int) string {
			return "https://us.posthog.com/api/projects/1/experiment_holdouts/?offset=100&limit=100"
		},
			wantReqs: 2, wantErr: `pagination loop: next link "https://us.posthog.com/api/projects/1/experiment_holdouts/?offset=100&limit=100" asks again for "?limit=100&offset=100"`},
		{name: "next back to the first page", next: func(int) string {
			return "https://us.posthog.com/api/projects/1/experiment_holdouts/?limit=100&offset=0"
		},
			wantReqs: 1, wantErr: "pagination loop"},
		{name: "cycle of two", next: func(o int) string {
			return fmt.Sprintf("https://us.posthog.com/api/projects/1/experiment_holdouts/?limit=100&offset=%d", 100+(o/100)%2*100)
		}, wantReqs: 3, wantErr: "pagination loop"},
		{name: "never ends", next: func(o int) string { return fmt.Sprintf("/x/?limit=100&offset=%d", o+100) },
			maxPages: 7, wantReqs: 7, wantErr: "list holdouts: GET /api/projects/1/experiment_holdouts/: stopped after 7 pages: the server keeps sending next links"},
		{name: "cursor pagination", next: func(int) string { return "https://us.posthog.com/api/projects/1/experiment_holdouts/?cursor=abc" },
			wantReqs: 1, wantErr: "no offset: only limit/offset pagination is understood"},
		{name: "unparsable next", next: func(int) string { return "http://[::1%zz/x" }, wantReqs: 1, wantErr: "next link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				rec.add(r)
				offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				writeJSON(w, 200, map[string]any{"next": tt.next(offset), "results": []any{map[string]any{"id": offset + 1}}})
			})
			c := newClient(t, srv.URL)
			if tt.maxPages > 0 {
				c.maxPages = tt.maxPages
			}
			_, err := c.List(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if n := rec.count(); n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
		})
	}
}

func TestListBadPage(t *testing.T) {
	tests := []struct {
		name, contentType, body, wantErr string
	}{
		{name: "not a page", contentType: "application/json", body: `{"id":1}`, wantErr: `list holdouts: GET /api/projects/1/experiment_holdouts/: response is not a list page: no "results"`},
		{name: "bare array", contentType: "application/json", body: `[{"id":1}]`, wantErr: "cannot unmarshal array"},
		{name: "HTML login page", contentType: "text/html; charset=utf-8", body: "<!doctype html><title>Log in</title>",
			wantErr: "list holdouts: GET /api/projects/1/experiment_holdouts/: decode 200 response (Content-Type text/html; charset=utf-8): invalid character '<' looking for beginning of value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Write([]byte(tt.body))
			})
			_, err := newClient(t, srv.URL).List(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestWireListPage(t *testing.T) {
	f := loadWire(t, "list-page-200.json")
	var rec recorder
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		if r.URL.Query().Get("offset") == "" {
			f.serve(w) // next: https://us.posthog.com/...?limit=2&offset=2
			return
		}
		writeJSON(w, 200, map[string]any{"count": 3, "next": nil, "previous": nil, "results": []any{map[string]any{"id": 3, "name": "pricing", "description": nil, "filters": []any{}}}})
	})
	hs, err := newClient(t, srv.URL, WithPageSize(2)).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	desc := "Held out of checkout tests"
	want := []Holdout{
		{ID: 1, Name: "checkout-q4", Description: &desc, Filters: filtersJSON(map[string]any{
			"variant": "holdout-1",
			"properties": []any{map[string]any{
				"key": "country", "type": "person", "value": []any{"US"}, "operator": "exact",
			}},
			"rollout_percentage": json10,
		}), CreatedAt: "2026-11-28T01:13:54.492814Z", UpdatedAt: "2026-11-28T01:13:54.492883Z"},
		{ID: 2, Name: "pricing", Filters: filtersJSON(map[string]any{"variant": "holdout-2", "rollout_percentage": json55}),
			CreatedAt: "2026-11-28T01:13:54.496106Z", UpdatedAt: "2026-11-28T01:13:54.496157Z"},
		{ID: 3, Name: "pricing", Filters: filtersJSON()},
	}
	if diff := cmp.Diff(want, hs, byGroups); diff != "" {
		t.Errorf("holdouts (-want +got):\n%s", diff)
	}
	if got := rec.all()[1].Query; got != "limit=2&offset=2" {
		t.Errorf("second page query = %q, want %q", got, "limit=2&offset=2")
	}
}

func TestWireExperimentsList(t *testing.T) {
	f := loadWire(t, "experiments-list-200.json")
	var rec recorder
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		f.serve(w)
	})
	es, err := newClient(t, srv.URL).ListExperiments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	start := "2026-11-01T00:00:00Z"
	want := []Experiment{{
		ID: 7, Name: "new-checkout-flow", StartDate: &start, Status: "running",
		FeatureFlagKey: "experiment-7", Holdout: &ExperimentHoldout{ID: 1, Name: "checkout-q4"},
	}}
	if diff := cmp.Diff(want, es); diff != "" {
		t.Errorf("experiments (-want +got):\n%s", diff)
	}
	if got := rec.all()[0].Path; got != "/api/projects/1/experiments/" {
		t.Errorf("path = %q", got)
	}
}

// PostHog's list has no order and a write moves a row: between two pages
// a row can be repeated and another skipped. The count exposes it, and
// the list is read again.
func TestListRereadsWhenRowsShiftBetweenPages(t *testing.T) {
	var mu sync.Mutex
	requests := 0
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		n := requests
		mu.Unlock()
		order := []any{map[string]any{"id": 1, "name": "a"}, map[string]any{"id": 2, "name": "b"}, map[string]any{"id": 3, "name": "c"}}
		if n == 2 { // row 1 was written between the first two pages: it moved to the end
			order = []any{order[1], order[2], order[0]}
		}
		if r.URL.Query().Get("offset") == "" {
			writeJSON(w, 200, map[string]any{"count": 3, "next": "https://us.posthog.com/x/?limit=2&offset=2", "results": order[:2]})
			return
		}
		writeJSON(w, 200, map[string]any{"count": 3, "next": nil, "results": order[2:]})
	})
	hs, err := newClient(t, srv.URL, WithPageSize(2)).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 3 || requests != 4 {
		t.Errorf("got %d holdouts in %d requests; want all 3, after reading the list twice (4 requests)", len(hs), requests)
	}
}

func TestListGivesUpOnAListThatKeepsChanging(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "" {
			writeJSON(w, 200, map[string]any{"count": 3, "next": "https://us.posthog.com/x/?limit=2&offset=2", "results": []any{map[string]any{"id": 1}, map[string]any{"id": 2}}})
			return
		}
		writeJSON(w, 200, map[string]any{"count": 3, "next": nil, "results": []any{map[string]any{"id": 2}}})
	})
	_, err := newClient(t, srv.URL, WithPageSize(2)).List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the list changed while it was read, 3 times running") {
		t.Errorf("err = %v", err)
	}
}

func TestListRefusesAnEmptyPageWithANextLink(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"next": fmt.Sprintf("https://us.posthog.com/x/?limit=2&offset=%d", 2+len(r.URL.Query().Get("offset"))), "results": []any{}})
	})
	_, err := newClient(t, srv.URL).List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "an empty page with a next link") {
		t.Errorf("err = %v", err)
	}
}

// PostHog lists archived experiments only under ?archived=true, and then
// only those. Both lists are read, at once, and merged.
func TestListExperimentsReadsArchivedToo(t *testing.T) {
	t.Parallel()
	var rec recorder
	var arrived sync.WaitGroup
	arrived.Add(2)
	both := make(chan struct{})
	go func() { arrived.Wait(); close(both) }()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		if r.URL.Query().Get("offset") == "" {
			arrived.Done()
			select {
			case <-both: // the other list's first page is in flight too
			case <-time.After(5 * time.Second):
				t.Error("the two lists were not read at the same time")
			}
		}
		items := []any{
			map[string]any{"id": 1, "name": "live", "archived": false, "status": "running"},
			map[string]any{"id": 2, "name": "paused", "archived": false, "status": "paused"},
		}
		if r.URL.Query().Get("archived") == "true" {
			items = []any{
				map[string]any{"id": 3, "name": "old", "archived": true, "status": "stopped"},
				map[string]any{"id": 4, "name": "no field", "status": "exposure_frozen"},
			}
		}
		writeJSON(w, 200, map[string]any{"count": 2, "next": nil, "results": items})
	})
	es, err := newClient(t, srv.URL).ListExperiments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Experiment{
		{ID: 1, Name: "live", Status: "running"},
		{ID: 2, Name: "paused", Status: "paused"},
		{ID: 3, Name: "old", Archived: true, Status: "stopped"},
		{ID: 4, Name: "no field", Archived: true, Status: "exposure_frozen"},
	}
	if diff := cmp.Diff(want, es); diff != "" {
		t.Errorf("experiments (-want +got):\n%s", diff)
	}
	var queries []string
	for _, r := range rec.all() {
		queries = append(queries, r.Query)
	}
	slices.Sort(queries)
	if diff := cmp.Diff([]string{"archived=true&limit=1000", "limit=1000"}, queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

// A server that ignores ?archived= lists everything twice: each
// experiment once, marked as the server marks it.
func TestListExperimentsServerIgnoresArchivedFilter(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"count": 2, "next": nil, "results": []any{
			map[string]any{"id": 1, "archived": false}, map[string]any{"id": 2, "archived": true},
		}})
	})
	es, err := newClient(t, srv.URL).ListExperiments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Experiment{{ID: 1}, {ID: 2, Archived: true}}, es); diff != "" {
		t.Errorf("experiments (-want +got):\n%s", diff)
	}
}

// When one list fails, the error is that failure, as an *APIError, not
// the cancel it causes in the other.
func TestListExperimentsFailure(t *testing.T) {
	t.Parallel()
	for _, failing := range []string{"", "true"} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("archived") == failing {
				writeJSON(w, 403, map[string]any{"type": "authentication_error", "code": "permission_denied", "detail": "API key missing required scope 'experiment:read'", "attr": nil})
				return
			}
			<-r.Context().Done() // stalls until the client gives up on it
		})
		_, err := newClient(t, srv.URL).ListExperiments(context.Background())
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != 403 || !strings.HasPrefix(err.Error(), "list experiments: GET") {
			t.Errorf("archived=%q failing: error = %v, want the 403", failing, err)
		}
	}
}
