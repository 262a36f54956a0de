package sync

import (
	"bufio"
	"fmt"
	"github.com/hogsync/hogsync/internal/words"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/escape"
)

// TextOptions shape the human-readable plan.
type TextOptions struct {
	// Color adds ANSI colours: green for creates and added lines, yellow
	// for updates, red for deletes and removed lines, magenta for conflicts.
	Color bool
	// Hint, when set, says what to do about a failed change's error; its
	// answer follows the error on the same line.
	Hint func(error) string
	// Meta, when set, names the project and host in a header above the
	// plan, with where each came from.
	Meta *Meta
}

const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
)

type painter bool

func (p painter) paint(color, s string) string {
	if !p || s == "" {
		return s
	}
	return color + s + ansiReset
}

func actionColor(a Action) string {
	switch a {
	case Create:
		return ansiGreen
	case Update:
		return ansiYellow
	}
	return ansiRed
}

// RenderText writes the plan the way terraform shows one: a header
// naming the project and host (when opts.Meta is set) and whether the plan
// is partial, a block per change with the line diff of the holdout's
// canonical YAML and the experiments it affects, conflicts, unmanaged and
// protected holdouts, a note when PostHog may hide experiments the plan
// changes (HiddenExperimentsNote), and a closing "Plan: N to create, M to
// update, K to delete." or "No changes.". Every string from a manifest, a
// file name or PostHog is shown through escape.Text (or quoted), and no
// line of the output can be read as a GitHub Actions workflow command.
// The same plan always gives the same bytes.
func RenderText(w io.Writer, p Plan, opts TextOptions) error {
	warmDiffs(p.Changes)
	bw := bufio.NewWriterSize(w, 64<<10)
	var b strings.Builder
	// Each block is escaped line by line and written out on its own, so
	// that a large plan is never held, or copied, whole.
	flush := func() {
		bw.WriteString(escape.Lines(b.String()))
		b.Reset()
	}
	pt := painter(opts.Color)
	if h := textHeader(p, opts.Meta); h != "" {
		b.WriteString(h)
		b.WriteByte('\n')
	}
	for _, c := range p.Changes {
		writeChange(&b, pt, c, p.BlastRadiusKnown)
		b.WriteByte('\n')
		flush()
	}
	for _, c := range p.Conflicts {
		writeConflict(&b, pt, c)
		b.WriteByte('\n')
		flush()
	}
	if len(p.Unmanaged) > 0 {
		n := len(p.Unmanaged)
		fmt.Fprintf(&b, "%d %s in PostHog %s not in any manifest; %s left alone (--prune would delete %s):\n",
			n, words.Plural(n, "holdout", "holdouts"), words.Plural(n, "is", "are"), words.Plural(n, "it is", "they are"), words.Plural(n, "it", "them"))
		for _, r := range p.Unmanaged {
			fmt.Fprintf(&b, "  %q (id %d)%s\n", r.Name, r.ID, usedBySuffix(r.Experiments))
			flush()
		}
		b.WriteByte('\n')
	}
	if len(p.Protected) > 0 {
		n := len(p.Protected)
		fmt.Fprintf(&b, "%d %s in PostHog %s not in any manifest but protected; --prune never deletes %s:\n",
			n, words.Plural(n, "holdout", "holdouts"), words.Plural(n, "is", "are"), words.Plural(n, "it", "them"))
		for _, r := range p.Protected {
			fmt.Fprintf(&b, "  %q (id %d), protected by %q%s\n", r.Name, r.ID, r.ProtectedBy, usedBySuffix(r.Experiments))
			flush()
		}
		b.WriteByte('\n')
	}
	if note := HiddenExperimentsNote(p); note != "" {
		b.WriteString("Note: " + note + "\n\n")
	}
	b.WriteString(Summary(p))
	b.WriteByte('\n')
	flush()
	return bw.Flush()
}

// HiddenExperimentsNote says, for a plan that rewrites experiments'
// feature flags (an update of a holdout's filters, or a delete), that the
// experiments it lists may not be all of them: PostHog's experiments list
// leaves out those the key's user may not see (access control) and
// soft-deleted ones, while a holdout change rewrites the flag of every
// experiment linked to it (instance.experiment_set.all()). It is "" when
// the plan rewrites no flag, and when experiments could not be read at
// all (the plan says that instead). Every format says it once, in these
// words.
func HiddenExperimentsNote(p Plan) string {
	if !p.BlastRadiusKnown {
		return ""
	}
	for _, c := range p.Changes {
		if c.ChangesFilters() {
			return "Experiments this API key's user may not see (PostHog access control) and soft-deleted experiments are not listed, yet a change of a holdout's filters or its deletion rewrites their feature flags too."
		}
	}
	return ""
}

// textHeader names the project and host the plan is for, and where each
// came from, and says when the plan is partial; "" when there is nothing
// to say.
func textHeader(p Plan, m *Meta) string {
	var b strings.Builder
	if m != nil {
		fmt.Fprintf(&b, "Plan for PostHog project %s%s at %s%s.\n",
			escape.Text(m.Project), fromText(m.ProjectSource), escape.Text(m.Host), fromText(m.HostSource))
	}
	if p.Partial {
		fmt.Fprintf(&b, "Partial plan: only holdouts matching %s; nothing outside it is planned or pruned.\n", targetList(p.Targets))
	}
	return b.String()
}

func fromText(source string) string {
	if source == "" {
		return ""
	}
	return " (from " + escape.Text(source) + ")"
}

// targetList is the targets as a reader would type them.
func targetList(targets []string) string {
	q := make([]string, len(targets))
	for i, t := range targets {
		q[i] = fmt.Sprintf("--target %q", t)
	}
	return strings.Join(q, ", ")
}

// Summary is the plan's closing line.
func Summary(p Plan) string {
	if !p.HasChanges() {
		if len(p.Conflicts) > 0 {
			return fmt.Sprintf("No changes, but %d %s to be resolved.", len(p.Conflicts), words.Plural(len(p.Conflicts), "conflict needs", "conflicts need"))
		}
		return "No changes."
	}
	c, u, d := p.Counts()
	s := fmt.Sprintf("Plan: %d to create, %d to update, %d to delete.", c, u, d)
	if n := p.Blocked(); n > 0 {
		byExperiments := 0
		for _, c := range p.Changes {
			if len(c.BlockedBy) > 0 && c.Blocker == "" {
				byExperiments++
			}
		}
		if byExperiments == n {
			s += fmt.Sprintf(" %d blocked by launched experiments (--force applies %s).", n, words.Plural(n, "it", "them"))
		} else {
			s += fmt.Sprintf(" %d blocked (each says why).", n)
		}
	}
	if n := len(p.Conflicts); n > 0 {
		s += fmt.Sprintf(" %d %s.", n, words.Plural(n, "conflict is left untouched", "conflicts are left untouched"))
	}
	return s
}

// Headline says in words what a change does, e.g.
// `update holdout "pricing" (id 12)`.
func Headline(c Change) string {
	switch {
	case c.Action == Create:
		return fmt.Sprintf("create holdout %q", c.Name)
	case c.IsRename():
		return fmt.Sprintf("rename holdout %q to %q (id %d)", c.Before.Name, c.After.Name, c.ID)
	case c.Action == Update:
		return fmt.Sprintf("update holdout %q (id %d)", c.Name, c.ID)
	default:
		return fmt.Sprintf("delete holdout %q (id %d)", c.Name, c.ID)
	}
}

func writeChange(w *strings.Builder, pt painter, c Change, blastKnown bool) {
	head := string(rune(c.Action)) + " " + Headline(c)
	w.WriteString(pt.paint(ansiBold+actionColor(c.Action), head))
	if c.Source.File != "" {
		fmt.Fprintf(w, "  [%s]", escape.Text(c.Source.String()))
	}
	w.WriteByte('\n')
	for _, l := range annotate(ChangeDiff(c)) {
		line := "    " + string(l.Op) + " " + escape.Text(l.Text)
		switch l.Op {
		case '+':
			line = pt.paint(ansiGreen, line)
		case '-':
			line = pt.paint(ansiRed, line)
		}
		w.WriteString(strings.TrimRight(line, " "))
		w.WriteByte('\n')
	}
	for _, warn := range c.Warnings {
		fmt.Fprintf(w, "    # warning: %s\n", escape.Text(warn))
	}
	if c.Action == Create {
		return
	}
	excl := exclusionNote(c)
	switch {
	case len(c.Experiments) > 0:
		fmt.Fprintf(w, "    # used by %d %s (%s):\n", len(c.Experiments), words.Plural(len(c.Experiments), "experiment", "experiments"), blastVerb(c, excl))
		for _, e := range c.Experiments {
			fmt.Fprintf(w, "    #   %q (id %d, %s)\n", e.Name, e.ID, escape.Text(experimentState(e)))
		}
	case !blastKnown:
		w.WriteString("    # experiments using it: unknown (they could not be read)")
		if excl != "" {
			w.WriteString("; any that use it get " + excl)
		}
		w.WriteByte('\n')
	default:
		w.WriteString("    # used by no experiment\n")
	}
	if c.Blocked() {
		w.WriteString(pt.paint(ansiBold+ansiMagenta, "    ! "+escape.Text(BlockedReason(c))))
		w.WriteByte('\n')
	}
}

// blastVerb says what the change does to the flags of the experiments
// that use the holdout, and the exclusion they get.
func blastVerb(c Change, excl string) string {
	n := len(c.Experiments)
	switch {
	case c.Action == Delete:
		before, _ := c.Exclusion()
		return words.Plural(n, "it loses", "they lose") + " this " + percent(before) + " exclusion"
	case !c.ChangesFilters():
		return words.Plural(n, "its feature flag is untouched", "their feature flags are untouched") + ": only the name or description changes"
	}
	return words.Plural(n, "its feature flag is rewritten", "their feature flags are rewritten") + "; " + excl
}

// exclusionNote is the exclusion each affected flag gets, such as
// "exclusion 5% → 10%"; "" when the flags are untouched.
func exclusionNote(c Change) string {
	before, after := c.Exclusion()
	switch {
	case !c.ChangesFilters():
		return ""
	case c.Action == Delete:
		return "exclusion " + percent(before) + " → none"
	case before == after:
		return "exclusion stays " + percent(before)
	}
	return "exclusion " + percent(before) + " → " + percent(after)
}

func percent(n string) string {
	if n == "" {
		return "none"
	}
	return n + "%"
}

// annotate returns diff lines with what each filter group's
// rollout_percentage means, for people: the first group's is the share
// of users excluded; current PostHog evaluates no other. Display only:
// CanonicalYAML, exports and comparisons never carry it.
func annotate(lines []Line) []Line {
	type side struct {
		inFilters bool
		group     int
	}
	var before, after side
	out := lines
	copied := false
	for i, l := range lines {
		sides := []*side{&before, &after}
		switch l.Op {
		case '-':
			sides = sides[:1]
		case '+':
			sides = sides[1:]
		case ' ':
		default:
			continue // a note, not YAML
		}
		top := l.Text == "" || l.Text[0] != ' '
		for _, s := range sides {
			switch {
			case top:
				s.inFilters = l.Text == "filters:"
			case s.inFilters && strings.HasPrefix(l.Text, "  - "):
				s.group++
			}
		}
		s := sides[len(sides)-1]
		if top || !s.inFilters {
			continue
		}
		v, ok := strings.CutPrefix(l.Text, "  - rollout_percentage: ")
		if !ok {
			v, ok = strings.CutPrefix(l.Text, "    rollout_percentage: ")
		}
		if !ok {
			continue
		}
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			continue
		}
		note := "  # " + v + "% of users excluded"
		if s.group > 1 {
			note = "  # not evaluated by current PostHog: only the first group's percentage counts"
		}
		if !copied {
			out, copied = slices.Clone(lines), true
		}
		out[i].Text += note
	}
	return out
}

// BlockedReason says why a change is blocked and how to go ahead anyway;
// "" when it is not blocked.
func BlockedReason(c Change) string {
	var parts []string
	if n := len(c.BlockedBy); n > 0 {
		allRunning := true
		for _, e := range c.BlockedBy {
			allRunning = allRunning && e.State == client.ExperimentRunning
		}
		names := make([]string, n)
		for i, e := range c.BlockedBy {
			detail := fmt.Sprintf("id %d", e.ID)
			if !allRunning {
				detail += ", " + e.State
			}
			if e.Archived {
				detail += ", archived"
			}
			names[i] = fmt.Sprintf("%q (%s)", e.Name, detail)
		}
		kind := "running"
		if !allRunning {
			kind = "launched"
		}
		parts = append(parts, fmt.Sprintf("%s %s %s %s; it will not be applied without --force",
			kind, words.Plural(n, "experiment", "experiments"), strings.Join(names, ", "), words.Plural(n, "uses this holdout", "use this holdout")))
	}
	if c.Blocker != "" {
		parts = append(parts, c.Blocker)
	}
	if len(parts) == 0 {
		return ""
	}
	return "blocked: " + strings.Join(parts, "; ")
}

func writeConflict(w *strings.Builder, pt painter, c Conflict) {
	head := fmt.Sprintf("! conflict: holdout %q matches %d holdouts in PostHog; none is touched", c.Name, len(c.IDs))
	fmt.Fprint(w, pt.paint(ansiBold+ansiMagenta, head))
	if c.Source.File != "" {
		fmt.Fprintf(w, "  [%s]", escape.Text(c.Source.String()))
	}
	w.WriteByte('\n')
	for i, id := range c.IDs {
		fmt.Fprintf(w, "    id %d named %q\n", id, c.Names[i])
	}
	fmt.Fprintf(w, "    # %s\n", escape.Text(ConflictAdvice(c)))
}

// ConflictAdvice says how to resolve a conflict.
func ConflictAdvice(c Conflict) string {
	if c.RenamedID == 0 {
		return "keep one: rename or delete the others in PostHog, then sync again"
	}
	quoted := make([]string, len(c.StaleNames))
	for i, n := range c.StaleNames {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	where := ""
	if c.Source.File != "" {
		where = " in " + c.Source.String()
	}
	names := strings.Join(quoted, ", ")
	return fmt.Sprintf("the rename to %q is done (id %d has that name) and %s %s %s taken again since: remove %s from previous_names%s, then sync again (the %s then left unmanaged)",
		c.Name, c.RenamedID, words.Plural(len(quoted), "the old name", "the old names"), names, words.Plural(len(quoted), "was", "were"),
		names, where, words.Plural(len(c.IDs)-1, "other holdout is", "other holdouts are"))
}

func usedBySuffix(es []Experiment) string {
	if len(es) == 0 {
		return ""
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = fmt.Sprintf("%q (%s)", e.Name, experimentState(e))
	}
	return ", used by " + strings.Join(names, ", ")
}

// experimentState is an experiment's status as PostHog names it, and
// whether it is archived.
func experimentState(e Experiment) string {
	if e.Archived {
		return e.State + ", archived"
	}
	return e.State
}
