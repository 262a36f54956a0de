package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hogsync/hogsync/ghactions"
	hsync "github.com/hogsync/hogsync/sync"
)

// onGitHubActions reports whether hogsync runs as a GitHub Actions step.
func onGitHubActions(e *env) bool { return e.getenv("GITHUB_ACTIONS") == "true" }

// workflowStream is where workflow commands go: stdout, unless stdout
// must stay one JSON or markdown document (the runner reads commands from
// both streams).
func workflowStream(e *env, output string) *stream {
	if output == "json" || output == "markdown" {
		return e.stderr
	}
	return e.stdout
}

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
	marker    string
	project   string
	comment   bool
	published bool
}

func newGitHubView(e *env, opts *syncCmd) *githubView {
	return &githubView{e: e, cmds: workflowStream(e, opts.Output),
		marker: commentMarker(opts.Host, opts.Project, opts.Dir), project: opts.Project, comment: opts.Comment}
}

func (v *githubView) plan(*outcome) error           { return nil }
func (v *githubView) result(*outcome, hsync.Result) {}

func (v *githubView) diagnostic(d diagnostic) {
	if d.file != "" {
		v.cmds.command(ghactions.Annotation(d.severity, filepath.ToSlash(d.file), d.line, d.col, d.msg))
	}
}

func (v *githubView) done(o *outcome) error {
	var md strings.Builder
	if err := hsync.RenderMarkdown(&md, o.plan, o.meta, o.report, hsync.MarkdownOptions{Marker: v.marker}); err != nil {
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
	if v.published {
		return
	}
	reason := strings.ReplaceAll(cause.Error(), "\n", "; ")
	var md strings.Builder
	if err := hsync.RenderMarkdownFailure(&md, v.project, reason, hsync.MarkdownOptions{Marker: v.marker}); err != nil {
		return
	}
	v.publish(md.String(), [][2]string{{"summary", "No plan: " + reason}})
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
	if v.comment {
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
	apiURL := e.getenv("GITHUB_API_URL")
	if apiURL == "" {
		apiURL = "https://api.github.com"
	}
	c, err := ghactions.NewComments(apiURL, e.getenv("GITHUB_TOKEN"), e.getenv("GITHUB_REPOSITORY"), nil)
	if err != nil {
		return err
	}
	created, err := c.Upsert(e.ctx, pr, hsync.MarkerComment(v.marker), md)
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
