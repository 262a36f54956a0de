package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/hogsync/hogsync/ghactions"
	hsync "github.com/hogsync/hogsync/sync"
)

// onGitHubActions reports whether hogsync runs as a GitHub Actions step.
// CommentMarker is the id of a plan comment (see commentMarker).
func CommentMarker(host, project, dir string) string { return commentMarker(host, project, dir) }

func onGitHubActions(e *env) bool { return e.getenv("GITHUB_ACTIONS") == "true" }

// commentMarker identifies this sync's pull request comment: one per
// host, project and directory, so several hogsync steps in a workflow keep
// a comment each. It is made only from flags, never from manifest text.
func commentMarker(host, project, dir string) string {
	host = strings.TrimRight(strings.ToLower(host), "/")
	sum := sha256.Sum256([]byte(host + "\x00" + project + "\x00" + filepath.Clean(dir)))
	return "hogsync-plan:" + hex.EncodeToString(sum[:6])
}

// githubView publishes a run on GitHub Actions: error annotations on the
// pull request's lines, the plan in the job summary, the step outputs,
// and (with --comment) one pull request comment kept up to date. A failure
// to publish is a warning: the plan and the exit code, which CI acts on,
// are already settled.
type githubView struct {
	e         *env
	cmds      *stream
	opts      *Sync // nil for validate
	deadline  time.Time
	published bool
}

// newGitHubView writes workflow commands to cmds.
func newGitHubView(e *env, opts *Sync, cmds *stream) *githubView {
	return &githubView{e: e, cmds: cmds, opts: opts, deadline: time.Now().Add(opts.Timeout)}
}

// marker is the hidden first line of this run's comment.
func (v *githubView) marker() string {
	return commentMarker(v.opts.Host, v.opts.Project, v.opts.Dir)
}

func (v *githubView) plan(*outcome) error           { return nil }
func (v *githubView) result(*outcome, hsync.Result) {}

func (v *githubView) diagnostic(d diagnostic) {
	switch {
	case d.file != "":
		v.cmds.command(ghactions.Annotation(d.severity, filepath.ToSlash(d.file), d.line, d.col, d.msg))
	case d.severity == "warning":
		v.cmds.command(ghactions.Warning("hogsync: " + d.msg))
	}
}

func (v *githubView) done(o *outcome) error {
	var md strings.Builder
	if err := hsync.RenderMarkdown(&md, o.plan, o.meta, o.report, hsync.MarkdownOptions{Marker: v.marker()}); err != nil {
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
		{"refused", fmt.Sprint(o.meta.Refused != "")},
		{"to-apply", fmt.Sprint(hsync.ToApply(o.plan, o.meta))},
		{"summary", summary},
	}
	if o.planFile != "" {
		abs, err := filepath.Abs(o.planFile)
		if err != nil {
			abs = o.planFile
		}
		outs = append(outs, [2]string{"plan-json", abs})
	}
	v.publish(md.String(), outs)
	return nil
}

// failure tells GitHub that no plan could be made, and why: the job
// summary and the pull request comment say so (a comment must not go on
// showing an earlier push's plan), and has-changes stays empty, for
// unknown.
func (v *githubView) failure(o *outcome, cause error) {
	if v.published || v.opts == nil {
		return
	}
	reason := strings.ReplaceAll(cause.Error(), "\n", "; ")
	var md strings.Builder
	if err := hsync.RenderMarkdownFailure(&md, v.opts.Project, reason, hsync.MarkdownOptions{Marker: v.marker()}); err != nil {
		return
	}
	v.publish(md.String(), [][2]string{{"summary", "No plan: " + reason}})
	if pr := v.opts.reviewedPR; pr != 0 {
		// A merge refused for its reviewed plan is said where it was
		// reviewed.
		ctx, cancel := v.context()
		defer cancel()
		id := strings.TrimPrefix(v.marker(), "hogsync-plan:")
		body := strings.Replace(v.e.red.string(md.String()), hsync.MarkerComment(v.marker()), mergeMarker(id), 1)
		if _, err := commentOnPullRequest(ctx, v.e.getenv, pr, mergeMarker(id), body, v.opts.githubOptions(v.e)...); err != nil {
			v.cmds.command(ghactions.Warning(fmt.Sprintf("hogsync: comment on pull request #%d: %v", pr, err)))
		} else {
			fmt.Fprintf(v.e.stderr, "hogsync: said on pull request #%d why its reviewed plan was not applied\n", pr)
		}
	}
}

// context bounds GitHub calls by the run's deadline (--timeout from the
// start): a GitHub API that never answers must not hold the job after
// PostHog's part is done.
func (v *githubView) context() (context.Context, context.CancelFunc) {
	return context.WithDeadline(v.e.ctx, v.deadline)
}

// publish writes md to the job summary and the pull request comment, and
// sets the step outputs, each redacted whole. Failures are warnings.
func (v *githubView) publish(md string, outs [][2]string) {
	v.published = true
	e := v.e
	md = e.red.string(md)
	for i := range outs {
		outs[i][1] = e.red.string(outs[i][1])
	}
	warn := func(what string, err error) {
		v.cmds.command(ghactions.Warning(fmt.Sprintf("hogsync: %s: %v", what, err)))
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
	if v.opts != nil && v.opts.Comment {
		if err := v.upsertComment(md); err != nil {
			warn("pull request comment", err)
		}
	}
}

// upsertComment keeps the plan in one comment on the event's pull request.
func (v *githubView) upsertComment(md string) error {
	e := v.e
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
	c, err := githubClient(e.getenv, v.opts.githubOptions(v.e)...)
	if err != nil {
		return err
	}
	ctx, cancel := v.context()
	defer cancel()
	created, err := c.Upsert(ctx, pr, hsync.MarkerComment(v.marker()), md)
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
