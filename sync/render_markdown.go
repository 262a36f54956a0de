package sync

import (
	"cmp"
	"fmt"
	"github.com/hogsync/hogsync/internal/words"
	"io"
	"strings"

	"github.com/hogsync/hogsync/internal/escape"
)

// MaxMarkdown is the most RenderMarkdown writes, in bytes: below GitHub's
// 65,536-character limit for a comment (bytes never undercount characters).
const MaxMarkdown = 65000

// MarkdownOptions shape the markdown plan.
type MarkdownOptions struct {
	// Marker, when set, is written first as a hidden HTML comment so the
	// PR comment can be found and updated. It must be the caller's own
	// constant text, never manifest content.
	Marker string
	// Limit overrides MaxMarkdown when positive.
	Limit int
}

// MarkerComment is how RenderMarkdown writes a marker: on the first line,
// so a search for it must look only there (manifest text further down can
// never be taken for it).
func MarkerComment(marker string) string { return "<!-- " + marker + " -->" }

// RenderMarkdown writes the plan for a pull request comment or a job
// summary: a deletion warning first when anything is deleted, a summary
// table, then one collapsible diff per change. Text from manifests and
// from PostHog is escaped: it can neither close a code block or a
// <details>, nor open an HTML comment. The output never exceeds the limit;
// changes that do not fit are counted in a closing marker.
func RenderMarkdown(w io.Writer, p Plan, meta Meta, rep *Report, opts MarkdownOptions) error {
	limit := opts.Limit
	if limit <= 0 {
		limit = MaxMarkdown
	}
	head, n, section, tail := markdownParts(p, meta, rep, opts)
	_, err := io.WriteString(w, assembleMarkdown(head, n, section, tail, limit))
	return err
}

// markdownParts are the pieces of a markdown plan: the head, the number
// of sections and how to build section i (built only when it is shown),
// and the closing line.
func markdownParts(p Plan, meta Meta, rep *Report, opts MarkdownOptions) (head string, n int, section func(int) string, tail string) {
	var h strings.Builder
	if opts.Marker != "" {
		h.WriteString(MarkerComment(opts.Marker) + "\n")
	}
	h.WriteString(markdownHeader(p, meta))
	c, u, d := p.Counts()
	if meta.Refused != "" {
		fmt.Fprintf(&h, "> [!CAUTION]\n> **Refused: nothing will be changed.** %s\n\n", escapeText(meta.Refused))
	}
	if d > 0 {
		const most = 20
		var shown []string
		for _, ch := range p.Changes {
			if ch.Action == Delete && len(shown) < most {
				shown = append(shown, code(ch.Name))
			}
		}
		if d > most {
			shown = append(shown, fmt.Sprintf("and %d more", d-most))
		}
		fmt.Fprintf(&h, "> [!CAUTION]\n> This plan **deletes %d %s**: %s. Experiments that use %s lose %s exclusion.\n\n",
			d, words.Plural(d, "holdout", "holdouts"), strings.Join(shown, ", "), words.Plural(d, "it", "them"), words.Plural(d, "its", "their"))
	}
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(&h, "> [!WARNING]\n> %d %s: PostHog has more than one holdout a manifest could mean; %s untouched.\n\n",
			len(p.Conflicts), words.Plural(len(p.Conflicts), "conflict", "conflicts"), words.Plural(len(p.Conflicts), "it is", "they are"))
	}
	if !p.BlastRadiusKnown {
		h.WriteString("> [!NOTE]\n> Experiments could not be read with this API key, so the plan cannot show which experiments each change affects.\n\n")
	}
	if note := HiddenExperimentsNote(p); note != "" {
		// The note is hogsync's own text: no escaping needed.
		h.WriteString("> [!NOTE]\n> " + note + "\n\n")
	}
	h.WriteString("| Create | Update | Delete | Conflicts | Unmanaged |\n|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&h, "| %d | %d | %d | %d | %d |\n\n", c, u, d, len(p.Conflicts), len(p.Unmanaged))
	if rep != nil {
		fmt.Fprintf(&h, "**%s**\n\n", ApplySummary(*rep))
		if len(rep.Duplicates) > 0 {
			h.WriteString("> [!CAUTION]\n")
			for _, d := range rep.Duplicates {
				fmt.Fprintf(&h, "> - %s\n", escapeText(d.Error()))
			}
			h.WriteString("\n")
		}
		if rep.VerifyErr != nil {
			fmt.Fprintf(&h, "> [!WARNING]\n> %s\n\n", escapeText(rep.VerifyErr.Error()))
		}
	}

	n = len(p.Changes) + len(p.Conflicts)
	unmanaged, protected := -1, -1
	if len(p.Unmanaged) > 0 {
		unmanaged, n = n, n+1
	}
	if len(p.Protected) > 0 {
		protected, n = n, n+1
	}
	section = func(i int) string {
		switch {
		case i < len(p.Changes):
			var r *Result
			if rep != nil && i < len(rep.Results) {
				r = &rep.Results[i]
			}
			return changeSection(p.Changes[i], r, p.BlastRadiusKnown)
		case i < len(p.Changes)+len(p.Conflicts):
			return conflictSection(p.Conflicts[i-len(p.Changes)])
		case i == unmanaged:
			return unmanagedSection(p.Unmanaged)
		case i == protected:
			return protectedSection(p.Protected)
		}
		return ""
	}
	tail = "**" + Summary(p) + "**\n" // counts only: no text from manifests
	return h.String(), n, section, tail
}

// assembleMarkdown writes the head, then sections while they fit within
// limit (keeping room for the truncation note and the closing line), a
// note counting the sections left out, and the tail. Sections past the
// first that does not fit are never built.
func assembleMarkdown(head string, n int, section func(int) string, tail string, limit int) string {
	var out strings.Builder
	out.Grow(min(limit, len(head)+len(tail)+4096))
	out.WriteString(head)
	left := 0
	for i := range n {
		s := section(i)
		if out.Len()+len(s)+len(tail)+200 > limit {
			left = n - i
			break
		}
		out.WriteString(s)
	}
	if left > 0 {
		fmt.Fprintf(&out, "> [!IMPORTANT]\n> **%d more %s not shown**: the plan is too long for one comment. Run `hogsync sync` locally or read the job log for the full plan.\n\n",
			left, words.Plural(left, "section is", "sections are"))
	}
	out.WriteString(tail)
	return cutMarkdown(out.String(), limit, "\n…\n")
}

// cutMarkdown cuts s to at most limit bytes, on a character boundary,
// ending in mark: a head alone over the limit is cut hard, still valid.
func cutMarkdown(s string, limit int, mark string) string {
	if len(s) <= limit {
		return s
	}
	cut := max(limit-len(mark), 0)
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// RenderMarkdownFailure writes, in place of a plan, why none could be made
// (broken manifests, a refused key, an unreachable PostHog), so that a pull
// request comment never goes on showing an earlier push's plan.
func RenderMarkdownFailure(w io.Writer, project, reason string, opts MarkdownOptions) error {
	var b strings.Builder
	if opts.Marker != "" {
		b.WriteString(MarkerComment(opts.Marker) + "\n")
	}
	fmt.Fprintf(&b, "### hogsync plan for project %s\n\n", code(project))
	fmt.Fprintf(&b, "> [!CAUTION]\n> **No plan could be made**, so none is shown: %s\n", escapeText(reason))
	s := cutMarkdown(b.String(), cmp.Or(opts.Limit, MaxMarkdown), "…\n")
	_, err := io.WriteString(w, s)
	return err
}

func changeSection(c Change, r *Result, blastKnown bool) string {
	var b strings.Builder
	title := string(rune(c.Action)) + " " + Headline(c)
	if r != nil {
		title += ": " + r.Status.String()
	}
	fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n", escapeText(title))
	if c.Source.File != "" {
		fmt.Fprintf(&b, "Declared at %s.\n\n", code(c.Source.String()))
	}
	b.WriteString(fence("diff", displayDiff(ChangeDiff(c))))
	for _, w := range c.Warnings {
		fmt.Fprintf(&b, "\n> [!WARNING]\n> %s\n", escapeText(w))
	}
	if c.Action != Create {
		excl := exclusionNote(c)
		switch {
		case len(c.Experiments) > 0:
			fmt.Fprintf(&b, "\nUsed by %d %s (%s):\n\n", len(c.Experiments), words.Plural(len(c.Experiments), "experiment", "experiments"), escapeText(blastVerb(c, excl)))
			for _, e := range c.Experiments {
				fmt.Fprintf(&b, "- %s (id %d, %s)\n", escapeText(e.Name), e.ID, escapeText(experimentState(e)))
			}
		case !blastKnown:
			b.WriteString("\nExperiments using it: unknown (they could not be read)")
			if excl != "" {
				b.WriteString("; any that use it get " + escapeText(excl))
			}
			b.WriteString(".\n")
		default:
			b.WriteString("\nUsed by no experiment.\n")
		}
	}
	if c.Blocked() {
		fmt.Fprintf(&b, "\n> [!WARNING]\n> %s\n", escapeText(BlockedReason(c)))
	}
	if r != nil && r.Err != nil && r.Status != Blocked {
		fmt.Fprintf(&b, "\n%s\n", fence("text", escape.Lines(escape.Text(r.Err.Error()))))
	}
	if r != nil && r.ChangeRequestID != "" {
		fmt.Fprintf(&b, "\nChange request %s waits for approval in PostHog.\n", code(r.ChangeRequestID))
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

func conflictSection(c Conflict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n", escapeText(fmt.Sprintf("! conflict: holdout %q matches %d holdouts in PostHog", c.Name, len(c.IDs))))
	for i, id := range c.IDs {
		fmt.Fprintf(&b, "- id %d named %s\n", id, code(c.Names[i]))
	}
	fmt.Fprintf(&b, "\nNone is touched: %s.\n\n</details>\n\n", escapeText(ConflictAdvice(c)))
	return b.String()
}

func protectedSection(rs []Remote) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary>%d %s in PostHog but in no manifest, protected (--prune never deletes %s)</summary>\n\n",
		len(rs), words.Plural(len(rs), "holdout", "holdouts"), words.Plural(len(rs), "it", "them"))
	for _, r := range rs {
		fmt.Fprintf(&b, "- %s (id %d), protected by %s\n", code(r.Name), r.ID, code(r.ProtectedBy))
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

func unmanagedSection(rs []Remote) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary>%d %s in PostHog but in no manifest (left alone; --prune would delete %s)</summary>\n\n",
		len(rs), words.Plural(len(rs), "holdout", "holdouts"), words.Plural(len(rs), "it", "them"))
	for _, r := range rs {
		fmt.Fprintf(&b, "- %s (id %d)\n", code(r.Name), r.ID)
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

// fence wraps text in a code block whose fence is longer than any run of
// backticks in the text, so the text cannot end the block early.
func fence(lang, text string) string {
	n := max(3, longestRun(text, '`')+1)
	f := strings.Repeat("`", n)
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return f + lang + "\n" + text + f + "\n"
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// code is inline code that survives any content: HTML-escaped inside
// <code>, since backticks in the text would end a markdown code span.
func code(s string) string {
	return "<code>" + escapeText(s) + "</code>"
}

// escapeText makes text from manifests or PostHog inert in markdown and in
// HTML blocks alike.
func escapeText(s string) string { return escape.Markdown(s) }

// displayDiff is a diff for people: rollout percentages annotated, each
// line's text escaped for a terminal or a code block.
func displayDiff(lines []Line) string {
	var b strings.Builder
	for _, l := range annotate(lines) {
		b.WriteByte(l.Op)
		if l.Op == '#' {
			b.WriteByte(' ')
		}
		b.WriteString(escape.Text(l.Text))
		b.WriteByte('\n')
	}
	return escape.Lines(b.String()) // a plan printed with --output markdown goes to the log
}

// markdownHeader is the plan's title: the project and host it is for,
// where each came from, and whether the plan is partial.
func markdownHeader(p Plan, meta Meta) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### hogsync plan for project %s", code(meta.Project))
	if meta.Host != "" {
		fmt.Fprintf(&b, " at %s", code(meta.Host))
	}
	b.WriteString("\n\n")
	var from []string
	if meta.ProjectSource != "" {
		from = append(from, "project from "+code(meta.ProjectSource))
	}
	if meta.HostSource != "" {
		from = append(from, "host from "+code(meta.HostSource))
	}
	if len(from) > 0 {
		fmt.Fprintf(&b, "<sub>%s.</sub>\n\n", strings.Join(from, ", "))
	}
	if p.Partial {
		fmt.Fprintf(&b, "> [!NOTE]\n> **Partial plan**: only holdouts matching %s; nothing outside it is planned or pruned.\n\n", escapeText(targetList(p.Targets)))
	}
	return b.String()
}
