package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hogsync/hogsync/ghactions"
	"github.com/hogsync/hogsync/manifest"
	hsync "github.com/hogsync/hogsync/sync"
)

// onGitHubActions reports whether hogsync runs as a GitHub Actions step.
func onGitHubActions(e *env) bool { return e.getenv("GITHUB_ACTIONS") == "true" }

// annotate turns manifest problems into error annotations on the pull
// request's lines (workflow commands go to stdout).
func annotate(e *env, list manifest.List) {
	if !onGitHubActions(e) {
		return
	}
	for _, p := range list {
		fmt.Fprintln(e.workflow, ghactions.Annotation("error", filepath.ToSlash(p.Pos.File), p.Pos.Line, p.Pos.Col, p.Msg))
	}
}

// commentMarker identifies this sync's pull request comment: one per
// host, project and directory, so several hogsync steps in a workflow keep
// a comment each. It is made only from flags, never from manifest text.
func commentMarker(p syncParams) string {
	host := strings.TrimRight(strings.ToLower(p.host), "/")
	sum := sha256.Sum256([]byte(host + "\x00" + p.project + "\x00" + filepath.Clean(p.dir)))
	return "hogsync-plan:" + hex.EncodeToString(sum[:6])
}

// publishToGitHub writes the plan to the job summary, sets the step
// outputs, and keeps the pull request comment, when running on GitHub
// Actions. A failure here is a warning: the plan and the exit code, which
// CI acts on, are already settled.
func publishToGitHub(e *env, p syncParams, o *outcome, planWritten bool) error {
	if !onGitHubActions(e) {
		if p.comment {
			fmt.Fprintln(e.stderr, "hogsync: warning: --comment works only on GitHub Actions (GITHUB_ACTIONS=true); no comment was posted")
		}
		return nil
	}
	marker := commentMarker(p)
	var md strings.Builder
	if err := hsync.RenderMarkdown(&md, o.plan, o.meta, o.report, hsync.MarkdownOptions{Marker: marker}); err != nil {
		return err
	}
	summary := hsync.Summary(o.plan)
	switch {
	case o.meta.Refused != "":
		summary = "Refused: " + o.meta.Refused
	case o.report != nil:
		summary = hsync.ApplySummary(*o.report)
	}
	outs := [][2]string{
		{"has-changes", fmt.Sprint(o.plan.HasChanges())},
		{"summary", summary},
	}
	if p.planOut != "" && planWritten {
		abs, err := filepath.Abs(p.planOut)
		if err != nil {
			abs = p.planOut
		}
		outs = append(outs, [2]string{"plan-json", abs})
	}
	publish(e, p, md.String(), outs)
	return nil
}

// publishFailure tells GitHub that no plan could be made, and why: the
// job summary and the pull request comment say so (a comment must not go
// on showing an earlier push's plan), and has-changes stays empty, for
// unknown.
func publishFailure(e *env, p syncParams, cause error) {
	if !onGitHubActions(e) || e.published {
		return
	}
	reason := string(e.secret.redact([]byte(strings.ReplaceAll(cause.Error(), "\n", "; "))))
	var md strings.Builder
	if err := hsync.RenderMarkdownFailure(&md, p.project, reason, hsync.MarkdownOptions{Marker: commentMarker(p)}); err != nil {
		return
	}
	publish(e, p, md.String(), [][2]string{{"summary", "No plan: " + reason}})
}

// publish writes md to the job summary and the pull request comment, and
// sets the step outputs. Failures are warnings.
func publish(e *env, p syncParams, md string, outs [][2]string) {
	e.published = true
	warn := func(what string, err error) {
		fmt.Fprintln(e.workflow, ghactions.Warning(fmt.Sprintf("hogsync: %s: %v", what, err)))
	}
	if path := e.getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := ghactions.AppendSummary(path, md); err != nil {
			warn("job summary", err)
		}
	}
	if path := e.getenv("GITHUB_OUTPUT"); path != "" {
		if err := ghactions.SetOutputs(path, outs); err != nil {
			warn("step outputs", err)
		}
	}
	if p.comment {
		if err := comment(e, commentMarker(p), md); err != nil {
			warn("pull request comment", err)
		}
	}
}

// comment keeps the plan in one comment on the event's pull request.
func comment(e *env, marker, md string) error {
	eventPath := e.getenv("GITHUB_EVENT_PATH")
	if eventPath == "" {
		return fmt.Errorf("GITHUB_EVENT_PATH is not set")
	}
	pr, ok, err := ghactions.PullRequestNumber(eventPath)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(e.stderr, "hogsync: this event is not about a pull request; no comment was posted (the plan is in the job summary)")
		return nil
	}
	apiURL := e.getenv("GITHUB_API_URL")
	if apiURL == "" {
		apiURL = "https://api.github.com"
	}
	token := e.getenv("GITHUB_TOKEN")
	if len(token) >= minSecret {
		e.secret.add(token)
	}
	c, err := ghactions.NewComments(apiURL, token, e.getenv("GITHUB_REPOSITORY"), nil)
	if err != nil {
		return err
	}
	created, err := c.Upsert(e.ctx, pr, hsync.MarkerComment(marker), md)
	if err != nil {
		return err
	}
	verb := "updated"
	if created {
		verb = "posted"
	}
	fmt.Fprintf(e.stderr, "hogsync: %s the plan as a comment on pull request #%d\n", verb, pr)
	return nil
}
