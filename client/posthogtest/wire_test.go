package posthogtest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// createBody is create-201.json's request body.
const createBody = `{"name":"checkout-q4","description":"Held out of checkout tests","filters":[{"rollout_percentage":10,"properties":[{"key":"country","type":"person","operator":"exact","value":["US"]}]}]}`

// TestWireExamples replays the requests of shared/posthog-wire against a
// fresh emulator and compares status, the headers the example lists, and
// the whole body in key order (ids and uuids match because the emulator
// is fresh; timestamps are scrubbed).
func TestWireExamples(t *testing.T) {
	t.Parallel()
	readOnly := "phx_readonly_000000000000000000000000000000000000000000000"
	tests := []struct {
		file  string
		setup func(e *env)
		key   string // "" DefaultKey, noKey, or a key
		body  string // overrides the example's request body
	}{
		{file: "create-201.json"},
		{file: "retrieve-200.json", setup: func(e *env) { e.create(createBody) }},
		{file: "patch-200.json", setup: func(e *env) { e.create(createBody) }},
		{file: "delete-204.json", setup: func(e *env) {
			e.create(createBody)
			e.create(`{"name":"b","filters":[{"rollout_percentage":1}]}`)
			e.create(`{"name":"c","filters":[{"rollout_percentage":1}]}`)
		}},
		{file: "list-page-200.json", setup: func(e *env) {
			e.create(createBody)
			e.create(`{"name":"pricing","filters":[{"rollout_percentage":5.5}]}`)
			e.create(`{"name":"pricing","filters":[{"rollout_percentage":1}]}`)
		}},
		{file: "experiments-list-200.json", setup: func(e *env) {
			e.create(`{"name":"checkout-q4","description":"Held out of checkout tests","filters":[{"rollout_percentage":20}]}`)
			start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			e.emu.AddExperiment(1, posthogtest.Experiment{ID: 7, Name: "new-checkout-flow", StartDate: &start, Status: "running", HoldoutID: 1})
		}},
		{file: "error-400-create-without-filters.json"},
		{file: "error-400-filters-empty.json"},
		{file: "error-400-name-required.json"},
		{file: "error-400-name-too-long.json"},
		{file: "error-400-parse.json", body: `{"name": }`},
		{file: "error-400-rollout-missing.json"},
		{file: "error-400-rollout-range.json"},
		{file: "error-401-no-key.json", key: noKey},
		{file: "error-401-bad-key.json", key: "phx_not_a_registered_key_00000000000000000000000000000"},
		{file: "error-403-missing-scope.json", key: readOnly, setup: func(e *env) {
			e.emu.AddKey(readOnly, posthogtest.Key{Scopes: []string{"experiment_holdout:read"}, CurrentProject: 1})
		}},
		{file: "error-404-holdout.json"},
		{file: "error-404-project.json"},
		{file: "error-500-filters-wrong-type.json"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			w := loadWire(t, tc.file)
			e := newEnv(t)
			if tc.setup != nil {
				tc.setup(e)
			}
			body := tc.body
			if body == "" {
				body = w.requestBody()
			}
			r := e.do(call{method: w.Request.Method, path: w.Request.Path, body: body, key: tc.key})
			if r.status != w.Status {
				t.Fatalf("status %d, want %d; body %s", r.status, w.Status, r.raw)
			}
			for name, want := range w.Headers {
				got := r.header.Get(name)
				if name == "WWW-Authenticate" {
					want = replaceSite(want, e.srv.URL)
				}
				if got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			if _, ok := w.Headers["Content-Type"]; !ok && r.header.Get("Content-Type") != "" {
				t.Errorf("Content-Type %q, want none", r.header.Get("Content-Type"))
			}
			if string(w.Body) == "null" {
				if len(r.raw) != 0 {
					t.Errorf("body %q, want none", r.raw)
				}
				return
			}
			ignore := []string{"created_at", "updated_at"}
			if w.Body != nil && get(w.body(t), "code") == "parse_error" {
				// The parse error's wording is encoding/json's.
				if d, _ := get(r.body, "detail").(string); !strings.HasPrefix(d, parseErrorDetail) {
					t.Errorf("parse error detail %q, want the prefix %q", d, parseErrorDetail)
				}
				ignore = append(ignore, "detail")
			}
			want := scrub(w.body(t), "", ignore...)
			got := scrub(r.body, e.srv.URL, ignore...)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("body (-want +got):\n%s", d)
			}
		})
	}
}

func replaceSite(s, site string) string {
	const from = wireSite
	for i := 0; i+len(from) <= len(s); i++ {
		if s[i:i+len(from)] == from {
			return s[:i] + site + s[i+len(from):]
		}
	}
	return s
}

// TestWireExampleTimestamps checks the timestamp format the examples use:
// microseconds and Z, and no fraction when the microseconds are zero.
func TestWireExampleTimestamps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	times := []time.Time{
		time.Date(2026, 11, 28, 1, 13, 54, 492814999, time.FixedZone("x", 3600)),
		time.Date(2026, 11, 28, 1, 13, 55, 0, time.UTC),
	}
	i := 0
	e.emu.SetClock(func() time.Time { t := times[i%len(times)]; i++; return t })
	got := e.create(createBody)
	want := []any{"2026-11-28T00:13:54.492814Z", "2026-11-28T01:13:55Z"}
	if d := cmp.Diff(want, []any{get(got, "created_at"), get(got, "updated_at")}); d != "" {
		t.Errorf("timestamps (-want +got):\n%s", d)
	}
	h, _ := e.emu.Holdout(1, 1)
	if !h.CreatedAt.Equal(time.Date(2026, 11, 28, 0, 13, 54, 492814000, time.UTC)) {
		t.Errorf("stored CreatedAt %v, want truncated to microseconds", h.CreatedAt)
	}
	e.do(call{method: "GET", path: "/api/projects/1/experiment_holdouts/1/"}).must(t, http.StatusOK)
}
