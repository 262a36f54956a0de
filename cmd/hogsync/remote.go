package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/hogsync/hogsync/client"
)

// remoteFlags say which PostHog project to talk to. The API key is never a
// flag value: it would show in process lists and shell history.
type remoteFlags struct {
	Host       string `env:"POSTHOG_HOST" default:"https://us.posthog.com" placeholder:"URL" group:"target" help:"PostHog app URL: https://us.posthog.com, https://eu.posthog.com or your own. Plain http:// only for loopback."`
	Project    string `env:"POSTHOG_PROJECT_ID" placeholder:"ID" group:"target" help:"Project id (the number after /project/ in PostHog's URL) or @current. Required unless the manifest directory's hogsync.yaml names it."`
	APIKeyFile string `name:"api-key-file" placeholder:"FILE" group:"target" help:"Read the personal API key from this file instead of POSTHOG_PERSONAL_API_KEY."`
}

// connFlags pace and bound the conversation with PostHog.
type connFlags struct {
	Rate           float64       `placeholder:"N" group:"pacing" help:"At most N requests a second, as a ceiling below PostHog's own budget (480 a minute and 4,800 an hour per key, which hogsync keeps to by itself): for a key shared with other tools. Default: no ceiling."`
	PageSize       int           `name:"page-size" placeholder:"N" group:"pacing" help:"Holdouts (and experiments) asked for per list request. Default 1000: PostHog sets no maximum, and fewer requests spend less of the key's budget."`
	RequestTimeout time.Duration `name:"request-timeout" default:"30s" placeholder:"DURATION" group:"pacing" help:"Give up on one request after this long (it is retried when that is safe)."`
	MaxRetryWait   time.Duration `name:"max-retry-wait" default:"60s" placeholder:"DURATION" group:"pacing" help:"Wait at most this long before retrying a request, PostHog's Retry-After included."`
	MaxListItems   int           `name:"max-list-items" placeholder:"N" group:"pacing" help:"Refuse a list of more than N items (default 250000): a guard against a server that never stops sending."`
	MaxListBytes   int64         `name:"max-list-bytes" placeholder:"BYTES" group:"pacing" help:"Refuse a list that takes more than this many bytes, as read or once decoded (default 134217728, 128 MiB)."`
	Debug          bool          `group:"output" help:"Log every request and response to stderr (method, URL, status, timing, retries; headers and bodies cut short), with the key redacted."`
	// BudgetTimeScale makes PostHog's budget windows pass faster, for
	// benchmarks and tests against an emulator whose throttle is
	// time-scaled the same way.
	BudgetTimeScale float64 `name:"budget-time-scale" hidden:"" default:"1"`
}

func (f connFlags) validate() error {
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
func (f connFlags) client(e *env, r remoteFlags, key string) (*client.Client, error) {
	budget := client.DefaultBudget()
	budget.TimeScale = f.BudgetTimeScale
	opts := []client.Option{
		client.WithUserAgent("hogsync/" + currentVersion()),
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
