package main

import (
	"strings"
	"testing"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Issue 10, acceptance 8: --debug logs every request and response, and
// none of it holds the key in any form: not after a 401 (the key is
// refused), nor around a 429 or a 500 that is retried and then succeeds;
// for a key of PostHog's shape and for one of no known shape (only the
// key itself, registered at start, can be redacted then).
func TestAccept10_8DebugOutputNeverHoldsTheKey(t *testing.T) {
	t.Parallel()
	keys := map[string]string{"phx": accKey, "opaque": "Zk3Y9mQ2vT7pL0sX4nB8wR1cF6hJ5dG2"}
	for _, tc := range []struct {
		name     string
		register bool  // the emulator knows the key; otherwise 401
		faults   []int // statuses answered before the first success
		code     int
		status   string // in the debug log
	}{
		{name: "401", code: exitFailure, status: "401"},
		{name: "429 then success", register: true, faults: []int{429}, code: exitOK, status: "429"},
		{name: "500 then success", register: true, faults: []int{500}, code: exitOK, status: "500"},
	} {
		for shape, key := range keys {
			t.Run(tc.name+"/"+shape, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t)
				h.key = key
				h.env["POSTHOG_PERSONAL_API_KEY"] = key
				if tc.register {
					h.emu.AddKey(key, posthogtest.Key{Scopes: []string{"*"}, CurrentProject: 1})
				}
				h.emu.SetFaults(posthogtest.Faults{ServerErrors: tc.faults})
				h.write("a.yaml", "name: a\ndescription: made while debugging\nfilters:\n  - rollout_percentage: 1\n")

				r := h.sync("--apply", "--debug", "--max-retry-wait", "1ms").must(t, tc.code)
				if !strings.Contains(r.stderr, "debug: ") || !strings.Contains(r.stderr, tc.status) {
					t.Fatalf("no debug log of the %s answer:\n%s", tc.status, r.stderr)
				}
				if !strings.Contains(r.stderr, "Authorization") {
					t.Errorf("the debug log shows no request headers:\n%s", r.stderr)
				}
				accCheck(t, accOutputs{"stdout": r.stdout, "stderr": r.stderr}, key, false)

				want := 0
				if tc.code == exitOK {
					want = 1
				}
				if n := len(h.emu.Holdouts(1)); n != want {
					t.Errorf("PostHog holds %d holdouts, want %d", n, want)
				}
				if s := h.emu.Stats(); s.Faults != len(tc.faults) {
					t.Errorf("%d faults injected, want %d (%+v)", s.Faults, len(tc.faults), s)
				}
			})
		}
	}
}
