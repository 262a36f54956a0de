package posthogtest_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func throttleEnv(t *testing.T) (*env, *fakeClock) {
	e := newEnv(t)
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e.emu.SetClock(clock.Now)
	return e, clock
}

func throttledBody(detail string) errorBody {
	return errorBody{"throttled_error", "throttled", detail, nil}
}

func TestThrottleWireExample(t *testing.T) {
	t.Parallel()
	w := loadWire(t, "error-429-throttled.json")
	e, clock := throttleEnv(t)
	e.emu.SetThrottle(2, 0, 1)
	list := call{method: "GET", path: "/api/projects/1/experiment_holdouts/"}
	e.do(list).must(t, http.StatusOK)
	clock.Add(57 * time.Second)
	e.do(list).must(t, http.StatusOK)
	r := e.do(list)
	if r.status != w.Status {
		t.Fatalf("status %d, want %d", r.status, w.Status)
	}
	for name, want := range w.Headers {
		if got := r.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if d := cmp.Diff(w.body(t), r.body); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	e, clock := throttleEnv(t)
	e.emu.AddKey(keyRead, posthogtest.Key{Scopes: []string{"experiment_holdout:read"}, CurrentProject: 1})
	e.emu.SetThrottle(3, 5, 1)
	list := call{method: "GET", path: "/api/projects/1/experiment_holdouts/"}
	post := call{method: "POST", path: "/api/projects/1/experiment_holdouts/", key: keyRead, body: `{}`}

	// Requests that fail authentication or permissions are not counted.
	for i := 0; i < 5; i++ {
		e.do(call{method: "GET", path: list.path, key: noKey}).must(t, http.StatusUnauthorized)
		e.do(post).must(t, http.StatusForbidden)
	}
	for i := 0; i < 3; i++ {
		e.do(list).must(t, http.StatusOK)
	}
	r := e.do(list)
	r.checkError(t, http.StatusTooManyRequests, throttledBody("Request was throttled. Expected available in 60 seconds."))
	if r.header.Get("Retry-After") != "60" || r.header.Get("Allow") == "" {
		t.Errorf("Retry-After %q, Allow %q", r.header.Get("Retry-After"), r.header.Get("Allow"))
	}
	// Another key has its own budget.
	e.do(call{method: "GET", path: list.path, key: keyRead}).must(t, http.StatusOK)

	clock.Add(59 * time.Second)
	e.do(list).checkError(t, http.StatusTooManyRequests, throttledBody("Request was throttled. Expected available in 1 second."))
	// At 60 s the minute window is empty again, but, as in DRF, every
	// throttle runs on every request: the two requests the burst limit
	// refused were still counted by the sustained one, which is full (5)
	// until an hour after the first request.
	clock.Add(time.Second)
	r = e.do(list)
	r.checkError(t, http.StatusTooManyRequests, throttledBody("Request was throttled. Expected available in 3540 seconds."))
	if r.header.Get("Retry-After") != "3540" {
		t.Errorf("Retry-After %q, want 3540", r.header.Get("Retry-After"))
	}
	clock.Add(3540 * time.Second)
	e.do(list).must(t, http.StatusOK)

	if got := e.emu.Throttled(); got != 3 {
		t.Errorf("Throttled() = %d, want 3", got)
	}
	if got := e.emu.Stats().Throttled; got != 3 {
		t.Errorf("Stats().Throttled = %d, want 3", got)
	}
	e.emu.SetThrottle(0, 0, 1)
	for i := 0; i < 10; i++ {
		e.do(list).must(t, http.StatusOK)
	}
}

func TestThrottleTimeScale(t *testing.T) {
	t.Parallel()
	e, clock := throttleEnv(t)
	e.emu.SetThrottle(2, 0, 60) // a "minute" lasts one second
	list := call{method: "GET", path: "/api/projects/1/experiment_holdouts/"}
	e.do(list).must(t, http.StatusOK)
	e.do(list).must(t, http.StatusOK)
	r := e.do(list)
	r.checkError(t, http.StatusTooManyRequests, throttledBody("Request was throttled. Expected available in 1 second."))
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want 1", r.header.Get("Retry-After"))
	}
	clock.Add(1001 * time.Millisecond)
	e.do(list).must(t, http.StatusOK)

	// With the real clock, the window is measured in real time: a
	// scaled "minute" of 2 s is still running for the second request,
	// and Retry-After stays within it.
	e.emu.SetClock(nil)
	e.emu.SetThrottle(1, 0, 30)
	e.do(list).must(t, http.StatusOK)
	r = e.do(list)
	r.must(t, http.StatusTooManyRequests)
	wait, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || wait < 1 || wait > 2 {
		t.Fatalf("Retry-After %q, want 1 or 2 seconds", r.header.Get("Retry-After"))
	}
}

func TestThrottleDefaults(t *testing.T) {
	t.Parallel()
	if posthogtest.PostHogBurstPerMinute != 480 || posthogtest.PostHogSustainedPerHour != 4800 {
		t.Error("PostHog's documented limits are 480/min and 4800/h")
	}
	e, _ := throttleEnv(t)
	e.emu.SetThrottle(posthogtest.PostHogBurstPerMinute, posthogtest.PostHogSustainedPerHour, 1)
	for i := 0; i < 480; i++ {
		e.do(call{method: "HEAD", path: "/api/projects/1/experiment_holdouts/"}).must(t, http.StatusOK)
	}
	e.do(call{method: "HEAD", path: "/api/projects/1/experiment_holdouts/"}).must(t, http.StatusTooManyRequests)
}

// TestThrottleSeesHeaderAndQueryKeysOnly: PostHog's throttles look for
// the key in the Authorization header and the query string, never in the
// body, so a request whose key is in the body is not counted or refused.
func TestThrottleSeesHeaderAndQueryKeysOnly(t *testing.T) {
	t.Parallel()
	e, _ := throttleEnv(t)
	e.emu.SetThrottle(1, 0, 1)
	list := call{method: "GET", path: "/api/projects/1/experiment_holdouts/"}
	e.do(list).must(t, http.StatusOK)
	e.do(call{method: "GET", path: list.path + "?personal_api_key=" + posthogtest.DefaultKey, key: noKey}).must(t, http.StatusTooManyRequests)
	for i := 0; i < 3; i++ {
		e.do(call{method: "POST", path: list.path, key: noKey, body: `{"personal_api_key":"` + posthogtest.DefaultKey + `"}`}).must(t, http.StatusBadRequest)
	}
}
