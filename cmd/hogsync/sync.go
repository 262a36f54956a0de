package main

import (
	"bytes"
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
	Target           []string `placeholder:"NAME" sep:"none" help:"Only plan for the holdout with this name (repeatable; a name may hold commas)."`
	Output           string   `short:"o" enum:"text,json,markdown" default:"text" help:"Plan format: text, json (a versioned document, see docs/json-format.md) or markdown."`
	PlanOut          string   `name:"plan-out" placeholder:"FILE" help:"Also save the plan (and results) as JSON in FILE."`
	Comment          bool     `help:"On GitHub Actions, keep the plan in one comment on the pull request (needs GITHUB_TOKEN)."`
	Force            bool     `help:"Change or delete holdouts that running experiments use (their feature flags are rewritten mid-run)."`
	IDMap            string   `name:"id-map" placeholder:"FILE" help:"With --apply, write which id each exported holdout (its source id comment) has in this project, as JSON."`
	Plan             string   `name:"plan" placeholder:"FILE" help:"With --apply, apply exactly the plan saved in FILE by --plan-out, refusing if PostHog or the manifests moved since."`

	applyFlags
}

// applyFlags pace and bound the conversation with PostHog.
type applyFlags struct {
	Parallelism    int           `default:"4" help:"Changes in flight at once during --apply."`
	Rate           float64       `default:"6" help:"Requests a second at most (PostHog allows a personal API key 480 a minute and 4,800 an hour)."`
	Timeout        time.Duration `default:"30m" help:"Give up after this long: no new change starts, those in flight finish."`
	RequestTimeout time.Duration `name:"request-timeout" default:"30s" help:"Give up on one request after this long (it is retried when that is safe)."`
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
	if f.RequestTimeout <= 0 {
		return fmt.Errorf("--request-timeout %v: must be positive", f.RequestTimeout)
	}
	return nil
}

func (c *syncCmd) Run(e *env) error {
	if c.Output != "text" {
		e.workflow = e.stderr // stdout is one document
	}
	p := syncParams{
		host: c.Host, project: c.Project,
		apply: c.Apply, prune: c.Prune, detailedExitcode: c.DetailedExitcode,
		maxDeletes: c.MaxDeletes, targets: c.Target, applyFlags: c.applyFlags,
		output: c.Output, planOut: c.PlanOut, comment: c.Comment, dir: c.Dir, force: c.Force, idMap: c.IDMap,
		savedPath: c.Plan,
	}
	err := c.run(e, p)
	if err != nil {
		var ee *exitError
		if !errors.As(err, &ee) || ee.err != nil || ee.code == exitUsage {
			publishFailure(e, p, err)
		}
	}
	return err
}

func (c *syncCmd) run(e *env, p syncParams) error {
	if err := c.applyFlags.validate(); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if c.IDMap != "" && !c.Apply {
		return &exitError{code: exitUsage, err: errors.New("--id-map needs --apply: the ids of created holdouts exist only once they are made")}
	}
	if c.Plan != "" {
		if !c.Apply {
			return &exitError{code: exitUsage, err: errors.New("--plan needs --apply: it applies a plan saved by --plan-out")}
		}
		s, err := readSavedPlan(c.Plan)
		if err != nil {
			return err
		}
		if c.Prune != s.Prune {
			return &exitError{code: exitUsage, err: fmt.Errorf("--plan %s was made with prune=%v: pass --prune exactly when the plan had it", c.Plan, s.Prune)}
		}
		p.saved = &s
	}
	if err := client.CheckTarget(c.Host, c.Project); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	holdouts, err := loadManifests(e, os.DirFS(c.Dir), c.Dir)
	if err != nil {
		return err
	}
	if p.key, err = apiKey(e, c.APIKeyFile); err != nil {
		return err
	}
	return runSync(e, holdouts, p)
}

type syncParams struct {
	host, project, key string
	apply, prune       bool
	detailedExitcode   bool
	maxDeletes         int
	targets            []string
	output             string
	planOut            string
	comment            bool
	force              bool
	idMap              string
	saved              *hsync.SavedPlan // --plan: apply only if the plan made now is this one
	savedPath          string
	dir                string // for the comment's marker
	applyFlags
}

// hourlyBudget is PostHog's sustained limit for one personal API key.
const hourlyBudget = 4800

// runSync plans, prints the plan, and applies it when asked. It is shared
// by `sync` and `demo`. Text output streams (the plan, then each result as
// it completes); JSON and markdown are one document written at the end.
func runSync(e *env, desired []manifest.Holdout, p syncParams) error {
	ctx, cancel := context.WithTimeout(e.ctx, p.Timeout)
	defer cancel()
	api, err := client.New(p.host, p.project, p.key,
		client.WithUserAgent("hogsync/"+currentVersion()),
		client.WithRateLimit(p.Rate, rateBurst(p.Rate)),
		client.WithRequestTimeout(p.RequestTimeout),
		client.WithObserver(func(a client.Attempt) { reportRetry(e, a) }),
	)
	if err != nil {
		return err
	}
	plan, err := makePlan(ctx, e, api, desired, p)
	if err != nil {
		return err
	}
	out := &outcome{plan: plan, meta: hsync.Meta{Version: currentVersion(), Host: api.Host(), Project: p.project, Prune: p.prune, Apply: p.apply}}
	if p.saved != nil {
		if diffs := p.saved.Stale(plan, out.meta); len(diffs) > 0 {
			for _, d := range diffs {
				fmt.Fprintf(e.stderr, "  %s\n", d)
			}
			return fmt.Errorf("the plan saved in %s is stale: what it would do now differs from what it shows (above); nothing was changed. Make and review a new plan", p.savedPath)
		}
	}
	if p.output == "text" {
		if err := hsync.RenderText(e.stdout, plan, hsync.TextOptions{Color: e.color}); err != nil {
			return err
		}
	}
	if err := plan.CheckMaxDeletes(p.maxDeletes); err != nil {
		out.refused = fmt.Errorf("%w. Nothing was changed", err)
		out.meta.Refused = out.refused.Error()
	} else if p.apply && plan.HasChanges() {
		rep := apply(ctx, e, api, plan, p)
		out.report = &rep
	}
	if err := finish(e, p, out); err != nil {
		return err
	}
	if p.idMap != "" && out.refused == nil {
		if err := writeIDMap(e, p.idMap, desired, out); err != nil {
			return err
		}
	}
	return out.verdict(e, p)
}

// readSavedPlan reads a plan saved by --plan-out.
func readSavedPlan(path string) (hsync.SavedPlan, error) {
	f, err := os.Open(path)
	if err != nil {
		return hsync.SavedPlan{}, fmt.Errorf("--plan: %w", err)
	}
	defer f.Close()
	s, err := hsync.ReadSavedPlan(f)
	if err != nil {
		return hsync.SavedPlan{}, fmt.Errorf("--plan %s: %w", path, err)
	}
	return s, nil
}

// writeIDMap saves which id each exported holdout has in this project.
func writeIDMap(e *env, path string, desired []manifest.Holdout, o *outcome) error {
	var rep hsync.Report
	if o.report != nil {
		rep = *o.report
	}
	m := hsync.BuildIDMap(desired, o.plan, rep, o.meta)
	if len(m.Holdouts) == 0 {
		fmt.Fprintln(e.stderr, "hogsync: warning: no manifest carries a source id (a \"# hogsync-source-id: N\" comment, written by hogsync export), so the id map is empty")
	}
	var buf bytes.Buffer
	if err := hsync.WriteIDMap(&buf, m); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--id-map: %w", err)
	}
	fmt.Fprintf(e.stderr, "hogsync: wrote the id map of %d %s to %s\n", len(m.IDs), plural(len(m.IDs), "holdout", "holdouts"), path)
	return nil
}

// outcome is everything a sync run ends with, for the final documents and
// the exit code.
type outcome struct {
	plan    hsync.Plan
	meta    hsync.Meta
	report  *hsync.Report // nil when nothing was applied
	refused error         // a plan over --max-deletes
}

// makePlan lists what PostHog has and computes the plan.
func makePlan(ctx context.Context, e *env, api *client.Client, desired []manifest.Holdout, p syncParams) (hsync.Plan, error) {
	remote, err := api.List(ctx)
	if err != nil {
		return hsync.Plan{}, err
	}
	experiments, err := api.ListExperiments(ctx)
	if err != nil {
		var ae *client.APIError
		if !errors.As(err, &ae) || (ae.StatusCode != http.StatusForbidden && ae.StatusCode != http.StatusNotFound) {
			return hsync.Plan{}, err
		}
		// A key without experiment:read still manages holdouts; the plan
		// says the blast radius is unknown.
		fmt.Fprintf(e.stderr, "hogsync: warning: experiments cannot be read, so the plan cannot show which experiments each change affects, nor hold back changes to holdouts that running experiments use (grant the key experiment:read): %v\n", err)
		experiments = nil
	} else if experiments == nil {
		experiments = []client.Experiment{}
	}
	plan, err := hsync.Compute(desired, remote, experiments, hsync.Options{Prune: p.prune, Targets: p.targets, Force: p.force})
	if errors.Is(err, hsync.ErrPruneEverything) {
		return hsync.Plan{}, fmt.Errorf("%w; no manifests were loaded. Check the directory, or drop --prune", err)
	}
	return plan, err
}

// apply executes the plan, streaming each result in text mode.
func apply(ctx context.Context, e *env, api *client.Client, plan hsync.Plan, p syncParams) hsync.Report {
	if w := budgetWarning(len(plan.Changes)); w != "" {
		fmt.Fprintln(e.stderr, w)
	}
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
	text := p.output == "text"
	if text {
		fmt.Fprintln(e.stdout)
	}
	rep := hsync.Apply(ctx, api, plan, hsync.ApplyOptions{
		Parallelism: p.Parallelism,
		OnResult: func(r hsync.Result) {
			if text {
				_ = hsync.RenderResult(e.stdout, r, hsync.TextOptions{Color: e.color, Hint: hint})
			}
		},
	})
	if text {
		fmt.Fprintln(e.stdout, hsync.ApplySummary(rep))
	}
	return rep
}

// finish writes what goes out once the run is over: the JSON or markdown
// document, the saved plan, and on GitHub Actions the job summary, step
// outputs and pull request comment.
func finish(e *env, p syncParams, o *outcome) error {
	switch p.output {
	case "json":
		if err := hsync.RenderJSON(e.stdout, o.plan, o.meta, o.report); err != nil {
			return err
		}
	case "markdown":
		if err := hsync.RenderMarkdown(e.stdout, o.plan, o.meta, o.report, hsync.MarkdownOptions{}); err != nil {
			return err
		}
	}
	// The plan file goes first so plan-json names it only when it exists;
	// failing to write it still publishes the plan, then fails the run.
	var fileErr error
	if p.planOut != "" {
		var buf bytes.Buffer
		if err := hsync.RenderJSON(&buf, o.plan, o.meta, o.report); err != nil {
			return err
		}
		if err := os.WriteFile(p.planOut, buf.Bytes(), 0o644); err != nil {
			fileErr = fmt.Errorf("--plan-out: %w", err)
		}
	}
	if err := publishToGitHub(e, p, o, fileErr == nil); err != nil {
		return err
	}
	return fileErr
}

// verdict prints the closing diagnostics and returns the exit code's error.
func (o *outcome) verdict(e *env, p syncParams) error {
	if o.refused != nil {
		return o.refused
	}
	conflicts := len(o.plan.Conflicts) > 0
	if conflicts {
		fmt.Fprintf(e.stderr, "hogsync: error: %d %s: PostHog has more than one holdout a manifest could mean; see the plan\n",
			len(o.plan.Conflicts), plural(len(o.plan.Conflicts), "conflict", "conflicts"))
	}
	if n := o.plan.Blocked(); n > 0 {
		for _, c := range o.plan.Changes {
			if c.Blocked() {
				fmt.Fprintf(e.stderr, "hogsync: error: %s: %s\n", hsync.Headline(c), hsync.BlockedReason(c))
			}
		}
	}
	rep := o.report
	switch {
	case rep != nil && (rep.Count(hsync.Failed) > 0 || rep.Count(hsync.NotAttempted) > 0):
		fmt.Fprintln(e.stderr, "hogsync: error: not every change was applied; fix what is reported above and run again: sync picks up where it stopped")
		return quiet(exitFailure)
	case conflicts, o.plan.Blocked() > 0:
		return quiet(exitFailure)
	case rep != nil && rep.Count(hsync.Pending) > 0:
		fmt.Fprintln(e.stderr, "hogsync: some changes wait for approval in PostHog; once approved, run sync again to confirm")
		return quiet(exitPending)
	case !p.apply && o.plan.HasChanges() && p.detailedExitcode:
		return quiet(exitChanges)
	case !p.apply && o.plan.HasChanges():
		fmt.Fprintln(e.stderr, "This was a dry run: nothing was changed. Run again with --apply to make these changes.")
	}
	return nil
}

// budgetWarning warns before an apply that needs more requests than
// PostHog's hourly budget for one key; "" when it fits.
func budgetWarning(changes int) string {
	if changes <= hourlyBudget {
		return ""
	}
	return fmt.Sprintf("hogsync: warning: this plan makes %d changes, more than the %d requests an hour PostHog allows one API key: expect throttling and a long apply, or split it with --target", changes, hourlyBudget)
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
		annotate(e, list)
		return nil, &exitError{code: exitFailure, err: fmt.Errorf("%d %s in manifests; nothing was sent to PostHog",
			len(list), plural(len(list), "problem", "problems"))}
	}
	if err != nil {
		// The directory itself is missing or unreadable: the argument is
		// wrong.
		return nil, &exitError{code: exitUsage, err: err}
	}
	return holdouts, nil
}

// apiKey reads the personal API key from --api-key-file or
// POSTHOG_PERSONAL_API_KEY, and registers it for redaction.
func apiKey(e *env, file string) (string, error) {
	var key string
	if file != "" {
		if strings.HasPrefix(file, "phx_") {
			// The key itself, given where its file's path belongs: never
			// echo it.
			e.secret.add(file)
			return "", &exitError{code: exitUsage, err: errors.New("--api-key-file takes the path of a file that holds the key, and was given what looks like the key itself (phx_...), which is not printed. Put the key in a file, or in POSTHOG_PERSONAL_API_KEY; and since it was typed on a command line, consider rotating it")}
		}
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
	e.secret.add(key)
	return key, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
