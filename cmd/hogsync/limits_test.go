package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// --timeout stops starting changes, lets the one in flight finish, and
// says what was not done.
func TestSyncTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeMany("slow", 20, "1")
	h.emu.SetFaults(posthogtest.Faults{Latency: 100 * time.Millisecond})
	// Planning takes 2 requests of 100 ms; 20 creates take 2 s more, so a
	// 1.5 s timeout always falls in the middle of the apply.
	r := h.sync("--apply", "--parallelism", "1", "--rate", "1000", "--timeout", "1500ms").must(t, exitFailure)
	r.contains(t, "--timeout 1.5s reached: finishing the changes in flight", "not attempted", "Apply incomplete:")
	created := strings.Count(r.stdout, "+ created holdout")
	if created == 0 || created == 20 {
		t.Fatalf("%d created; want some, not all:\n%s", created, r.stdout)
	}
	if n := len(h.emu.Holdouts(1)); n != created {
		t.Errorf("PostHog holds %d, output reports %d created", n, created)
	}
}

// Acceptance (issue 2, item 4): the CLI reports every problem of every
// broken manifest in one run, exactly the lines the goldens hold, and
// exits 1.
func TestValidateReportsEveryRuleInOneRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := filepath.Join("..", "..", "manifest", "testdata", "invalid")
	r := h.run("validate", dir).must(t, exitFailure)
	var want []string
	goldens, err := filepath.Glob(filepath.Join(dir, "*.golden"))
	if err != nil || len(goldens) < 15 {
		t.Fatalf("goldens: %v (%d)", err, len(goldens))
	}
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				want = append(want, l)
			}
		}
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if !strings.HasPrefix(l, "hogsync: error:") {
			got = append(got, l)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	// The goldens hold paths as the manifest tests load them.
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], "testdata/invalid", dir)
	}
	sort.Strings(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("validate's problems vs the goldens (-want +got):\n%s", d)
	}
	if !strings.Contains(r.stderr, "problems in manifests; nothing was changed in PostHog") {
		t.Errorf("no closing line:\n%s", r.stderr)
	}
}
