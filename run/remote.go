package run

import (
	"errors"
	"fmt"
	"time"

	"github.com/hogsync/hogsync/client"
)

// Remote say which PostHog project to talk to. The API key is never a
// flag value: it would show in process lists and shell history.
type Remote struct {
	Host       string
	Project    string
	APIKeyFile string
}

// Conn pace and bound the conversation with PostHog.
type Conn struct {
	Rate           float64
	PageSize       int
	RequestTimeout time.Duration
	MaxRetryWait   time.Duration
	MaxListItems   int
	MaxListBytes   int64
	Debug          bool
	// BudgetTimeScale makes PostHog's budget windows pass faster, for
	// benchmarks and tests against an emulator whose throttle is
	// time-scaled the same way.
	BudgetTimeScale float64
}

func (f Conn) validate() error {
	var errs []error
	if f.Rate < 0 {
		errs = append(errs, fmt.Errorf("--rate %g: must be more than 0 requests a second (or 0 for no ceiling)", f.Rate))
	}
	if f.PageSize < 0 {
		errs = append(errs, fmt.Errorf("--page-size %d: must be at least 1", f.PageSize))
	}
	if f.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--request-timeout %v: must be positive", f.RequestTimeout))
	}
	if f.MaxRetryWait <= 0 {
		errs = append(errs, fmt.Errorf("--max-retry-wait %v: must be positive", f.MaxRetryWait))
	}
	if f.MaxListItems < 0 || f.MaxListBytes < 0 {
		errs = append(errs, errors.New("--max-list-items and --max-list-bytes must be positive"))
	}
	if !(f.BudgetTimeScale > 0) {
		errs = append(errs, fmt.Errorf("--budget-time-scale %g: must be positive", f.BudgetTimeScale))
	}
	return errors.Join(errs...)
}

// client makes the run's PostHog client.
func (f Conn) client(e *env, r Remote, key string) (*client.Client, error) {
	budget := client.DefaultBudget()
	budget.TimeScale = f.BudgetTimeScale
	opts := []client.Option{
		client.WithUserAgent("hogsync/" + e.version),
		client.WithBudget(budget),
		client.WithRequestTimeout(f.RequestTimeout),
		client.WithMaxRetryWait(f.MaxRetryWait),
		client.WithObserver(func(a client.Attempt) { reportRetry(e, a); e.observe(a) }),
	}
	if f.Rate > 0 {
		opts = append(opts, client.WithRateLimit(f.Rate, max(1, min(10, int(f.Rate)))))
	}
	if f.PageSize > 0 {
		opts = append(opts, client.WithPageSize(f.PageSize))
	}
	if f.MaxListItems > 0 || f.MaxListBytes > 0 {
		items, bytes := f.MaxListItems, f.MaxListBytes
		if items == 0 {
			items = defaultMaxListItems
		}
		if bytes == 0 {
			bytes = defaultMaxListBytes
		}
		opts = append(opts, client.WithListLimits(items, bytes))
	}
	if f.Debug {
		opts = append(opts, client.WithDebug(e.stderr))
	}
	return client.New(r.Host, r.Project, key, opts...)
}

// The client's own list caps, named here for the flags' help.
const (
	defaultMaxListItems = 250_000
	defaultMaxListBytes = 128 << 20
)

// listLimitHint names the flag that raises a list cap.
func listLimitHint(err error) string {
	var le *client.ListLimitError
	if !errors.As(err, &le) {
		return ""
	}
	if le.What == "bytes" {
		return "the limit is --max-list-bytes"
	}
	return "the limit is --max-list-items"
}
