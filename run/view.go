package run

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hogsync/hogsync/internal/escape"
	hsync "github.com/hogsync/hogsync/sync"
)

// A view shows one sync run in one place, the way terraform's views do:
// the output format on stdout (text, json or markdown), the saved plan
// file (--plan-out), and on GitHub Actions the job summary, step outputs
// and pull request comment. The run calls every view in the same order;
// no other code decides what is printed where, or how it is escaped.
//
// What a view writes goes through the run's redactor: the streams redact
// line by line, and documents written elsewhere (files, GitHub) are
// redacted whole before they leave.
type view interface {
	// plan is called once the plan is made, before anything is applied.
	plan(o *outcome) error
	// result is called with each change's result as it completes.
	result(o *outcome, r hsync.Result)
	// done is called once the run is over (applied or not): documents are
	// written now.
	done(o *outcome) error
	// diagnostic reports a warning or error that is not the run's failure
	// (a manifest problem, a warning from the plan).
	diagnostic(d diagnostic)
	// failure is called instead of plan/done when no plan could be made.
	failure(o *outcome, err error)
}

// diagnostic is a warning or an error, at a manifest position when it has
// one.
type diagnostic struct {
	severity string // "error", "warning" or "note" (printed as it is)
	file     string // display path, "" for none
	line     int
	col      int
	code     string
	msg      string
}

// views calls every view in turn.
type views []view

func (vs views) plan(o *outcome) error {
	for _, v := range vs {
		if err := v.plan(o); err != nil {
			return err
		}
	}
	return nil
}

func (vs views) result(o *outcome, r hsync.Result) {
	for _, v := range vs {
		v.result(o, r)
	}
}

// done lets every view finish; the first error is returned after all
// have had their turn (a plan file that cannot be written must not keep
// the job summary from being written).
func (vs views) done(o *outcome) error {
	var first error
	for _, v := range vs {
		if err := v.done(o); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (vs views) diagnostic(d diagnostic) {
	for _, v := range vs {
		v.diagnostic(d)
	}
}

func (vs views) failure(o *outcome, err error) {
	for _, v := range vs {
		v.failure(o, err)
	}
}

// newViews chooses the views of a run once: the output format, the plan
// file and GitHub Actions.
func newViews(e *env, opts *Sync) views {
	var vs views
	// Workflow commands go to stdout, unless stdout must stay one JSON or
	// markdown document (the runner reads commands from both streams).
	cmds := e.stderr
	switch opts.Output {
	case "json":
		vs = append(vs, &documentView{e: e, render: renderJSON, units: opts.units, unit: opts.unit})
	case "markdown":
		vs = append(vs, &documentView{e: e, units: opts.units, unit: opts.unit, render: func(b *bytes.Buffer, o *outcome) error {
			return hsync.RenderMarkdown(b, o.plan, o.meta, o.report, hsync.MarkdownOptions{})
		}})
	default:
		vs = append(vs, &textView{e: e})
		cmds = e.stdout
	}
	if e.progress != nil { // first: the status line is gone before the plan prints
		e.progress.reset()
		vs = append(views{e.progress}, vs...)
	}
	if opts.PlanOut != "" {
		vs = append(vs, &planFileView{e: e, path: opts.PlanOut, units: opts.units, unit: opts.unit})
	}
	if onGitHubActions(e) {
		vs = append(vs, newGitHubView(e, opts, cmds))
	} else {
		if opts.Comment {
			e.warnf("--comment works only on GitHub Actions (GITHUB_ACTIONS=true); no comment was posted")
		}
		if opts.DriftIssue {
			e.warnf("--drift-issue works only on GitHub Actions (GITHUB_ACTIONS=true); no issue was opened or updated")
		}
	}
	return vs
}

func renderJSON(b *bytes.Buffer, o *outcome) error {
	return hsync.RenderJSON(b, o.plan, o.meta, o.report)
}

// textView streams the plan and each result to stdout as they come, and
// diagnostics to stderr.
type textView struct {
	e       *env
	started bool
}

// plan shows the plan in full before anything is applied.
func (v *textView) plan(o *outcome) error {
	if err := hsync.RenderText(v.e.stdout, o.plan, hsync.TextOptions{Color: v.e.color, Meta: &o.meta}); err != nil {
		return err
	}
	return v.e.stdout.Flush()
}

// result shows each result as it comes.
func (v *textView) result(o *outcome, r hsync.Result) {
	if !v.started {
		v.started = true
		fmt.Fprintln(v.e.stdout)
	}
	_ = hsync.RenderResult(v.e.stdout, r, hsync.TextOptions{Color: v.e.color, Hint: hint})
	_ = v.e.stdout.Flush()
}

func (v *textView) done(o *outcome) error {
	if o.report != nil {
		fmt.Fprintln(v.e.stdout, hsync.ApplySummary(*o.report))
	}
	return v.e.stdout.Flush()
}

func (v *textView) diagnostic(d diagnostic) {
	if d.severity == "closing" {
		fmt.Fprintln(v.e.stdout, oneLineText(d.msg))
		return
	}
	printDiagnostic(v.e, d)
}
func (v *textView) failure(*outcome, error) {}

// printDiagnostic writes d to stderr as one line: file:line:col: message
// for a manifest problem, "hogsync: warning: ..." otherwise.
func printDiagnostic(e *env, d diagnostic) {
	switch {
	case d.file != "":
		msg := oneLineText(d.msg)
		if d.severity == "warning" {
			msg = "warning: " + msg
		}
		if d.code != "" {
			msg += " [" + d.code + "]"
		}
		fmt.Fprintf(e.stderr, "%s:%d:%d: %s\n", escape.Text(d.file), d.line, d.col, msg)
	case d.severity == "warning":
		fmt.Fprintf(e.stderr, "hogsync: warning: %s\n", oneLineText(d.msg))
	case d.severity == "note", d.severity == "closing":
		if !e.quiet {
			fmt.Fprintln(e.stderr, oneLineText(d.msg))
		}
	default:
		fmt.Fprintf(e.stderr, "hogsync: error: %s\n", oneLineText(d.msg))
	}
}

// oneLineText keeps a message on its line: joined errors become "; ",
// and anything else that could start a new line or move the cursor is
// shown escaped.
func oneLineText(s string) string {
	return escape.Text(strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "; "))
}

// documentView writes the whole run as one document on stdout at the end
// (json, markdown), so stdout stays one parseable document. In a run over
// several units, it hands its unit's document to units instead, which
// writes them all as one.
type documentView struct {
	e      *env
	render func(*bytes.Buffer, *outcome) error
	units  *unitDocs
	unit   string
}

func (v *documentView) plan(*outcome) error           { return nil }
func (v *documentView) result(*outcome, hsync.Result) {}
func (v *documentView) diagnostic(d diagnostic)       { printDiagnostic(v.e, d) }
func (v *documentView) failure(_ *outcome, err error) {
	if v.units != nil {
		v.units.fail(v.unit, err)
	}
}
func (v *documentView) done(o *outcome) error {
	var b bytes.Buffer
	if err := v.render(&b, o); err != nil {
		return err
	}
	if v.units != nil {
		v.units.add(v.unit, b.Bytes())
		return nil
	}
	if _, err := v.e.stdout.Write(b.Bytes()); err != nil {
		return err
	}
	return v.e.stdout.Flush()
}

// planFileView saves the plan (and results) as JSON in --plan-out: 0600,
// written whole through a temporary file, redacted.
type planFileView struct {
	e     *env
	path  string
	units *unitDocs // several units: one file holds them all
	unit  string
}

func (v *planFileView) plan(*outcome) error           { return nil }
func (v *planFileView) result(*outcome, hsync.Result) {}
func (v *planFileView) diagnostic(diagnostic)         {}
func (v *planFileView) failure(*outcome, error)       {}
func (v *planFileView) done(o *outcome) error {
	var b bytes.Buffer
	if err := renderJSON(&b, o); err != nil {
		return err
	}
	if v.units != nil {
		v.units.addPlan(v.unit, b.Bytes())
		o.planFile = v.path
		return nil
	}
	if err := writePrivateFile(v.path, v.e.red.bytes(b.Bytes())); err != nil {
		return fmt.Errorf("--plan-out: %w", err)
	}
	o.planFile = v.path
	return nil
}
