package main

import (
	"fmt"
	"net/http"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Issue 11: the listing reads pages concurrently. These tests run the
// whole CLI against the emulator and check that rows moving between page
// reads never make the plan miss or repeat a holdout.

const (
	holdoutListPath    = "/api/projects/1/experiment_holdouts"
	experimentListPath = "/api/projects/1/experiments"
)

// isList says whether r reads the list at path (a project's holdouts or
// experiments).
func isList(r *http.Request, path string) bool {
	return r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == path
}

// seedMatching seeds n holdouts prefix-000... that the manifests
// writeMany(prefix, n, "1") describe exactly.
func seedMatching(h *harness, prefix string, n int) {
	for i := range n {
		seed(h, fmt.Sprintf("%s-%03d", prefix, i), nil, map[string]any{"rollout_percentage": 1})
	}
}

// firstPageReads is how many times the holdouts list was read from its
// start (a request without an offset): once per pass over the list.
func firstPageReads(h *harness) int {
	n := 0
	for _, r := range h.emu.Requests() {
		if r.Method == http.MethodGet && strings.TrimSuffix(r.Path, "/") == holdoutListPath && !strings.Contains(r.RawQuery, "offset=") {
			n++
		}
	}
	return n
}

// Issue 11, acceptance 4: 350 holdouts in pages of 100, every one named
// by a manifest, while PostHog returns each list request's rows in a new
// order (no ORDER BY, no writes): the first pass repeats some rows and
// skips others. The plan must still see each holdout exactly once: no
// create for one that exists, no conflict from one seen twice.
func TestListingReorderedBetweenPagesSeesEachHoldoutOnce(t *testing.T) {
	t.Parallel()
	const n, pageSize = 350, 100
	pages := (n + pageSize - 1) / pageSize
	h := newHarness(t)
	h.writeMany("h", n, "1")
	seedMatching(h, "h", n)
	h.emu.ResetRequests()

	// Every page of the first pass sees its own order; the second pass,
	// from its first request on, sees a stable one.
	h.emu.SetReorderEachList(11)
	var mu stdsync.Mutex
	lists := 0
	h.emu.SetOnRequest(func(_ int, r *http.Request) {
		if !isList(r, holdoutListPath) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if lists++; lists == pages+1 {
			h.emu.SetReorderEachList(0)
		}
	})

	r := h.sync("--page-size", fmt.Sprint(pageSize), "--detailed-exitcode").must(t, exitOK)
	if got := r.lastLine(); got != "No changes." {
		t.Errorf("summary = %q, want %q\nstdout:\n%s\nstderr:\n%s", got, "No changes.", r.stdout, r.stderr)
	}
	for _, bad := range []string{"not in any manifest", "exists 2 times", "to create"} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("stdout says %q:\n%s", bad, r.stdout)
		}
	}
	st := h.emu.Stats()
	if st.Creates+st.Patches+st.Deletes != 0 {
		t.Errorf("a dry run wrote: %+v", st)
	}
	// The re-ordering must have been seen, or this test proves nothing:
	// the first pass counted fewer unique rows than PostHog and was read
	// again.
	if got := firstPageReads(h); got < 2 {
		t.Errorf("the holdouts list was read %d times from its start, want at least 2 (the re-ordered pass read again)", got)
	}
	if st.HoldoutLists < 2*pages {
		t.Errorf("%d holdout list requests, want at least %d (two passes of %d pages)", st.HoldoutLists, 2*pages, pages)
	}
	h.assertEachOnce("h", n)
}

// Issue 11, acceptance 4: a holdout created by someone else between two
// page reads (in the middle of the list's order, so later pages shift).
// The pass whose count moved is read again, and the plan reports the new
// holdout as unmanaged, once, and nothing else.
func TestListingInsertBetweenPagesIsReadAgain(t *testing.T) {
	t.Parallel()
	const n, pageSize = 350, 100
	h := newHarness(t)
	h.emu.SetShuffle(42) // a new row lands at its own place, not last
	h.writeMany("h", n, "1")
	seedMatching(h, "h", n)
	h.emu.ResetRequests()

	var (
		mu      stdsync.Mutex
		lists   int
		created posthogtest.Holdout
	)
	h.emu.SetOnRequest(func(_ int, r *http.Request) {
		if !isList(r, holdoutListPath) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		// The second request is a later page of the first pass: the first
		// page has given the count, this one is not yet answered.
		if lists++; lists == 2 {
			created = seed(h, "intruder", nil, map[string]any{"rollout_percentage": 3})
		}
	})

	r := h.sync("--page-size", fmt.Sprint(pageSize), "--detailed-exitcode").must(t, exitOK)
	mu.Lock()
	defer mu.Unlock()
	if created.ID == 0 {
		t.Fatalf("no holdout was inserted between page reads (%d list requests)", lists)
	}
	if got := r.lastLine(); got != "No changes." {
		t.Errorf("summary = %q, want %q", got, "No changes.")
	}
	r.contains(t,
		"1 holdout in PostHog is not in any manifest; it is left alone (--prune would delete it):\n"+
			fmt.Sprintf("  %q (id %d)\n", "intruder", created.ID))
	if c := strings.Count(r.stdout, `"intruder"`); c != 1 {
		t.Errorf("the new holdout is named %d times, want once:\n%s", c, r.stdout)
	}
	for _, bad := range []string{"exists 2 times", "to create", "to update", "to delete"} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("stdout says %q:\n%s", bad, r.stdout)
		}
	}
	st := h.emu.Stats()
	if st.Creates+st.Patches+st.Deletes != 0 {
		t.Errorf("a dry run wrote: %+v", st)
	}
	if got := len(h.emu.Holdouts(posthogtest.DefaultProject)); got != n+1 {
		t.Errorf("PostHog holds %d holdouts, want %d", got, n+1)
	}
	// The pass whose count moved was dropped and the list read again.
	if got := firstPageReads(h); got != 2 {
		t.Errorf("the holdouts list was read %d times from its start, want 2 (the pass that saw the insert, then a clean one)", got)
	}
	h.assertEachOnce("h", n)
}

// Issue 11, build: the experiments are listed at the same time as the
// holdouts. The emulator holds the first request of each list until a
// request of the other has arrived: run one after the other, in either
// order, the first request waits out its bound and the test fails.
func TestListingExperimentsConcurrentlyWithHoldouts(t *testing.T) {
	t.Parallel()
	const bound = 5 * time.Second
	h := newHarness(t)
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
	seed(h, "a", nil, map[string]any{"rollout_percentage": 1})

	var (
		mu                 stdsync.Mutex
		holdouts, exps     int
		holdoutsIn, expsIn = make(chan struct{}), make(chan struct{})
		timedOut           []string
	)
	// wait holds the first request of one list until the other's arrives.
	wait := func(what string, other <-chan struct{}) {
		select {
		case <-other:
		case <-time.After(bound):
			mu.Lock()
			timedOut = append(timedOut, what)
			mu.Unlock()
		}
	}
	h.emu.SetOnRequest(func(_ int, r *http.Request) {
		switch {
		case isList(r, holdoutListPath):
			mu.Lock()
			holdouts++
			first := holdouts == 1
			mu.Unlock()
			if first {
				close(holdoutsIn)
				wait("the holdouts list", expsIn)
			}
		case isList(r, experimentListPath):
			mu.Lock()
			exps++
			first := exps == 1
			mu.Unlock()
			if first {
				close(expsIn)
				wait("the experiments list", holdoutsIn)
			}
		}
	})

	r := h.sync("--detailed-exitcode").must(t, exitOK)
	if got := r.lastLine(); got != "No changes." {
		t.Errorf("summary = %q, want %q", got, "No changes.")
	}
	mu.Lock()
	defer mu.Unlock()
	if holdouts == 0 || exps == 0 {
		t.Fatalf("%d holdout and %d experiment list requests, want both", holdouts, exps)
	}
	for _, what := range timedOut {
		t.Errorf("%s waited %v for the other list's first request: the listings ran one after the other", what, bound)
	}
}
