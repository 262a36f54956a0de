package posthogtest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// raw sends one request on a fresh connection (so that Go's transport
// cannot retry it on another) and returns the status, or the error.
func (e *env) raw(ctx context.Context, method, path, body string) (int, http.Header, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("Authorization", "Bearer "+posthogtest.DefaultKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, resp.Header, b.String(), nil
}

func statuses(reqs []posthogtest.Request) []int {
	var out []int
	for _, r := range reqs {
		out = append(out, r.Status)
	}
	return out
}

func TestServerErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetFaults(posthogtest.Faults{ServerErrors: []int{502, 500, 429, 503}})
	r := e.do(call{method: "GET", path: holdouts1, key: noKey}) // faults come before authentication
	if r.status != 502 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.raw), "502 Bad Gateway") {
		t.Errorf("502 fault: %d %q %q", r.status, r.header.Get("Content-Type"), r.raw)
	}
	e.do(call{method: "POST", path: holdouts1, body: `{"name":"x","filters":[{"rollout_percentage":1}]}`}).
		checkError(t, 500, errorBody{"server_error", "error", "A server error occurred.", nil})
	r = e.do(call{method: "GET", path: holdouts1})
	r.checkError(t, 429, errorBody{"throttled_error", "throttled", "Request was throttled. Expected available in 1 second.", nil})
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	e.do(call{method: "GET", path: holdouts1}).must(t, 503)
	e.do(call{method: "GET", path: holdouts1}).must(t, 200)
	if n := len(e.emu.Holdouts(1)); n != 0 {
		t.Errorf("a faulted create stored %d holdouts", n)
	}
	if d := cmp.Diff([]int{502, 500, 429, 503, 200}, statuses(e.emu.Requests())); d != "" {
		t.Errorf("logged statuses (-want +got):\n%s", d)
	}
	// Faulted requests count for their route too.
	if d := cmp.Diff(posthogtest.Stats{Requests: 5, Throttled: 1, Faults: 4, HoldoutLists: 4, Creates: 1}, e.emu.Stats()); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
}

func TestEvery429(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetFaults(posthogtest.Faults{Every429: 3})
	var got []int
	for i := 0; i < 7; i++ {
		r := e.do(call{method: "GET", path: holdouts1})
		got = append(got, r.status)
		if r.status == 429 && r.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
	}
	if d := cmp.Diff([]int{200, 200, 429, 200, 200, 429, 200}, got); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	if s := e.emu.Stats(); s.Throttled != 2 || s.Faults != 2 || e.emu.Throttled() != 2 {
		t.Errorf("stats %+v", s)
	}
	e.emu.SetFaults(posthogtest.Faults{})
	for i := 0; i < 4; i++ {
		e.do(call{method: "GET", path: holdouts1}).must(t, 200)
	}
}

func TestResetNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetFaults(posthogtest.Faults{ResetNext: 2})
	for i := 0; i < 2; i++ {
		if status, _, _, err := e.raw(context.Background(), "POST", holdouts1, `{"name":"x","filters":[{"rollout_percentage":1}]}`); err == nil {
			t.Errorf("request %d: got status %d, want a dropped connection", i, status)
		}
	}
	if status, _, _, err := e.raw(context.Background(), "GET", holdouts1, ""); err != nil || status != 200 {
		t.Errorf("after the resets: %d %v", status, err)
	}
	if n := len(e.emu.Holdouts(1)); n != 0 {
		t.Errorf("a reset request was handled: %d holdouts", n)
	}
	if d := cmp.Diff([]int{0, 0, 200}, statuses(e.emu.Requests())); d != "" {
		t.Errorf("logged statuses (-want +got):\n%s", d)
	}
	if s := e.emu.Stats(); s.Faults != 2 || s.Requests != 3 {
		t.Errorf("stats %+v", s)
	}
}

func TestLoseCreateResponses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetFaults(posthogtest.Faults{LoseCreateResponses: 1})
	// A failed create does not use the fault up.
	if status, _, _, err := e.raw(context.Background(), "POST", holdouts1, `{"name":""}`); err != nil || status != 400 {
		t.Fatalf("invalid create: %d %v", status, err)
	}
	if status, _, _, err := e.raw(context.Background(), "POST", holdouts1, `{"name":"lost","filters":[{"rollout_percentage":1}]}`); err == nil {
		t.Fatalf("lost create answered %d", status)
	}
	hs := e.emu.Holdouts(1)
	if len(hs) != 1 || hs[0].Name != "lost" {
		t.Fatalf("the create was not committed: %+v", hs)
	}
	status, _, body, err := e.raw(context.Background(), "POST", holdouts1, `{"name":"kept","filters":[{"rollout_percentage":1}]}`)
	if err != nil || status != 201 || !strings.Contains(body, `"id":2`) {
		t.Errorf("next create: %d %v %s", status, err, body)
	}
	if d := cmp.Diff([]int{400, 0, 201}, statuses(e.emu.Requests())); d != "" {
		t.Errorf("logged statuses (-want +got):\n%s", d)
	}
	if s := e.emu.Stats(); s.Faults != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetFaults(posthogtest.Faults{Latency: 80 * time.Millisecond})
	start := time.Now()
	if status, _, _, err := e.raw(context.Background(), "GET", holdouts1, ""); err != nil || status != 200 {
		t.Fatalf("%d %v", status, err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("answered after %v, want at least 80ms", d)
	}

	// A client that gives up does not stop the request: like Django, the
	// emulator finishes it, and a create is stored although nobody hears
	// the answer.
	e.emu.SetFaults(posthogtest.Faults{Latency: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, _, err := e.raw(ctx, "POST", holdouts1, `{"name":"x","filters":[{"rollout_percentage":1}]}`); err == nil {
		t.Fatal("request succeeded despite the deadline")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(e.emu.Holdouts(1)) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(e.emu.Holdouts(1)); n != 1 {
		t.Errorf("%d holdouts stored after the client gave up, want 1", n)
	}
}

func TestSetFaultsRejectsNonErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	defer func() {
		if recover() == nil {
			t.Error("SetFaults accepted status 200")
		}
	}()
	e.emu.SetFaults(posthogtest.Faults{ServerErrors: []int{200}})
}

func TestSetLatencyKeepsFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetFaults(posthogtest.Faults{ServerErrors: []int{503}})
	e.emu.SetLatency(time.Millisecond)
	start := time.Now()
	e.do(call{method: "GET", path: holdouts1}).must(t, 503)
	if d := time.Since(start); d < time.Millisecond {
		t.Errorf("answered after %v, want at least 1ms", d)
	}
	e.emu.SetLatency(0)
	e.do(call{method: "GET", path: holdouts1}).must(t, 200)
}
