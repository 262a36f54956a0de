package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"time"
)

const (
	defaultAttempts       = 4
	defaultMaxRetryWait   = 60 * time.Second
	defaultRequestTimeout = 30 * time.Second

	backoffBase = 250 * time.Millisecond
	backoffCap  = 10 * time.Second
)

// Attempt describes one HTTP attempt of a request, for WithObserver. It
// never holds the API key.
type Attempt struct {
	Method  string
	Path    string        // URL path only, as in APIError
	Attempt int           // 1 for the first try
	Status  int           // HTTP status; 0 when no response arrived
	Err     error         // nil when the attempt succeeded
	Wait    time.Duration // pause before the next attempt; 0 when none follows
	Retry   bool          // another attempt follows after Wait (Wait may be 0)
}

// WithRetries sets how many attempts a request gets at most, the first
// included (default 4; 1 turns retries off). What is retried is
// RetryTable's to say: a 429 for every method, after the server's
// Retry-After; a failure before anything was sent, for every method; and a
// 5xx other than 501 or a lost answer, for GET, PATCH and DELETE only, with
// exponential backoff and full jitter. POST is never sent again once it
// may have reached the server, as the holdout may have been created: see
// IsAmbiguous.
func WithRetries(n int) Option {
	return func(c *Client) {
		if n < 1 {
			c.optErrs = append(c.optErrs, fmt.Errorf("retries %d: a request needs at least 1 attempt", n))
			return
		}
		c.attempts = n
	}
}

// WithMaxRetryWait caps each pause between attempts, including a 429's
// Retry-After (default 60s).
func WithMaxRetryWait(d time.Duration) Option {
	return func(c *Client) {
		if d <= 0 {
			c.optErrs = append(c.optErrs, fmt.Errorf("max retry wait %v must be positive", d))
			return
		}
		c.maxRetryWait = d
	}
}

// WithRequestTimeout bounds each attempt, from sending to reading the
// whole answer (default 30s). d <= 0 leaves attempts bounded only by the
// caller's context.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) { c.requestTimeout = max(d, 0) }
}

// WithObserver calls f after every attempt, for diagnostics such as
// "retrying in 2s". f runs on the request's goroutine, so it must be quick
// and, if the client is shared, safe for concurrent use.
func WithObserver(f func(Attempt)) Option {
	return func(c *Client) { c.observer = f }
}

// waitTurn waits for the rate limiter and the budget.
func (c *Client) waitTurn(ctx context.Context) (time.Duration, error) {
	waited, err := c.limiter.wait(ctx)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return waited, cerr
		}
	}
	return waited, err
}

// retryWait says whether err, the error of attempt n of a request made
// with method, may be retried (RetryTable), and after how long: a 429's
// Retry-After (or the wait its detail names), otherwise jittered
// exponential backoff; never more than the client's maximum wait.
func (c *Client) retryWait(method string, n int, err error) (time.Duration, bool) {
	f := FailureOf(err)
	if !Decide(f, method).Retry {
		return 0, false
	}
	var d time.Duration
	var ae *APIError
	if f == Throttled && errors.As(err, &ae) {
		d = ae.RetryAfter
		if d <= 0 {
			d = retryAfterFromDetail(ae.Detail)
		}
	}
	if d <= 0 {
		d = c.backoff(n)
	}
	return min(d, c.maxRetryWait), true
}

// backoff is the full-jitter exponential backoff before attempt n+1.
func (c *Client) backoff(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffCap; i++ {
		d *= 2
	}
	return c.jitter(min(d, backoffCap))
}

func fullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

var availableIn = regexp.MustCompile(`(?i)available in (\d+(?:\.\d+)?) seconds?`)

// retryAfterFromDetail reads PostHog's "Expected available in N seconds."
func retryAfterFromDetail(detail string) time.Duration {
	m := availableIn.FindStringSubmatch(detail)
	if m == nil {
		return 0
	}
	secs, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0
	}
	return time.Duration(min(secs, 1e9) * float64(time.Second))
}
