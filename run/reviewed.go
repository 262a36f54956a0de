package run

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hogsync/hogsync/ghactions"
	hsync "github.com/hogsync/hogsync/sync"
)

// githubOptions are the options of every GitHub API call a run makes:
// hogsync's user agent, and --request-timeout for each request (the run's
// deadline bounds them all through the context).
func (c *Sync) githubOptions(e *env) []ghactions.Option {
	// A reviewed plan must come from a pull_request run of this
	// repository's plan workflow: --plan-workflow, else this run's own
	// workflow (one workflow that plans and applies).
	workflow := c.PlanWorkflow
	if workflow == "" {
		workflow = e.getenv("GITHUB_WORKFLOW_REF")
	}
	return []ghactions.Option{
		ghactions.WithUserAgent("hogsync/" + e.version),
		ghactions.WithTimeout(c.RequestTimeout),
		ghactions.WithRepositoryID(e.getenv("GITHUB_REPOSITORY_ID")),
		ghactions.WithPlanWorkflow(workflow),
		// The step's own plan among those the pull request saved: the
		// action keys each by its path input, the directory argument.
		ghactions.WithPlanPath(cmp.Or(c.dirArg, c.Dir)),
	}
}

// useReviewedPlan, on a push to the default branch with
// --reviewed-plan=require|prefer, finds the plan reviewed on the pull
// request merged as this commit and makes the run apply exactly it, as
// --plan does. With require, no reviewed plan is a refusal; with prefer,
// a warning and a plan made afresh.
func (c *Sync) useReviewedPlan(ctx context.Context, e *env, vs views) error {
	if c.ReviewedPlan == reviewedPlanOff || c.ReviewedPlan == "" {
		return nil
	}
	rp, err := fetchReviewedPlan(ctx, e.getenv, c.githubOptions(e)...)
	if err != nil && c.ReviewedPlan == reviewedPlanPrefer {
		vs.diagnostic(diagnostic{severity: "warning", msg: fmt.Sprintf("%v; planning afresh (--reviewed-plan=prefer)", err)})
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w; refusing to apply a plan nobody reviewed", err)
	}
	c.reviewedPR = rp.PR
	use, warning, err := reviewedPlanDecision(c.ReviewedPlan, rp)
	if err != nil {
		return err
	}
	if !use {
		vs.diagnostic(diagnostic{severity: "warning", msg: warning})
		return nil
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("hogsync-reviewed-plan-%d-%d.json", rp.PR, time.Now().UnixNano()))
	if err := writePrivateFile(path, rp.Plan); err != nil {
		return fmt.Errorf("reviewed plan of pull request #%d: %w", rp.PR, err)
	}
	c.Plan = path
	fmt.Fprintf(e.stderr, "hogsync: applying the plan reviewed on pull request #%d (artifact %s), and refusing if PostHog or the manifests moved since\n", rp.PR, rp.Artifact)
	return nil
}

// reviewedPlanHolds says, once the reviewed plan was found not stale,
// that it is the plan being applied.
func (c *Sync) reviewedPlanHolds(e *env) {
	if c.reviewedPR != 0 {
		fmt.Fprintf(e.stderr, "hogsync: PostHog and the manifests are as they were when pull request #%d's plan was reviewed: applying that plan\n", c.reviewedPR)
	}
}

// dropReviewedPlan removes the reviewed plan's temporary file, if the run
// made one, when the run ends. Only useReviewedPlan sets c.Plan alongside
// c.reviewedPR: --plan and --reviewed-plan do not go together.
func (c *Sync) dropReviewedPlan() {
	if c.reviewedPR != 0 && c.Plan != "" {
		_ = os.Remove(c.Plan)
	}
}

// keepDriftIssue, with --drift-issue on GitHub Actions, keeps one issue
// open while PostHog differs from the manifests (changes to make,
// conflicts, holdouts no manifest names), updates it when the drift
// changes, and closes it once there is none. A failure is a warning.
func (c *Sync) keepDriftIssue(ctx context.Context, e *env, vs views, o *outcome) {
	p := o.plan
	drift := p.HasChanges() || len(p.Conflicts) > 0 || len(p.Unmanaged) > 0
	var md strings.Builder
	if err := hsync.RenderMarkdown(&md, p, o.meta, nil, hsync.MarkdownOptions{}); err != nil {
		vs.diagnostic(diagnostic{severity: "warning", msg: "drift issue: " + err.Error()})
		return
	}
	id := strings.TrimPrefix(commentMarker(c.Host, o.meta.Project, c.Dir), "hogsync-plan:")
	title := fmt.Sprintf("hogsync: PostHog project %s has drifted from %s", o.meta.Project, filepath.ToSlash(filepath.Clean(c.Dir)))
	res, err := syncDriftIssue(ctx, e.getenv, id, title, e.red.string(md.String()), drift, c.githubOptions(e)...)
	if err != nil {
		vs.diagnostic(diagnostic{severity: "warning", msg: err.Error()})
		return
	}
	fmt.Fprintln(e.stderr, driftIssueLine(res))
}
