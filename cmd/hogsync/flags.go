package main

import (
	"time"

	"github.com/hogsync/hogsync/run"
)

// The flags of each command, and how they become the options of a run.
// Nothing here decides anything: package run resolves every setting
// (flags, environment, the action's inputs, hogsync.yaml, defaults) and
// runs.

type syncCmd struct {
	Dir string `arg:"" optional:"" default:"." predictor:"dir" help:"Directory of holdout manifests (*.yaml, *.yml, recursively), or a repository holding several, one hogsync.yaml each (every folder with a hogsync.yaml is a unit of its own); default: the current directory."`
	remoteFlags

	Apply            bool       `help:"Make the changes. Without it, sync only shows them."`
	Prune            bool       `group:"safety" help:"Also delete holdouts in PostHog that no manifest names (never those hogsync.yaml protects)."`
	DetailedExitcode bool       `name:"detailed-exitcode" group:"output" help:"On a dry run, exit 2 when there are changes (0: none, 1: error)."`
	MaxDeletes       maxDeletes `name:"max-deletes" placeholder:"N" group:"safety" help:"Refuse a plan that deletes more than N holdouts (-1: no limit). Default: hogsync.yaml's max_deletes, else no limit."`
	Target           []string   `placeholder:"PATTERN" sep:"none" group:"target" help:"Only plan for the holdouts this pattern matches, by name or previous name: * any run of characters (/ included), ? one character, [...] a class, \\ quotes the next (docs/manifests.md, Patterns); name=EXACT matches that name as it is. Repeatable; a name may hold commas. Nothing outside the targets is planned or pruned."`
	Output           string     `short:"o" enum:"text,json,markdown" default:"text" placeholder:"FORMAT" group:"output" help:"Plan format: text, json (a versioned document, see docs/json-format.md) or markdown."`
	PlanOut          string     `name:"plan-out" placeholder:"FILE" group:"output" help:"Also save the plan (and results) as JSON in FILE, for apply --plan."`
	Comment          bool       `group:"output" help:"On GitHub Actions, keep the plan in one comment on the pull request (needs GITHUB_TOKEN)."`
	Force            bool       `group:"safety" help:"Change or delete holdouts that running experiments use (their feature flags are rewritten mid-run)."`
	IDMap            string     `name:"id-map" placeholder:"FILE" group:"output" help:"When applying, write which id each exported holdout (its source id comment) has in this project, as JSON."`
	Plan             string     `name:"plan" placeholder:"FILE" group:"safety" help:"When applying, apply exactly the plan saved in FILE by --plan-out, refusing if PostHog or the manifests moved since."`
	OverrideConfig   bool       `name:"override-config" group:"safety" help:"Use --host/--project even when they differ from what the directory's hogsync.yaml names."`
	KeepGoing        bool       `name:"keep-going" group:"safety" help:"With several units (one hogsync.yaml each), apply the others when one fails or is refused. Default: stop at the first unit that fails, and apply none when any unit could not be planned."`
	ReviewedPlan     string     `name:"reviewed-plan" enum:"off,require,prefer" default:"off" placeholder:"MODE" group:"safety" help:"On GitHub Actions, on a push to the default branch, when applying: apply exactly the plan reviewed on the merged pull request (its hogsync-plan artifact): require refuses without one; prefer plans afresh with a warning."`
	PlanWorkflow     string     `name:"plan-workflow" env:"HOGSYNC_PLAN_WORKFLOW" placeholder:"FILE" group:"safety" help:"With --reviewed-plan: the workflow file (.github/workflows/pull-request.yml) whose pull_request runs save the plans to review; a plan from any other workflow is refused. Default: this run's own workflow."`
	DriftIssue       bool       `name:"drift-issue" group:"output" help:"On GitHub Actions, on a dry run: keep one issue open while PostHog differs from the manifests, and close it when it no longer does."`

	applyFlags
	connFlags
}

// applyFlags bound an apply.
type applyFlags struct {
	Parallelism int           `default:"4" placeholder:"N" group:"pacing" help:"Changes in flight at once during an apply."`
	Timeout     time.Duration `default:"30m" placeholder:"DURATION" group:"pacing" help:"Give up after this long: no new change starts, those in flight finish."`
}

// remoteFlags say which PostHog project to talk to. The API key is never a
// flag value: it would show in process lists and shell history.
type remoteFlags struct {
	Host       string `env:"POSTHOG_HOST" placeholder:"URL" group:"target" help:"PostHog app URL: https://us.posthog.com, https://eu.posthog.com or your own. Plain http:// only for loopback. Default: hogsync.yaml's host, else https://us.posthog.com."`
	Project    string `env:"POSTHOG_PROJECT_ID" placeholder:"ID" group:"target" help:"Project id (the number after /project/ in PostHog's URL) or @current. Required unless the manifest directory's hogsync.yaml names it."`
	APIKeyFile string `name:"api-key-file" placeholder:"FILE" group:"target" help:"Read the personal API key from this file instead of POSTHOG_PERSONAL_API_KEY (or the variable hogsync.yaml's api_key_env names)."`
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

type exportCmd struct {
	remoteFlags
	connFlags

	OutDir    string `name:"out-dir" required:"" placeholder:"DIR" predictor:"dir" help:"Write the manifests into this directory (created if missing). Its hogsync.yaml, if any, names the host and project to export."`
	Overwrite bool   `help:"Replace files in --out-dir that have the names of exported files. Without it, export writes nothing when any of them exists. hogsync.yaml is never replaced."`
}

type validateCmd struct {
	Paths  []string `arg:"" optional:"" name:"path" predictor:"file" help:"Manifest files and directories (*.yaml, *.yml, recursively); default: the current directory. Each file is judged with the other manifests of its unit (the folder of the nearest hogsync.yaml). pre-commit passes the changed files."`
	Output string   `short:"o" enum:"text,json" default:"text" placeholder:"FORMAT" help:"text, or json: a JSON array of every problem with its file, line, col, severity, code and message."`
}

type demoCmd struct{}

func (r remoteFlags) options() run.Remote {
	return run.Remote{Host: r.Host, Project: r.Project, APIKeyFile: r.APIKeyFile}
}

func (f connFlags) options() run.Conn {
	return run.Conn{Rate: f.Rate, PageSize: f.PageSize, RequestTimeout: f.RequestTimeout, MaxRetryWait: f.MaxRetryWait,
		MaxListItems: f.MaxListItems, MaxListBytes: f.MaxListBytes, Debug: f.Debug, BudgetTimeScale: f.BudgetTimeScale}
}

func (c *syncCmd) options() *run.Sync {
	return &run.Sync{
		Dir: c.Dir, Remote: c.remoteFlags.options(),
		Apply: c.Apply, Prune: c.Prune, DetailedExitcode: c.DetailedExitcode,
		MaxDeletes: c.MaxDeletes.n, MaxDeletesSet: c.MaxDeletes.set,
		Target: c.Target, Output: c.Output, PlanOut: c.PlanOut, Comment: c.Comment, Force: c.Force,
		IDMap: c.IDMap, Plan: c.Plan, OverrideConfig: c.OverrideConfig, KeepGoing: c.KeepGoing,
		ReviewedPlan: c.ReviewedPlan, PlanWorkflow: c.PlanWorkflow, DriftIssue: c.DriftIssue,
		Pacing: run.Pacing{Parallelism: c.Parallelism, Timeout: c.Timeout},
		Conn:   c.connFlags.options(),
	}
}

// Run is `hogsync sync`.
func (c *syncCmd) Run(e *run.Env) error { return c.run(e, "sync") }

// run runs the command verb (sync, plan or apply) with c's flags.
func (c *syncCmd) run(e *run.Env, verb string) error {
	o := c.options()
	o.Verb = verb
	return o.Run(e)
}

// Run is `hogsync export`.
func (c *exportCmd) Run(e *run.Env) error {
	x := run.Export{Remote: c.remoteFlags.options(), Conn: c.connFlags.options(), OutDir: c.OutDir, Overwrite: c.Overwrite}
	return x.Run(e)
}

// Run is `hogsync validate`.
func (c *validateCmd) Run(e *run.Env) error {
	v := run.Validate{Paths: c.Paths, Output: c.Output}
	return v.Run(e)
}

// Run is `hogsync demo`.
func (demoCmd) Run(e *run.Env) error { return run.Demo{}.Run(e) }
