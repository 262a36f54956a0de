package run

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hogsync/hogsync/internal/words"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/manifest"
	hsync "github.com/hogsync/hogsync/sync"
)

type Sync struct {
	Dir string
	Remote

	Apply            bool
	Prune            bool
	DetailedExitcode bool
	MaxDeletes       int
	// MaxDeletesSet says --max-deletes was given; otherwise hogsync.yaml
	// (or the action's input) decides, else no limit.
	MaxDeletesSet  bool
	Target         []string
	Output         string
	PlanOut        string
	Comment        bool
	Force          bool
	IDMap          string
	Plan           string
	OverrideConfig bool
	// KeepGoing applies the other units when one fails or is refused.
	KeepGoing    bool
	ReviewedPlan string
	// PlanWorkflow is the workflow file whose pull_request runs save the
	// reviewed plans; "" for this run's own (GITHUB_WORKFLOW_REF).
	PlanWorkflow string
	DriftIssue   bool
	// Verb is the command that runs: "plan", "apply" or "sync" (what the
	// closing line tells the user to run next).
	Verb string

	Pacing
	Conn

	// set is what the run resolved from the options, the environment and
	// hogsync.yaml; Run fills it, demo sets its own.
	set settings
	// unit is the unit's folder as shown ("us", "holdouts/eu") in a run
	// over several units, whose documents units collects; "" and nil in
	// a run of one.
	unit  string
	units *unitDocs
	// dirArg is Dir as the command line gave it, which a unit's run
	// replaces by the unit's folder.
	dirArg string
	// reviewedPR is the pull request whose reviewed plan this run applies
	// (--reviewed-plan): a refusal is commented there.
	reviewedPR int
}

// Pacing bound an apply.
type Pacing struct {
	Parallelism int
	Timeout     time.Duration
}

func (f Pacing) validate() error {
	if f.Parallelism < 1 {
		return fmt.Errorf("--parallelism %d: must be at least 1", f.Parallelism)
	}
	if f.Timeout <= 0 {
		return fmt.Errorf("--timeout %v: must be positive", f.Timeout)
	}
	return nil
}

// Run is `hogsync sync`.
func (c *Sync) Run(e *env) error {
	c.dirArg = c.Dir
	vs := newViews(e, c)
	if err := c.check(); err != nil {
		return c.fail(vs, err)
	}
	// The manifests are read and parsed from the start, while the
	// directory's config decides where to connect and PostHog is read.
	// Most directories are one unit; one that holds several (folders with
	// a hogsync.yaml each) is found when the load is done, and then run
	// unit by unit.
	var units []manifest.Unit
	var loadErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		units, loadErr = manifest.LoadUnits(c.Dir)
	}()
	defer func() { <-done }()
	several := func() bool {
		<-done
		return loadErr == nil && (len(units) != 1 || filepath.Clean(units[0].OSDir) != filepath.Clean(c.Dir))
	}
	load := func() ([]manifest.Holdout, error) {
		if several() {
			return nil, errUnits
		}
		if loadErr != nil {
			return nil, reportLoad(vs, manifest.Result{}, loadErr)
		}
		return units[0].Result.Holdouts, reportLoad(vs, units[0].Result, units[0].Err)
	}
	cfg, err := manifest.LoadConfig(c.Dir)
	if err != nil {
		return c.fail(vs, reportLoad(vs, manifest.Result{}, err))
	}
	var maxDeletes *int
	if c.MaxDeletesSet {
		maxDeletes = &c.MaxDeletes
	}
	if c.set, err = resolve(e, c.Remote, maxDeletes, cfg, c.OverrideConfig); err != nil {
		if cfg == nil && several() {
			return c.runUnits(e, units)
		}
		return c.fail(vs, err)
	}
	c.Host, c.Project = c.set.host, c.set.project
	key, err := apiKey(e, c.APIKeyFile, c.set.keyEnv)
	if err != nil {
		// Broken manifests are worth knowing about even without a key.
		if _, lerr := load(); errors.Is(lerr, errUnits) {
			return c.runUnits(e, units)
		} else if lerr != nil {
			return c.fail(vs, lerr)
		}
		return c.fail(vs, err)
	}
	if err := c.run(e, vs, load, key); !errors.Is(err, errUnits) {
		return err
	}
	return c.runUnits(e, units)
}

// check validates the flags on their own, before anything is read.
func (c *Sync) check() error {
	if err := errors.Join(c.Pacing.validate(), c.Conn.validate()); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if c.IDMap != "" && !c.Apply {
		return &exitError{code: exitUsage, err: errors.New("--id-map needs --apply: the ids of created holdouts exist only once they are made")}
	}
	if c.Plan != "" && !c.Apply {
		return &exitError{code: exitUsage, err: errors.New("--plan needs --apply: it applies a plan saved by --plan-out")}
	}
	if c.ReviewedPlan != reviewedPlanOff && c.ReviewedPlan != "" && (!c.Apply || c.Plan != "") {
		return &exitError{code: exitUsage, err: errors.New("--reviewed-plan needs --apply, and takes the place of --plan")}
	}
	if c.DriftIssue && c.Apply {
		return &exitError{code: exitUsage, err: errors.New("--drift-issue reports drift from a dry run; drop --apply")}
	}
	return nil
}

// fail reports a run that could make no plan to the views (on GitHub, the
// job summary and the comment say why) and returns err for the exit code.
func (c *Sync) fail(vs views, err error) error {
	if errors.Is(err, errUnits) {
		return err // not a failure: Run goes on unit by unit
	}
	var ee *exitError
	if !errors.As(err, &ee) || ee.err != nil || ee.code == exitUsage {
		vs.failure(&outcome{}, err)
	}
	return err
}

// run plans, shows the plan, and applies it when asked. It is shared by
// `sync` and `demo`, which fills the same options. load gives the desired
// holdouts (and reports their problems); it runs while PostHog is read.
func (c *Sync) run(e *env, vs views, load func() ([]manifest.Holdout, error), key string) error {
	ctx, cancel := context.WithTimeout(e.ctx, c.Timeout)
	defer cancel()
	u, err := c.planUnit(ctx, e, vs, load, func() (*client.Client, error) { return c.Conn.client(e, c.Remote, key) })
	defer u.close()
	if err != nil {
		return err
	}
	return c.finishUnit(ctx, e, vs, u)
}

// unitRun is one unit's run between its plan and its apply.
type unitRun struct {
	api     *client.Client
	o       *outcome
	desired []manifest.Holdout
	closers []func()
}

func (u *unitRun) close() {
	for i := len(u.closers) - 1; i >= 0; i-- {
		u.closers[i]()
	}
}

// planUnit reads PostHog and the manifests, makes the plan, checks it
// against a saved plan and the deletion limit, and shows it. Nothing is
// changed. The unitRun it returns is never nil; close it.
func (c *Sync) planUnit(ctx context.Context, e *env, vs views, load func() ([]manifest.Holdout, error), connect func() (*client.Client, error)) (*unitRun, error) {
	u := &unitRun{}
	if err := c.useReviewedPlan(ctx, e, vs); err != nil {
		return u, c.fail(vs, err)
	}
	u.closers = append(u.closers, c.dropReviewedPlan)
	var saved *hsync.SavedPlan
	if c.Plan != "" {
		s, targets, err := readSavedPlan(c.Plan, c.unit)
		if err != nil {
			return u, c.fail(vs, err)
		}
		if !sameTargets(targets, c.Target) {
			return u, c.fail(vs, usageErrorf("--plan %s was made with %s, and this run has %s: pass the --target flags the plan was made with, or make a new plan",
				shown(c.Plan), targetsText(targets), targetsText(c.Target)))
		}
		if c.Prune != s.Prune {
			return u, c.fail(vs, &exitError{code: exitUsage, err: fmt.Errorf("--plan %s was made with prune=%v: pass --prune exactly when the plan had it", c.Plan, s.Prune)})
		}
		saved = &s
	}
	for _, f := range [][2]string{{"--id-map", c.IDMap}, {"--plan-out", c.PlanOut}} {
		if f[1] == "" {
			continue
		}
		if err := checkWritable(f[0], f[1]); err != nil {
			return u, c.fail(vs, &exitError{code: exitUsage, err: err})
		}
	}
	api, err := connect()
	if err != nil {
		return u, c.fail(vs, err)
	}
	if api, err = c.pin(ctx, e, api); err != nil {
		return u, c.fail(vs, err)
	}
	u.api = api
	fetchCtx, stopFetch := context.WithCancel(ctx)
	u.closers = append(u.closers, stopFetch)
	fetched := make(chan remoteState, 1)
	go func() { fetched <- fetch(fetchCtx, api) }()
	desired, err := load()
	if err != nil {
		stopFetch()
		<-fetched
		return u, c.fail(vs, err)
	}
	u.desired = desired
	plan, err := c.makePlan(e, <-fetched, desired)
	if err != nil {
		return u, c.fail(vs, err)
	}
	o := &outcome{plan: plan, meta: hsync.Meta{Version: e.version, Host: api.Host(), Project: api.Project(), Prune: c.Prune, Apply: c.Apply,
		HostSource: c.set.hostFrom, ProjectSource: c.set.projectFrom}}
	if saved != nil {
		if diffs := saved.Stale(plan, o.meta); len(diffs) > 0 {
			for _, d := range diffs {
				fmt.Fprintf(e.stderr, "  %s\n", oneLineText(d))
			}
			what := "the plan saved in " + escape.Text(c.Plan)
			if c.reviewedPR != 0 {
				what = fmt.Sprintf("the plan reviewed on pull request #%d", c.reviewedPR)
			}
			return u, c.fail(vs, fmt.Errorf("%s is stale, so nothing was changed: what it would do now differs from what it shows: %s. Make and review a new plan", what, strings.Join(diffs, "; ")))
		}
		// What the reviewed plan held back stays held back, --force or not.
		o.plan = saved.Enforce(plan)
		c.reviewedPlanHolds(e)
	}
	u.o = o
	if err := vs.plan(o); err != nil {
		return u, err
	}
	var over *hsync.MaxDeletesError
	if errors.As(o.plan.CheckMaxDeletes(c.set.maxDeletes), &over) {
		o.refused = fmt.Errorf("%w. Nothing was changed", c.set.maxDeletesRefusal(over.Deletes))
		o.meta.Refused = o.refused.Error()
	}
	return u, nil
}

// finishUnit applies a unit's plan when asked (and not refused), lets the
// views finish, and decides the unit's exit code.
func (c *Sync) finishUnit(ctx context.Context, e *env, vs views, u *unitRun) error {
	o := u.o
	if o.refused == nil && c.Apply && o.plan.HasChanges() {
		rep := c.apply(ctx, e, u.api, o, vs)
		o.report = &rep
	}
	if err := vs.done(o); err != nil {
		return err
	}
	if c.DriftIssue && onGitHubActions(e) {
		c.keepDriftIssue(ctx, e, vs, o)
	}
	if c.IDMap != "" && o.refused == nil {
		if err := writeIDMap(e, c.IDMap, u.desired, o); err != nil {
			return err
		}
	}
	code, diags := conclude(o, c.Apply, c.DetailedExitcode, c.Verb)
	for _, d := range diags {
		vs.diagnostic(d)
	}
	if code == exitOK {
		return nil
	}
	return quiet(code)
}

// writeIDMap saves which id each exported holdout has in this project.
func writeIDMap(e *env, path string, desired []manifest.Holdout, o *outcome) error {
	var rep hsync.Report
	if o.report != nil {
		rep = *o.report
	}
	m := hsync.BuildIDMap(desired, o.plan, rep, o.meta)
	if len(m.Holdouts) == 0 {
		e.warnf("no manifest carries a source id (a \"# hogsync-source-id: N\" comment, written by hogsync export), so the id map is empty")
	}
	var buf bytes.Buffer
	if err := hsync.WriteIDMap(&buf, m); err != nil {
		return err
	}
	if err := writePrivateFile(path, e.red.bytes(buf.Bytes())); err != nil {
		return fmt.Errorf("--id-map: %w", err)
	}
	fmt.Fprintf(e.stderr, "hogsync: wrote the id map of %d %s to %s\n", len(m.IDs), words.Plural(len(m.IDs), "holdout", "holdouts"), escape.Text(path))
	return nil
}

// outcome is everything a sync run ends with, for the views and the exit
// code.
type outcome struct {
	plan     hsync.Plan
	meta     hsync.Meta
	report   *hsync.Report // nil when nothing was applied
	refused  error         // a plan over --max-deletes
	planFile string        // --plan-out, once written
}

// conclude decides the exit code of a run from its outcome, and the
// closing diagnostics that explain it. It is the only place that does.
func conclude(o *outcome, applied, detailedExitcode bool, verb string) (int, []diagnostic) {
	var diags []diagnostic
	errorf := func(format string, args ...any) {
		diags = append(diags, diagnostic{severity: "error", msg: fmt.Sprintf(format, args...)})
	}
	note := func(msg string) { diags = append(diags, diagnostic{severity: "note", msg: msg}) }
	if o.refused != nil {
		errorf("%v", o.refused)
		return exitFailure, diags
	}
	conflicts := len(o.plan.Conflicts)
	if conflicts > 0 {
		errorf("%d %s: PostHog has more than one holdout a manifest could mean; see the plan", conflicts, words.Plural(conflicts, "conflict", "conflicts"))
	}
	for _, c := range o.plan.Changes {
		if c.Blocked() {
			errorf("%s: %s", hsync.Headline(c), hsync.BlockedReason(c))
		}
	}
	rep := o.report
	if rep != nil {
		for _, d := range rep.Duplicates {
			errorf("%v", d)
		}
		if rep.VerifyErr != nil {
			diags = append(diags, diagnostic{severity: "warning", msg: rep.VerifyErr.Error()})
		}
	}
	switch {
	case rep != nil && len(rep.Duplicates) > 0:
		return exitFailure, diags
	case rep != nil && (rep.Count(hsync.Failed) > 0 || rep.Count(hsync.NotAttempted) > 0):
		errorf("not every change was applied; fix what is reported above and run again: sync picks up where it stopped")
		return exitFailure, diags
	case conflicts > 0, o.plan.Blocked() > 0:
		return exitFailure, diags
	case rep != nil && rep.Count(hsync.Pending) > 0:
		note("hogsync: some changes wait for approval in PostHog; once approved, run sync again to confirm")
		return exitPending, diags
	case !applied && o.plan.HasChanges() && detailedExitcode:
		return exitChanges, diags
	case !applied && o.plan.HasChanges():
		// The closing line, on stdout with the plan (it must not vanish
		// when stdout is piped), naming what the verb accepts.
		next := "Run again with --apply to make these changes."
		if verb == "plan" {
			next = "Run `hogsync apply` with the same arguments to make these changes."
		}
		diags = append(diags, diagnostic{severity: "closing", msg: "This was a dry run: nothing was changed. " + next})
	}
	return exitOK, diags
}

// makePlan lists what PostHog has and computes the plan.
func (c *Sync) makePlan(e *env, r remoteState, desired []manifest.Holdout) (hsync.Plan, error) {
	if r.err != nil {
		return hsync.Plan{}, r.err
	}
	experiments := r.experiments
	opts := hsync.Options{Prune: c.Prune, Targets: c.Target, Force: c.Force, Protect: c.set.protect}
	if r.expErr != nil {
		reason, ok := experimentsUnreadable(r.expErr)
		if !ok {
			return hsync.Plan{}, r.expErr
		}
		// A key without experiment:read still manages holdouts, but
		// nothing then shows which experiments a change would disturb:
		// the plan holds back every change of filters and every delete.
		e.warnf("experiments cannot be read (%s): the plan cannot show which experiments each change affects, so changes of filters and deletes are held back unless --force; grant the key experiment:read", reason)
		opts.ExperimentsUnreadable = reason
		experiments = nil
	} else if experiments == nil {
		experiments = []client.Experiment{}
	}
	plan, err := hsync.Compute(desired, r.remote, experiments, opts)
	if errors.Is(err, hsync.ErrPruneEverything) {
		return hsync.Plan{}, fmt.Errorf("%w; no manifests were loaded. Check the directory, or drop --prune", err)
	}
	return plan, err
}

// remoteState is what PostHog holds: the holdouts, and the experiments
// (or why they could not be read).
type remoteState struct {
	remote      []client.Holdout
	experiments []client.Experiment
	expErr      error
	err         error
}

// fetch reads the holdouts and the experiments at the same time.
func fetch(ctx context.Context, api *client.Client) remoteState {
	var r remoteState
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		r.experiments, r.expErr = api.ListExperiments(ctx)
	}()
	r.remote, r.err = api.List(ctx)
	<-listed
	return r
}

// experimentsUnreadable says why the experiments list was refused, when
// the refusal is one hogsync can plan around (the key lacks the scope, or
// the PostHog version has no such list).
func experimentsUnreadable(err error) (string, bool) {
	var ae *client.APIError
	if !errors.As(err, &ae) {
		return "", false
	}
	switch {
	case ae.StatusCode == http.StatusForbidden && strings.Contains(ae.Detail, "scope"):
		return "the key lacks the experiment:read scope: " + ae.Detail, true
	case ae.StatusCode == http.StatusForbidden:
		return "PostHog refused to list them: " + ae.Detail, true
	case ae.StatusCode == http.StatusNotFound:
		return "this PostHog has no experiments list", true
	}
	return "", false
}

// pin resolves --project @current once, before anything else, so that
// every request, the saved plan and the id map name one numeric project:
// PostHog resolves @current on every request to the project the key's
// owner last opened, which can change mid-run. Without the project:read
// scope it cannot be resolved: an apply is then refused; a dry run goes
// on, warning that it may mix projects.
func (c *Sync) pin(ctx context.Context, e *env, api *client.Client) (*client.Client, error) {
	pinned, err := api.Pin(ctx)
	if err == nil {
		return pinned, nil
	}
	if c.Apply {
		return nil, fmt.Errorf("refusing to apply to --project @current: %w", err)
	}
	e.warnf("%v; this dry run goes on with @current, which PostHog resolves on every request (an apply would be refused)", err)
	return api, nil
}

// apply executes the plan, passing each result to the views as it
// completes.
func (c *Sync) apply(ctx context.Context, e *env, api *client.Client, o *outcome, vs views) hsync.Report {
	if w := budgetWarning(len(o.plan.Changes)); w != "" {
		e.warnf("%s", w)
	}
	// Say at once that an interrupt was heard; Apply then starts nothing
	// new and lets the changes in flight finish.
	stopNote := context.AfterFunc(ctx, func() {
		if errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			fmt.Fprintf(e.stderr, "hogsync: --timeout %v reached: finishing the changes in flight, starting no new ones\n", c.Timeout)
			return
		}
		fmt.Fprintln(e.stderr, "hogsync: interrupted: finishing the changes in flight, starting no new ones")
	})
	defer stopNote()
	return hsync.Apply(ctx, api, o.plan, hsync.ApplyOptions{
		Parallelism: c.Parallelism,
		OnResult:    func(r hsync.Result) { vs.result(o, r) },
		// Two applies at once each see a new name free and each create
		// it; only a listing afterwards can tell.
		VerifyCreates: true,
	})
}

// hourlyBudget is PostHog's sustained limit for one personal API key.
const hourlyBudget = 4800

// budgetWarning warns before an apply that needs more requests than
// PostHog's hourly budget for one key; "" when it fits.
func budgetWarning(changes int) string {
	if changes <= hourlyBudget {
		return ""
	}
	return fmt.Sprintf("this plan makes %d changes, more than the %d requests an hour PostHog allows one API key: expect throttling and a long apply, or split it with --target", changes, hourlyBudget)
}

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

// reportLoad passes a load's warnings and errors to the views and turns
// the outcome into the run's error: exit 1 for broken manifests, 80 for a
// missing or unreadable directory.
func reportLoad(vs views, res manifest.Result, err error) error {
	var list manifest.List
	errors.As(err, &list)
	all := slices.Concat(list, res.Warnings)
	sortProblems(all)
	for _, p := range all {
		vs.diagnostic(manifestDiagnostic(p))
	}
	switch {
	case len(list) > 0:
		return &exitError{code: exitFailure, err: fmt.Errorf("%d %s in manifests; nothing was changed in PostHog",
			len(list), words.Plural(len(list), "problem", "problems"))}
	case err != nil:
		// The directory itself is missing or unreadable: the argument is
		// wrong.
		return &exitError{code: exitUsage, err: err}
	}
	return nil
}

// sortProblems puts errors and warnings together in file, line, column
// order.
func sortProblems(l manifest.List) {
	slices.SortStableFunc(l, func(a, b *manifest.Error) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
}

func manifestDiagnostic(p *manifest.Error) diagnostic {
	sev := p.Severity
	if sev == "" {
		sev = manifest.SeverityError
	}
	return diagnostic{severity: sev, file: p.Pos.File, line: p.Pos.Line, col: p.Pos.Col, code: p.Code, msg: p.Msg}
}

// sameTargets reports whether two sets of --target patterns are the same.
func sameTargets(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func targetsText(t []string) string {
	if len(t) == 0 {
		return "no --target"
	}
	q := make([]string, len(t))
	for i, p := range t {
		q[i] = fmt.Sprintf("--target %q", p)
	}
	return strings.Join(q, " ")
}
