package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
	hsync "github.com/hogsync/hogsync/sync"
)

// remoteFlags say which PostHog project to talk to. The API key is never a
// flag value: it would show in process lists and shell history.
type remoteFlags struct {
	Host       string `env:"POSTHOG_HOST" default:"https://us.posthog.com" help:"PostHog app URL: https://us.posthog.com, https://eu.posthog.com or your own. Plain http:// only for loopback."`
	Project    string `env:"POSTHOG_PROJECT_ID" required:"" help:"Project id (the number after /project/ in PostHog's URL) or @current."`
	APIKeyFile string `name:"api-key-file" placeholder:"PATH" help:"Read the personal API key from this file instead of POSTHOG_PERSONAL_API_KEY."`
}

type syncCmd struct {
	Dir string `arg:"" optional:"" default:"." help:"Directory of holdout manifests (*.yaml, *.yml, recursively)."`
	remoteFlags

	Apply            bool     `help:"Make the changes. Without it, sync only shows them."`
	Prune            bool     `help:"Also delete holdouts in PostHog that no manifest names."`
	DetailedExitcode bool     `name:"detailed-exitcode" help:"On a dry run, exit 2 when there are changes (0: none, 1: error)."`
	MaxDeletes       int      `name:"max-deletes" default:"-1" placeholder:"N" help:"Refuse a plan that deletes more than N holdouts (-1: no limit)."`
	Target           []string `placeholder:"NAME" help:"Only plan for the holdout with this name (repeatable)."`

	applyFlags
}

// applyFlags pace and bound the conversation with PostHog.
type applyFlags struct {
	Parallelism int           `default:"4" help:"Changes in flight at once during --apply."`
	Rate        float64       `default:"6" placeholder:"N" help:"At most N requests a second (PostHog allows a personal API key 480 a minute and 4,800 an hour)."`
	Timeout     time.Duration `default:"30m" help:"Give up after this long: no new change starts, those in flight finish."`
}

func (f applyFlags) validate() error {
	if f.Parallelism < 1 {
		return fmt.Errorf("--parallelism %d: must be at least 1", f.Parallelism)
	}
	if !(f.Rate > 0) {
		return fmt.Errorf("--rate %g: must be more than 0 requests a second", f.Rate)
	}
	if f.Timeout <= 0 {
		return fmt.Errorf("--timeout %v: must be positive", f.Timeout)
	}
	return nil
}

func (c *syncCmd) Run(e *env) error {
	if err := c.applyFlags.validate(); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	holdouts, err := loadManifests(e, os.DirFS(c.Dir), c.Dir)
	if err != nil {
		return err
	}
	key, err := apiKey(e, c.APIKeyFile)
	if err != nil {
		return err
	}
	return runSync(e, holdouts, syncParams{
		host: c.Host, project: c.Project, key: key,
		apply: c.Apply, prune: c.Prune, detailedExitcode: c.DetailedExitcode,
		maxDeletes: c.MaxDeletes, targets: c.Target, applyFlags: c.applyFlags,
	})
}

type syncParams struct {
	host, project, key string
	apply, prune       bool
	detailedExitcode   bool
	maxDeletes         int
	targets            []string
	applyFlags
}

// hourlyBudget is PostHog's sustained limit for one personal API key.
const hourlyBudget = 4800

// runSync plans, prints the plan, and applies it when asked. It is shared
// by `sync` and `demo`.
func runSync(e *env, desired []manifest.Holdout, p syncParams) error {
	ctx, cancel := context.WithTimeout(e.ctx, p.Timeout)
	defer cancel()
	api, err := client.New(p.host, p.project, p.key,
		client.WithUserAgent("hogsync/"+version),
		client.WithRateLimit(p.Rate, rateBurst(p.Rate)),
		client.WithObserver(func(a client.Attempt) { reportRetry(e, a) }),
	)
	if err != nil {
		return err
	}
	remote, err := api.List(ctx)
	if err != nil {
		return err
	}
	experiments, err := api.ListExperiments(ctx)
	if err != nil {
		var ae *client.APIError
		if !errors.As(err, &ae) || (ae.StatusCode != http.StatusForbidden && ae.StatusCode != http.StatusNotFound) {
			return err
		}
		// A key without experiment:read still manages holdouts; the plan
		// says the blast radius is unknown.
		fmt.Fprintf(e.stderr, "hogsync: warning: experiments cannot be read, so the plan cannot show which experiments each change affects: %v\n", err)
		experiments = nil
	} else if experiments == nil {
		experiments = []client.Experiment{}
	}

	plan, err := hsync.Compute(desired, remote, experiments, hsync.Options{Prune: p.prune, Targets: p.targets})
	if errors.Is(err, hsync.ErrPruneEverything) {
		return fmt.Errorf("%w; no manifests were loaded. Check the directory, or drop --prune", err)
	}
	if err != nil {
		return err
	}
	if err := hsync.RenderText(e.stdout, plan, hsync.TextOptions{Color: e.color}); err != nil {
		return err
	}
	if err := plan.CheckMaxDeletes(p.maxDeletes); err != nil {
		return fmt.Errorf("%w. Nothing was changed", err)
	}
	conflicts := len(plan.Conflicts) > 0
	if conflicts {
		fmt.Fprintf(e.stderr, "hogsync: error: %d %s: PostHog has more than one holdout a manifest could mean; see the ! blocks above\n",
			len(plan.Conflicts), plural(len(plan.Conflicts), "conflict", "conflicts"))
	}

	if !p.apply {
		switch {
		case conflicts:
			return quiet(exitFailure)
		case plan.HasChanges() && p.detailedExitcode:
			return quiet(exitChanges)
		case plan.HasChanges():
			fmt.Fprintln(e.stderr, "This was a dry run: nothing was changed. Run again with --apply to make these changes.")
		}
		return nil
	}
	if !plan.HasChanges() {
		if conflicts {
			return quiet(exitFailure)
		}
		return nil
	}

	if n := len(plan.Changes); n > hourlyBudget {
		fmt.Fprintf(e.stderr, "hogsync: warning: this plan makes %d changes, more than the %d requests an hour PostHog allows one API key: expect throttling and a long apply, or split it with --target\n", n, hourlyBudget)
	}
	fmt.Fprintln(e.stdout)
	// Say at once that an interrupt was heard; Apply then starts nothing
	// new and lets the changes in flight finish.
	stopNote := context.AfterFunc(ctx, func() {
		if errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			fmt.Fprintf(e.stderr, "hogsync: --timeout %v reached: finishing the changes in flight, starting no new ones\n", p.Timeout)
			return
		}
		fmt.Fprintln(e.stderr, "hogsync: interrupted: finishing the changes in flight, starting no new ones")
	})
	defer stopNote()
	rep := hsync.Apply(ctx, api, plan, hsync.ApplyOptions{
		Parallelism: p.Parallelism,
		OnResult: func(r hsync.Result) {
			_ = hsync.RenderResult(e.stdout, r, hsync.TextOptions{Color: e.color, Hint: hint})
		},
	})
	fmt.Fprintln(e.stdout, hsync.ApplySummary(rep))
	switch {
	case rep.Count(hsync.Failed) > 0 || rep.Count(hsync.NotAttempted) > 0:
		fmt.Fprintln(e.stderr, "hogsync: error: not every change was applied; fix what is reported above and run again: sync picks up where it stopped")
		return quiet(exitFailure)
	case conflicts:
		return quiet(exitFailure)
	case rep.Count(hsync.Pending) > 0:
		fmt.Fprintln(e.stderr, "hogsync: some changes wait for approval in PostHog; once approved, run sync again to confirm")
		return quiet(exitPending)
	}
	return nil
}

// rateBurst lets a few requests go at once without exceeding the rate
// over any second.
func rateBurst(rate float64) int { return max(1, min(10, int(rate))) }

// reportRetry tells stderr when PostHog is slow or throttling, so a long
// pause is never silent.
func reportRetry(e *env, a client.Attempt) {
	if !a.Retry {
		return
	}
	what := "PostHog answered " + fmt.Sprint(a.Status)
	if a.Status == 0 {
		what = rootCause(a.Err)
	}
	fmt.Fprintf(e.stderr, "hogsync: %s %s: %s; retrying in %v\n", a.Method, a.Path, what, a.Wait.Round(time.Millisecond))
}

// rootCause is the innermost error's text, e.g. "connection refused".
func rootCause(err error) string {
	for err != nil {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
	return "no answer"
}

// loadManifests loads and validates, printing every problem on its own
// line (file:line:col: message) to stderr.
func loadManifests(e *env, fsys fs.FS, prefix string) ([]manifest.Holdout, error) {
	holdouts, err := manifest.LoadFS(fsys, prefix)
	var list manifest.List
	if errors.As(err, &list) {
		for _, p := range list {
			fmt.Fprintln(e.stderr, p.Error())
		}
		return nil, &exitError{code: exitFailure, err: fmt.Errorf("%d %s in manifests; nothing was sent to PostHog",
			len(list), plural(len(list), "problem", "problems"))}
	}
	if err != nil {
		return nil, err
	}
	return holdouts, nil
}

// apiKey reads the personal API key from --api-key-file or
// POSTHOG_PERSONAL_API_KEY, and registers it for redaction.
func apiKey(e *env, file string) (string, error) {
	var key string
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read --api-key-file: %w", err)
		}
		key = strings.TrimSpace(string(b))
		if key == "" {
			return "", fmt.Errorf("--api-key-file %s is empty; put the personal API key in it", file)
		}
	} else {
		key = strings.TrimSpace(e.getenv("POSTHOG_PERSONAL_API_KEY"))
		if key == "" {
			return "", errors.New("no API key: set POSTHOG_PERSONAL_API_KEY to a personal API key (PostHog, Settings, Personal API keys; scopes experiment_holdout:read, plus :write to apply, and experiment:read for the blast radius), or pass --api-key-file")
		}
	}
	e.secret.set(key)
	return key, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
