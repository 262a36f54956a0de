package client

import (
	"context"
	"errors"
	"math"
	"strings"
	stdsync "sync"
	"testing"
	"time"
)

// simClock is a simulated clock for the limiter: sleeping moves it on at
// once, so tests never wait for real.
type simClock struct {
	mu     stdsync.Mutex
	t0, t  time.Time
	sleeps []time.Duration
}

// fakeClock puts c's limiter on a simulated clock.
func fakeClock(c *Client) *simClock {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	k := &simClock{t0: t0, t: t0}
	c.limiter.now = k.now
	c.limiter.sleep = k.sleep
	return k
}

func (k *simClock) now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.t
}

func (k *simClock) sleep(ctx context.Context, d time.Duration) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sleeps = append(k.sleeps, d)
	k.t = k.t.Add(d)
	return ctx.Err()
}

func (k *simClock) elapsed() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.t.Sub(k.t0)
}

// most is the largest number of times within any span of d.
func most(times []time.Time, d time.Duration) int {
	best, lo := 0, 0
	for hi := range times {
		for !times[lo].After(times[hi].Add(-d)) { // times[lo] <= times[hi]-d: out of (t-d, t]
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// sends takes n turns from a limiter on a simulated clock, one after
// another, and returns when each was granted.
func sends(t *testing.T, b Budget, n int) ([]time.Time, *simClock) {
	t.Helper()
	c, err := New("https://us.posthog.com", "1", testKey, WithBudget(b))
	if err != nil {
		t.Fatal(err)
	}
	k := fakeClock(c)
	var at []time.Time
	for range n {
		if _, err := c.waitTurn(context.Background()); err != nil {
			t.Fatal(err)
		}
		at = append(at, k.now())
	}
	return at, k
}

// PostHog throttles a key past 480 requests in any 60 s: a long run never
// goes past it, and takes little longer than the windows force.
func TestBudgetKeepsToPostHogsWindows(t *testing.T) {
	t.Parallel()
	at, _ := sends(t, DefaultBudget(), 1000)
	if m := most(at, time.Minute); m > 480 || m != 456 {
		t.Errorf("%d requests within a minute, want 456 (480 less 5%%)", m)
	}
	// 456 at once, 456 a minute later, the last 88 at two minutes.
	if d := at[999].Sub(at[0]); d != 2*time.Minute {
		t.Errorf("1000 requests took %v, want 2m0s", d)
	}

	at, _ = sends(t, DefaultBudget(), 5000)
	if m := most(at, time.Hour); m > 4800 || m != 4560 {
		t.Errorf("%d requests within an hour, want 4560 (4800 less 5%%)", m)
	}
	if m := most(at, time.Minute); m > 456 {
		t.Errorf("%d requests within a minute, want at most 456", m)
	}
	// Ten minutes of 456 use up the hour's 4560; the next waits for the
	// first to leave the hour.
	if got, want := at[4560].Sub(at[0]), time.Hour; got != want {
		t.Errorf("request 4561 at %v, want %v", got, want)
	}
}

// A short run bursts: a 100-page listing is not held back.
func TestBudgetLetsABurstThrough(t *testing.T) {
	t.Parallel()
	at, k := sends(t, DefaultBudget(), 100)
	if d := at[99].Sub(at[0]); d != 0 || len(k.sleeps) != 0 {
		t.Errorf("100 requests took %v with sleeps %v, want none", d, k.sleeps)
	}
}

func TestBudgetTimeScale(t *testing.T) {
	t.Parallel()
	b := DefaultBudget()
	b.TimeScale = 60 // a minute lasts a second
	at, _ := sends(t, b, 1000)
	if m := most(at, time.Second); m != 456 {
		t.Errorf("%d requests within a scaled minute, want 456", m)
	}
	if d := at[999].Sub(at[0]); d != 2*time.Second {
		t.Errorf("1000 requests took %v, want 2s", d)
	}
	if _, k := sends(t, Budget{}, 10_000); len(k.sleeps) != 0 {
		t.Errorf("Budget{} waited %v, want no budget at all", k.sleeps)
	}
}

// Every attempt takes its turn, retries included, and requests in flight
// at once share the windows.
func TestBudgetSharedByConcurrentRequests(t *testing.T) {
	t.Parallel()
	var rec recorder
	srv := newServer(t, script(&rec, throttled("x", "Retry-After", "1"), ok))
	c := newClient(t, srv.URL, WithRetries(2), WithBudget(Budget{PerMinute: 10, PerHour: 1000}))
	new(clock).install(c)
	k := fakeClock(c)
	var wg stdsync.WaitGroup
	for range 25 {
		wg.Go(func() {
			if err := c.Delete(context.Background(), 1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := rec.count(); n != 26 {
		t.Fatalf("%d requests, want 26 (one retried 429)", n)
	}
	if d := k.elapsed(); d < 2*time.Minute {
		t.Errorf("26 requests at 10 a minute took %v on the clock, want at least 2m", d)
	}
	if m := most(c.limiter.log, time.Minute); m != 10 {
		t.Errorf("%d turns within a minute, want 10", m)
	}
}

// A turn that comes after the caller's deadline fails at once, without
// sending, and is not taken from the budget.
func TestBudgetDeadline(t *testing.T) {
	t.Parallel()
	var rec recorder
	srv := newServer(t, script(&rec, ok))
	c := newClient(t, srv.URL, WithBudget(Budget{PerMinute: 2, PerHour: 100}))
	fakeClock(c)
	for range 2 {
		if err := c.Delete(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := c.Delete(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "PostHog's request budget for a key (2 a minute and 100 an hour, kept 0% below): the next slot comes after the context deadline") {
		t.Errorf("error = %v", err)
	}
	if IsAmbiguous(err) || rec.count() != 2 || len(c.limiter.log) != 2 {
		t.Errorf("ambiguous %v, %d requests, %d turns: want a refusal before sending", IsAmbiguous(err), rec.count(), len(c.limiter.log))
	}
}

func TestBudgetValidated(t *testing.T) {
	t.Parallel()
	for _, b := range []Budget{{PerMinute: -1}, {Margin: 1}, {Margin: -0.1}, {Margin: math.NaN()}, {TimeScale: -1}, {TimeScale: math.Inf(1)}} {
		if _, err := New("https://us.posthog.com", "1", testKey, WithBudget(b)); err == nil || !strings.Contains(err.Error(), "budget") {
			t.Errorf("WithBudget(%+v): error = %v", b, err)
		}
	}
}

// The log of turns stays as long as the widest window needs, however long
// the run.
func TestBudgetLogBounded(t *testing.T) {
	t.Parallel()
	at, _ := sends(t, Budget{PerMinute: 10}, 10_000)
	c, err := New("https://us.posthog.com", "1", testKey, WithBudget(Budget{PerMinute: 10}))
	if err != nil {
		t.Fatal(err)
	}
	fakeClock(c)
	for range 10_000 {
		c.waitTurn(context.Background())
		if n := len(c.limiter.log); n > 20 {
			t.Fatalf("log of %d turns, want at most 20", n)
		}
	}
	if m := most(at, time.Minute); m != 10 {
		t.Errorf("%d turns within a minute, want 10", m)
	}
}

// A run over several projects with one key keeps one budget: PostHog
// counts requests per key, not per project.
func TestForProjectSharesTheBudget(t *testing.T) {
	c, err := New("https://eu.posthog.com", "1", "phx_"+strings.Repeat("a", 40))
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.ForProject("007")
	if err != nil {
		t.Fatal(err)
	}
	if other.Project() != "7" || c.Project() != "1" {
		t.Errorf("projects: %s and %s, want 1 and 7", c.Project(), other.Project())
	}
	if other.limiter != c.limiter {
		t.Error("the copy for another project has a budget of its own")
	}
	if other.Host() != c.Host() {
		t.Errorf("host changed: %s", other.Host())
	}
	if _, err := c.ForProject("x1"); err == nil {
		t.Error("ForProject accepted a project that is not an id")
	}
}
