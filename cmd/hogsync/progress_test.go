package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Every apply result line carries [n/N], whatever became of the change:
// done, failed, pending approval or blocked.
func TestResultLinesAreNumbered(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.withHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "experiment_holdouts") {
				var b bytes.Buffer
				b.ReadFrom(r.Body)
				if strings.Contains(b.String(), "refused-new") {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					io.WriteString(w, `{"type":"validation_error","code":"invalid_input","detail":"No.","attr":"name"}`)
					return
				}
				r.Body = io.NopCloser(&b)
			}
			next.ServeHTTP(w, r)
		})
	})
	seed(h, "gated", nil, map[string]any{"rollout_percentage": 10})
	live := seed(h, "live", nil, map[string]any{"rollout_percentage": 10})
	started := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "running", StartDate: &started, HoldoutID: live.ID})
	h.emu.SetApprovals(true)
	h.write("m.yaml", "name: ok-new\nfilters:\n  - rollout_percentage: 1\n---\nname: refused-new\nfilters:\n  - rollout_percentage: 1\n"+
		"---\nname: gated\nfilters:\n  - rollout_percentage: 20\n---\nname: live\nfilters:\n  - rollout_percentage: 20\n")
	r := h.sync("--apply", "--parallelism", "1")
	if r.code != exitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitFailure, r.stdout, r.stderr)
	}
	results := regexp.MustCompile(`(?m)^\[(\d)/4\] (.)`).FindAllStringSubmatch(r.stdout, -1)
	var got []string
	for _, m := range results {
		got = append(got, m[2])
	}
	// Creates, then updates; in each phase in plan order.
	if d := cmp.Diff([]string{"+", "✗", "?", "!"}, got); d != "" {
		t.Errorf("numbered result lines (-want +got):\n%s\nstdout:\n%s", d, r.stdout)
	}
	for i, m := range results {
		if m[1] != fmt.Sprint(i+1) {
			t.Errorf("result %d is numbered %s", i+1, m[1])
		}
	}
}
