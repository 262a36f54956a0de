package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// writeMany writes n one-holdout manifests named prefix-000... with the
// given percentage.
func (h *harness) writeMany(prefix string, n int, pct string) {
	h.t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "---\nname: %s-%03d\nfilters:\n  - rollout_percentage: %s\n", prefix, i, pct)
	}
	h.write(prefix+".yaml", b.String())
}

// countNames is how many holdouts in project 1 bear each name.
func (h *harness) countNames() map[string]int {
	m := map[string]int{}
	for _, x := range h.emu.Holdouts(posthogtest.DefaultProject) {
		m[x.Name]++
	}
	return m
}

func (h *harness) assertEachOnce(prefix string, n int) {
	h.t.Helper()
	counts := h.countNames()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%03d", prefix, i)
		if counts[name] != 1 {
			h.t.Errorf("%s exists %d times, want exactly once", name, counts[name])
		}
	}
}

// Acceptance: 50 creates through a 429 on every 5th request and three 502s
// in a row: every holdout exists exactly once, exit 0.
func TestApplyThroughThrottlingAndServerErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeMany("load", 50, "5")
	h.emu.SetFaults(posthogtest.Faults{Every429: 5, ServerErrors: []int{502, 502, 502}})
	// One change at a time: with several in flight, "every 5th request"
	// counts theirs too, and a retry can land on a 5th again and again
	// until it rightly gives up. In sequence, a retry is never the next
	// 5th, so every create gets through, whatever the scheduling.
	// Retry-After is capped short: the faults count requests, not time.
	r := h.sync("--apply", "--max-retry-wait", "5ms", "--parallelism", "1").must(t, exitOK)
	r.contains(t, "Apply complete: 50 created, 0 updated, 0 deleted.", "PostHog answered 429", "PostHog answered 502")
	h.assertEachOnce("load", 50)
	if n := len(h.emu.Holdouts(1)); n != 50 {
		t.Errorf("%d holdouts, want 50", n)
	}
	st := h.emu.Stats()
	if st.Throttled == 0 || st.Faults < 3 {
		t.Errorf("faults not exercised: %+v", st)
	}
	h.emu.SetFaults(posthogtest.Faults{})
	h.sync("--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}

// Acceptance: a create committed by PostHog whose answer is lost is found
// by listing, not sent again.
func TestApplyLostCreateResponseMakesNoDuplicate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeMany("lost", 3, "5")
	h.emu.SetFaults(posthogtest.Faults{LoseCreateResponses: 2})
	r := h.sync("--apply", "--parallelism", "1").must(t, exitOK)
	r.contains(t, "Apply complete: 3 created", "a listing confirmed it was made")
	h.assertEachOnce("lost", 3)
	if n := len(h.emu.Holdouts(1)); n != 3 {
		t.Errorf("%d holdouts, want 3: %v", n, h.state())
	}
	h.sync("--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}

// Acceptance: against PostHog's own limits (480/min, 4,800/h per key, time
// compressed), an apply of 600 changes at the default pace gets no 429.
// Time runs scale times faster on both sides: the emulator's minute lasts
// 60/scale seconds, and so do the windows of hogsync's budget.
func TestApplyAtDefaultPaceIsNeverThrottled(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a few seconds of paced requests")
	}
	const scale = 50
	h := newHarness(t)
	h.writeMany("paced", 600, "1")
	h.emu.SetThrottle(480, 4800, scale)
	r := h.sync("--apply", "--budget-time-scale", fmt.Sprint(scale)).must(t, exitOK)
	r.contains(t, "Apply complete: 600 created")
	if n := h.emu.Stats().Throttled; n != 0 {
		t.Errorf("PostHog's throttle answered 429 %d times", n)
	}
	if strings.Contains(r.stderr, "429") {
		t.Errorf("stderr mentions 429:\n%s", r.stderr)
	}
}

// Acceptance: a change PostHog refuses for good is reported with its
// detail while every other change is applied; fixing the manifest and
// running again converges.
func TestApplyPartialFailureThenConverges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []int64
	for _, n := range []string{"a", "b", "c"} {
		ids = append(ids, seed(h, n, nil, map[string]any{"rollout_percentage": 1}).ID)
	}
	status, body := wire(t, "error-400-rollout-range.json")
	h.withHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), fmt.Sprintf("/%d", ids[1])) {
				b, _ := io.ReadAll(r.Body)
				if strings.Contains(string(b), `"rollout_percentage":66`) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					_, _ = w.Write(body)
					return
				}
				r.Body = io.NopCloser(strings.NewReader(string(b)))
			}
			next.ServeHTTP(w, r)
		})
	})
	h.write("all.yaml", "name: a\nfilters:\n  - rollout_percentage: 2\n---\nname: b\nfilters:\n  - rollout_percentage: 66\n---\nname: c\nfilters:\n  - rollout_percentage: 2\n---\nname: d\nfilters:\n  - rollout_percentage: 2\n")
	r := h.sync("--apply").must(t, exitFailure)
	r.contains(t, fmt.Sprintf(`✗ update holdout "b" (id %d) failed`, ids[1]), "Rollout percentage must be between 0 and 100.",
		"Apply incomplete: 1 created, 2 updated, 0 deleted; 1 failed.", "not every change was applied")
	for _, id := range []int64{ids[0], ids[2]} {
		x, _ := h.emu.Holdout(1, id)
		if fmt.Sprint(x.Filters[0]["rollout_percentage"]) != "2" {
			t.Errorf("holdout %d not updated: %v", id, x.Filters)
		}
	}
	h.write("all.yaml", "name: a\nfilters:\n  - rollout_percentage: 2\n---\nname: b\nfilters:\n  - rollout_percentage: 6\n---\nname: c\nfilters:\n  - rollout_percentage: 2\n---\nname: d\nfilters:\n  - rollout_percentage: 2\n")
	h.sync("--apply").must(t, exitOK).contains(t, "Apply complete: 0 created, 1 updated, 0 deleted.")
	h.sync("--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}

// Acceptance: with approvals on, a gated update and a gated delete are
// pending with their change request ids, apart from what was applied;
// exit 3.
func TestApplyApprovalsArePending(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gated := seed(h, "gated", nil, map[string]any{"rollout_percentage": 10})
	renamed := seed(h, "old-name", nil, map[string]any{"rollout_percentage": 10})
	doomed := seed(h, "doomed", nil, map[string]any{"rollout_percentage": 10})
	h.emu.SetApprovals(true)
	h.write("m.yaml", "name: gated\nfilters:\n  - rollout_percentage: 20\n---\nname: new-name\nprevious_names: [old-name]\nfilters:\n  - rollout_percentage: 10\n")

	r := h.sync("--apply", "--prune").must(t, exitPending)
	crRE := regexp.MustCompile(`change request ([0-9a-f-]{36})`)
	for _, want := range []string{
		fmt.Sprintf(`? update holdout "gated" (id %d) is pending approval in PostHog`, gated.ID),
		fmt.Sprintf(`? delete holdout "doomed" (id %d) is pending approval in PostHog`, doomed.ID),
		fmt.Sprintf(`~ renamed holdout "old-name" to "new-name" (id %d)`, renamed.ID),
		"Apply incomplete: 0 created, 1 updated, 0 deleted; 2 pending approval.",
	} {
		r.contains(t, want)
	}
	if n := len(crRE.FindAllString(r.stdout, -1)); n != 2 {
		t.Errorf("%d change request ids printed, want 2:\n%s", n, r.stdout)
	}
	if x, _ := h.emu.Holdout(1, gated.ID); fmt.Sprint(x.Filters[0]["rollout_percentage"]) != "10" {
		t.Errorf("gated update was applied: %v", x.Filters)
	}
	if _, ok := h.emu.Holdout(1, doomed.ID); !ok {
		t.Error("gated delete was applied")
	}
	// Again while pending: still pending, not failed.
	h.sync("--apply", "--prune").must(t, exitPending).contains(t, "2 pending approval")
}

// Acceptance: SIGINT to the built binary during an apply lets the changes
// in flight finish, says what was and was not applied, exits 1, and a
// second run converges.
func TestInterruptDuringApply(t *testing.T) {
	t.Parallel()
	bin := builtBinary(t)
	h := newHarness(t)
	h.writeMany("sig", 40, "1")
	h.emu.SetFaults(posthogtest.Faults{Latency: 150 * time.Millisecond})

	cmd := exec.Command(bin, "sync", h.dir, "--apply", "--parallelism", "2", "--host", h.srv.URL, "--project", "1")
	cmd.Env = append(os.Environ(), "POSTHOG_PERSONAL_API_KEY="+h.key, "NO_COLOR=1")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for posts(h) < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code != exitFailure {
		t.Fatalf("exit %d (%v), want 1\nstdout:\n%s\nstderr:\n%s", code, err, out.String(), errb.String())
	}
	created := strings.Count(out.String(), "+ created holdout")
	if created == 0 || created == 40 {
		t.Fatalf("%d created before the interrupt; the test wants some, not all\n%s", created, out.String())
	}
	// What the summary says was created is exactly what PostHog holds:
	// nothing in flight was abandoned.
	if n := len(h.emu.Holdouts(1)); n != created {
		t.Errorf("PostHog holds %d holdouts, output reports %d created", n, created)
	}
	summary := fmt.Sprintf("Apply incomplete: %d created, 0 updated, 0 deleted; %d not attempted.", created, 40-created)
	if !strings.Contains(out.String(), summary) {
		t.Errorf("summary %q missing:\n%s", summary, out.String())
	}
	if !strings.Contains(errb.String(), "interrupted: finishing the changes in flight") {
		t.Errorf("stderr:\n%s", errb.String())
	}

	h.emu.SetFaults(posthogtest.Faults{})
	h.sync("--apply").must(t, exitOK).contains(t, fmt.Sprintf("Apply complete: %d created", 40-created))
	h.assertEachOnce("sig", 40)
	h.sync("--detailed-exitcode").must(t, exitOK)
}

func posts(h *harness) int {
	n := 0
	for _, r := range h.emu.Requests() {
		if r.Method == http.MethodPost {
			n++
		}
	}
	return n
}

// PostHog finishes a create whose client timed out. hogsync must not send
// it again in the same run (that would make a duplicate); the next run
// finds it. The server holds each create until its client has hung up,
// then makes it: no clock decides the order.
func TestSlowCreateIsNotDuplicated(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	made := make(chan struct{}, 16) // one for each create PostHog made
	var posts atomic.Int32
	h.withHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				posts.Add(1)
				defer func() { made <- struct{}{} }()
				body, _ := io.ReadAll(r.Body) // the server notices a closed connection only after the body
				<-r.Context().Done()          // a busy server: the client has left by now
				r = r.WithContext(context.Background())
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			next.ServeHTTP(w, r)
		})
	})
	h.writeMany("slow", 1, "5")
	r := h.sync("--apply", "--request-timeout", "150ms").must(t, exitFailure)
	r.contains(t, "PostHog may still be making it, so it was not sent again", "Apply incomplete: 0 created")
	// The create hogsync sent is made once hogsync has hung up; any other
	// it sent was received by then too.
	select {
	case <-made:
	case <-time.After(5 * time.Second):
		t.Fatal("PostHog never made the create")
	}
	for n := posts.Load(); n > 1; n-- {
		<-made
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	h.assertEachOnce("slow", 1)
	h.sync("--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}
