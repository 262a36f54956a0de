package client

import (
	"context"
	"fmt"
	"github.com/hogsync/hogsync/internal/wait"
	"math"
	stdsync "sync"
	"time"

	"golang.org/x/time/rate"
)

// Budget is PostHog's request budget for one personal API key, which the
// client keeps to so that it is not throttled: PostHog allows 480 requests
// in any minute and 4,800 in any hour (Django REST framework's
// SimpleRateThrottle, a sliding log of request times per key). Within the
// budget requests go at once, so a short run bursts (a 100-page listing is
// read without a pause); a long one is paced to the windows.
type Budget struct {
	// PerMinute and PerHour are the requests allowed in any minute and in
	// any hour. A zero value leaves that window out; Budget{} turns the
	// budget off.
	PerMinute, PerHour int
	// Margin is the share of each window kept in reserve, for clock skew,
	// network jitter and the odd request of another tool (0 to 1;
	// DefaultBudget keeps 5%: 456 a minute and 4,560 an hour).
	Margin float64
	// TimeScale shortens the windows: 1 (or 0) is real time, and 60 makes
	// a minute last a second, for tests and benchmarks against a server
	// whose throttle is scaled the same way.
	TimeScale float64
}

// DefaultBudget is PostHog's budget for a personal API key, 480 requests a
// minute and 4,800 an hour, with 5% kept in reserve.
func DefaultBudget() Budget {
	return Budget{PerMinute: 480, PerHour: 4800, Margin: 0.05, TimeScale: 1}
}

// WithBudget sets the request budget the client keeps to (default
// DefaultBudget). Every attempt, retries and list pages included, waits
// until it fits in every window. The budget is the client's, and shared by
// the copy Pin returns; two clients with the same key do not know of each
// other.
func WithBudget(b Budget) Option {
	return func(c *Client) {
		if b.PerMinute < 0 || b.PerHour < 0 || !(b.Margin >= 0 && b.Margin < 1) || !(b.TimeScale >= 0) || math.IsInf(b.TimeScale, 1) {
			c.optErrs = append(c.optErrs, fmt.Errorf("budget %+v: the counts must not be negative, the margin must be from 0 to less than 1, and the time scale positive", b))
			return
		}
		c.budget = b
	}
}

// WithRateLimit caps the client at rps requests a second with bursts of
// burst, on top of the budget: for a key that other tools use at the same
// time, which PostHog counts in the same windows. There is no cap by
// default; math.Inf(1) turns it off.
func WithRateLimit(rps float64, burst int) Option {
	return func(c *Client) {
		if !(rps > 0) || burst < 1 {
			c.optErrs = append(c.optErrs, fmt.Errorf("rate limit %g/s with burst %d: both must be positive", rps, burst))
			return
		}
		c.rps, c.burst = rps, burst
	}
}

// window is one sliding window of a budget: at most max requests in any
// span of d (a request at time t counts for the spans (t-d+ε .. t+d]).
type window struct {
	d   time.Duration
	max int
}

// limiter makes each attempt wait for its turn: first under the optional
// ceiling (a token bucket), then within every window of the budget. It is
// shared by every copy of a client.
type limiter struct {
	ceiling *rate.Limiter // nil for none
	rps     float64       // the ceiling's rate, for messages
	windows []window
	budget  Budget // as given, for messages

	// now and sleep are the clock; tests replace them.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu  stdsync.Mutex
	log []time.Time // the send times granted, ascending; the last few thousand
}

func newLimiter(rps float64, burst int, b Budget) *limiter {
	l := &limiter{budget: b, now: time.Now, sleep: wait.Sleep}
	if !math.IsInf(rps, 1) && rps < float64(rate.Inf) {
		l.ceiling, l.rps = rate.NewLimiter(rate.Limit(rps), burst), rps
	}
	scale := b.TimeScale
	if scale == 0 {
		scale = 1
	}
	for _, w := range []struct {
		n int
		d time.Duration
	}{{b.PerMinute, time.Minute}, {b.PerHour, time.Hour}} {
		if w.n > 0 {
			l.windows = append(l.windows, window{
				d:   time.Duration(float64(w.d) / scale),
				max: max(1, int(math.Floor(float64(w.n)*(1-b.Margin)))),
			})
		}
	}
	return l
}

// wait returns when the next request may be sent, and how long it
// waited; at once with an error when ctx ends first or its deadline comes
// before the turn.
func (l *limiter) wait(ctx context.Context) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	start := l.now()
	if l.ceiling != nil {
		now := l.now()
		r := l.ceiling.ReserveN(now, 1)
		d := r.DelayFrom(now)
		if !beforeDeadline(ctx, d) {
			r.CancelAt(now)
			return 0, fmt.Errorf("client-side rate limit of %g requests/s: the next slot comes after the context deadline: %w", l.rps, context.DeadlineExceeded)
		}
		if d > 0 {
			if err := l.sleep(ctx, d); err != nil {
				r.CancelAt(l.now())
				return l.now().Sub(start), err
			}
		}
	}
	if len(l.windows) == 0 {
		return l.now().Sub(start), nil
	}
	l.mu.Lock()
	now := l.now()
	t := l.slot(now)
	if !beforeDeadline(ctx, t.Sub(now)) {
		l.mu.Unlock()
		return now.Sub(start), fmt.Errorf("%s: the next slot comes after the context deadline: %w", l.describe(), context.DeadlineExceeded)
	}
	l.grant(t)
	l.mu.Unlock()
	if d := t.Sub(now); d > 0 {
		if err := l.sleep(ctx, d); err != nil {
			l.release(t)
			return l.now().Sub(start), err
		}
	}
	return l.now().Sub(start), nil
}

// slot is the earliest time from now at which one more request fits in
// every window, given the times granted so far. Times are granted in
// order, so the log stays sorted, and a window of max requests has room
// at t when the max-th latest request is at least d before t (or there is
// no such request).
func (l *limiter) slot(now time.Time) time.Time {
	t := now
	n := len(l.log)
	if n > 0 && l.log[n-1].After(t) {
		t = l.log[n-1]
	}
	for _, w := range l.windows {
		if n >= w.max {
			if free := l.log[n-w.max].Add(w.d); free.After(t) {
				t = free
			}
		}
	}
	return t
}

// grant logs a request at t, keeping only what the widest window needs.
func (l *limiter) grant(t time.Time) {
	keep := 0
	for _, w := range l.windows {
		keep = max(keep, w.max)
	}
	if len(l.log) >= 2*keep {
		l.log = append(l.log[:0], l.log[len(l.log)-keep+1:]...)
	}
	l.log = append(l.log, t)
}

// release gives back a turn that was not used, when no later turn was
// granted after it (later ones were counted with it, which is only safer).
func (l *limiter) release(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.log); n > 0 && l.log[n-1].Equal(t) {
		l.log = l.log[:n-1]
	}
}

func (l *limiter) describe() string {
	b := l.budget
	return fmt.Sprintf("PostHog's request budget for a key (%d a minute and %d an hour, kept %g%% below)", b.PerMinute, b.PerHour, b.Margin*100)
}

// beforeDeadline reports whether a wait of d ends no later than ctx's
// deadline.
func beforeDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || d <= 0 || time.Until(dl) >= d
}
