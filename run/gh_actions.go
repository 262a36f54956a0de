package run

// Plain functions for what hogsync does through GitHub's API on GitHub
// Actions: find the plan reviewed on a merged pull request, comment on
// that pull request, keep one drift issue. They read the Actions
// environment through getenv, print nothing, and return errors of one
// line that never hold the token (register GITHUB_TOKEN for redaction
// all the same).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hogsync/hogsync/ghactions"
)

// Reviewed-plan modes (the action's reviewed-plan input).
const (
	reviewedPlanRequire = "require"
	reviewedPlanPrefer  = "prefer"
	reviewedPlanOff     = "off"
)

// githubClient is a GitHub API client for the run's repository, from
// GITHUB_API_URL (https://api.github.com when unset), GITHUB_TOKEN and
// GITHUB_REPOSITORY. Pass ghactions.WithUserAgent("hogsync/"+version)
// and, for tests, ghactions.WithHTTPClient.
func githubClient(getenv func(string) string, opts ...ghactions.Option) (*ghactions.Client, error) {
	apiURL := getenv("GITHUB_API_URL")
	if apiURL == "" {
		apiURL = "https://api.github.com"
	}
	return ghactions.NewClient(apiURL, getenv("GITHUB_TOKEN"), getenv("GITHUB_REPOSITORY"), opts...)
}

// fetchReviewedPlan finds the plan saved on the pull request that was
// merged as this push's commit (GITHUB_SHA). It refuses to look outside a
// push to the repository's default branch: anywhere else no pull request
// was merged. A result whose Status is not ReviewedPlanFound is no error;
// reviewedPlanDecision says what to do with it.
func fetchReviewedPlan(ctx context.Context, getenv func(string) string, opts ...ghactions.Option) (ghactions.ReviewedPlan, error) {
	fail := func(format string, args ...any) (ghactions.ReviewedPlan, error) {
		return ghactions.ReviewedPlan{}, fmt.Errorf("reviewed plan: "+format, args...)
	}
	if ev := getenv("GITHUB_EVENT_NAME"); ev != "push" {
		return fail("a reviewed plan is looked for only on a push to the default branch, and this run is a %q event", ev)
	}
	sha := getenv("GITHUB_SHA")
	if sha == "" {
		return fail("GITHUB_SHA is not set")
	}
	branch, err := defaultBranch(getenv("GITHUB_EVENT_PATH"))
	if err != nil {
		return fail("%v", err)
	}
	if ref := getenv("GITHUB_REF"); ref != "refs/heads/"+branch {
		return fail("this push is to %q, not to the default branch %q, where pull requests are merged", ref, branch)
	}
	c, err := githubClient(getenv, opts...)
	if err != nil {
		return fail("%v", err)
	}
	rp, err := c.ReviewedPlan(ctx, sha)
	if err != nil {
		return rp, fmt.Errorf("reviewed plan: %w", err)
	}
	return rp, nil
}

// defaultBranch reads the repository's default branch from a push
// event's payload.
func defaultBranch(eventPath string) (string, error) {
	if eventPath == "" {
		return "", errors.New("GITHUB_EVENT_PATH is not set")
	}
	raw, err := os.ReadFile(eventPath)
	if err != nil {
		return "", fmt.Errorf("read the event payload: %w", err)
	}
	var ev struct {
		Repository struct {
			DefaultBranch string `json:"default_branch"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return "", fmt.Errorf("read the event payload %s: %v", eventPath, err)
	}
	if ev.Repository.DefaultBranch == "" {
		return "", fmt.Errorf("the event payload %s names no default branch", eventPath)
	}
	return ev.Repository.DefaultBranch, nil
}

// reviewedPlanDecision says what a --reviewed-plan mode makes of what
// fetchReviewedPlan found: apply rp.Plan (use), or plan afresh after
// printing warning, or refuse with err. Mode "off" never calls GitHub and
// is not handled here.
func reviewedPlanDecision(mode string, rp ghactions.ReviewedPlan) (use bool, warning string, err error) {
	if rp.Status == ghactions.ReviewedPlanFound {
		return true, "", nil
	}
	switch mode {
	case reviewedPlanRequire:
		return false, "", fmt.Errorf("--reviewed-plan=require: %s; refusing to apply a plan nobody reviewed (re-run the pull request's plan workflow, or apply with --reviewed-plan=prefer)", rp.Reason())
	case reviewedPlanPrefer:
		return false, rp.Reason() + "; planning afresh (--reviewed-plan=prefer)", nil
	}
	return false, "", fmt.Errorf("--reviewed-plan=%s: want require, prefer or off", mode)
}

// mergeMarker is the first line of the comment hogsync leaves on a
// merged pull request when its reviewed plan is not applied; id tells
// apart hogsync steps (host, project and directory), as the plan
// comment's marker does.
func mergeMarker(id string) string { return "<!-- hogsync-merge:" + id + " -->" }

// commentOnPullRequest keeps one comment, starting with marker, on pull
// request pr saying markdown: for a merge whose reviewed plan was
// refused. It edits only a comment the token's own account wrote.
func commentOnPullRequest(ctx context.Context, getenv func(string) string, pr int, marker, markdown string, opts ...ghactions.Option) (created bool, err error) {
	c, err := githubClient(getenv, opts...)
	if err != nil {
		return false, fmt.Errorf("comment on pull request #%d: %w", pr, err)
	}
	body := markdown
	if !strings.HasPrefix(body, marker) {
		body = marker + "\n" + markdown
	}
	created, err = c.Upsert(ctx, pr, marker, body)
	if err != nil {
		return false, fmt.Errorf("comment on pull request #%d: %w", pr, err)
	}
	return created, nil
}

// syncDriftIssue keeps one open issue for id (host, project and
// directory) saying markdown while drift is true, and closes it once
// drift is false. The issue's first line is a hidden marker; markdown
// need not hold it.
func syncDriftIssue(ctx context.Context, getenv func(string) string, id, title, markdown string, drift bool, opts ...ghactions.Option) (ghactions.DriftResult, error) {
	c, err := githubClient(getenv, opts...)
	if err != nil {
		return ghactions.DriftResult{}, fmt.Errorf("drift issue: %w", err)
	}
	marker := ghactions.DriftMarker(id)
	body := marker + "\n" + markdown
	res, err := c.SyncDriftIssue(ctx, marker, title, body, drift)
	if err != nil {
		return res, fmt.Errorf("drift issue: %w", err)
	}
	return res, nil
}

// driftIssueLine says in one line what syncDriftIssue did, for stderr.
func driftIssueLine(res ghactions.DriftResult) string {
	var s string
	switch res.Action {
	case ghactions.DriftNone:
		return "hogsync: no drift, and no drift issue open"
	case ghactions.DriftOpened:
		s = fmt.Sprintf("hogsync: opened drift issue #%d", res.Issue)
	case ghactions.DriftUpdated:
		s = fmt.Sprintf("hogsync: updated drift issue #%d", res.Issue)
	case ghactions.DriftUnchanged:
		s = fmt.Sprintf("hogsync: drift issue #%d already says this", res.Issue)
	case ghactions.DriftClosed:
		s = fmt.Sprintf("hogsync: no drift any more; closed drift issue #%d", res.Issue)
	}
	if res.URL != "" {
		s += " (" + res.URL + ")"
	}
	if len(res.Duplicates) > 0 {
		s += fmt.Sprintf("; closed %d duplicate(s)", len(res.Duplicates))
	}
	return s
}
