package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	stdsync "sync"
	"testing"
	"time"
)

// Issue 8, acceptance 8: two applies of the same new manifests at once.
// The emulator holds every create until both runs have listed the
// holdouts, so each sees the names free and creates them: PostHog ends
// with each name twice. A run exits 1 exactly when it names a duplicate
// (with every id it has); the run whose check comes last sees every
// create, so at least one run names both.
func TestAccept8_8ConcurrentAppliesReportDuplicates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("m.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n---\nname: b\nfilters:\n  - rollout_percentage: 2\n")

	var mu stdsync.Mutex
	lists := 0
	bothListed := make(chan struct{})
	h.emu.SetOnRequest(func(n int, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/api/projects/1/experiment_holdouts":
			mu.Lock()
			if lists++; lists == 2 {
				close(bothListed)
			}
			mu.Unlock()
		case r.Method == http.MethodPost:
			select {
			case <-bothListed:
			case <-time.After(10 * time.Second):
				// Never hang the test: the assertions below fail instead.
			}
		}
	})

	var wg stdsync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = h.sync("--apply")
		}()
	}
	wg.Wait()

	ids := map[string][]int64{}
	for _, x := range h.emu.Holdouts(1) {
		ids[x.Name] = append(ids[x.Name], x.ID)
	}
	if len(ids["a"]) != 2 || len(ids["b"]) != 2 {
		t.Fatalf("the race did not happen: PostHog holds %v\nrun 1:\n%s%s\nrun 2:\n%s%s", ids,
			results[0].stdout, results[0].stderr, results[1].stdout, results[1].stderr)
	}
	// Each run that fails names what it saw duplicated; the run whose
	// check came last saw every create, so it names both.
	complete := 0
	for i, r := range results {
		if r.code != exitOK && r.code != exitFailure {
			t.Errorf("run %d exited %d\nstdout:\n%s\nstderr:\n%s", i+1, r.code, r.stdout, r.stderr)
		}
		named := 0
		for _, name := range []string{"a", "b"} {
			want := slices.Clone(ids[name])
			slices.Sort(want)
			if strings.Contains(r.stderr, fmt.Sprintf("holdout %q now exists 2 times in PostHog (ids %d, %d;", name, want[0], want[1])) {
				named++
			}
		}
		if (r.code == exitFailure) != (named > 0) {
			t.Errorf("run %d exited %d naming %d duplicates\nstdout:\n%s\nstderr:\n%s", i+1, r.code, named, r.stdout, r.stderr)
		}
		if named == 2 {
			complete++
		}
	}
	if complete == 0 {
		t.Errorf("no run names both duplicated names with their ids\nrun 1:\n%s%s\nrun 2:\n%s%s",
			results[0].stdout, results[0].stderr, results[1].stdout, results[1].stderr)
	}
}
