package sync

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/hogsync/hogsync/client"
)

// TextOptions shape the human-readable plan.
type TextOptions struct {
	// Color adds ANSI colours: green for creates and added lines, yellow
	// for updates, red for deletes and removed lines, magenta for conflicts.
	Color bool
	// Hint, when set, says what to do about a failed change's error; its
	// answer follows the error on the same line.
	Hint func(error) string
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

// RenderText writes the plan the way terraform shows one: a block per
// change with the line diff of the holdout's canonical YAML, the
// experiments it affects, conflicts, unmanaged holdouts, and a closing
// "Plan: N to create, M to update, K to delete." or "No changes.".
// The same plan always gives the same bytes.
func RenderText(w io.Writer, p Plan, opts TextOptions) error {
	bw := bufio.NewWriter(w)
	pt := painter(opts.Color)
	for _, c := range p.Changes {
		writeChange(bw, pt, c, p.BlastRadiusKnown)
		bw.WriteByte('\n')
	}
	for _, c := range p.Conflicts {
		writeConflict(bw, pt, c)
		bw.WriteByte('\n')
	}
	if len(p.Unmanaged) > 0 {
		n := len(p.Unmanaged)
		fmt.Fprintf(bw, "%d %s in PostHog %s not in any manifest; %s left alone (--prune would delete %s):\n",
			n, plural(n, "holdout", "holdouts"), plural(n, "is", "are"), plural(n, "it is", "they are"), plural(n, "it", "them"))
		for _, r := range p.Unmanaged {
			fmt.Fprintf(bw, "  %q (id %d)%s\n", r.Name, r.ID, usedBySuffix(r.Experiments))
		}
		bw.WriteByte('\n')
	}
	bw.WriteString(Summary(p))
	bw.WriteByte('\n')
	return bw.Flush()
}

// Summary is the plan's closing line.
func Summary(p Plan) string {
	if !p.HasChanges() {
		if len(p.Conflicts) > 0 {
			return fmt.Sprintf("No changes, but %d %s to be resolved.", len(p.Conflicts), plural(len(p.Conflicts), "conflict needs", "conflicts need"))
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
			s += fmt.Sprintf(" %d blocked by running experiments (--force applies %s).", n, plural(n, "it", "them"))
		} else {
			s += fmt.Sprintf(" %d blocked (each says why).", n)
		}
	}
	if n := len(p.Conflicts); n > 0 {
		s += fmt.Sprintf(" %d %s.", n, plural(n, "conflict is left untouched", "conflicts are left untouched"))
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

func writeChange(w *bufio.Writer, pt painter, c Change, blastKnown bool) {
	head := string(rune(c.Action)) + " " + Headline(c)
	fmt.Fprint(w, pt.paint(ansiBold+actionColor(c.Action), head))
	if c.Source.File != "" {
		fmt.Fprintf(w, "  [%s]", c.Source)
	}
	w.WriteByte('\n')
	for _, l := range ChangeDiff(c) {
		line := "    " + string(l.Op) + " " + l.Text
		switch l.Op {
		case '+':
			line = pt.paint(ansiGreen, line)
		case '-':
			line = pt.paint(ansiRed, line)
		}
		w.WriteString(strings.TrimRight(line, " "))
		w.WriteByte('\n')
	}
	if c.Action == Create {
		return
	}
	switch {
	case len(c.Experiments) > 0:
		verb := plural(len(c.Experiments), "its feature flag is rewritten", "their feature flags are rewritten")
		switch {
		case c.Action == Delete:
			verb = plural(len(c.Experiments), "it loses this exclusion", "they lose this exclusion")
		case equalFilters(*c.Before, *c.After):
			verb = plural(len(c.Experiments), "its feature flag is untouched", "their feature flags are untouched") + ": only the name or description changes"
		}
		fmt.Fprintf(w, "    # used by %d %s (%s):\n", len(c.Experiments), plural(len(c.Experiments), "experiment", "experiments"), verb)
		for _, e := range c.Experiments {
			fmt.Fprintf(w, "    #   %q (id %d, %s)\n", e.Name, e.ID, experimentState(e))
		}
	case !blastKnown:
		fmt.Fprintf(w, "    # experiments using it: unknown (they could not be read)\n")
	default:
		fmt.Fprintf(w, "    # used by no experiment\n")
	}
	if c.Blocked() {
		fmt.Fprint(w, pt.paint(ansiBold+ansiMagenta, "    ! "+BlockedReason(c)))
		w.WriteByte('\n')
	}
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
			kind, plural(n, "experiment", "experiments"), strings.Join(names, ", "), plural(n, "uses this holdout", "use this holdout")))
	}
	if c.Blocker != "" {
		parts = append(parts, c.Blocker)
	}
	if len(parts) == 0 {
		return ""
	}
	return "blocked: " + strings.Join(parts, "; ")
}

func writeConflict(w *bufio.Writer, pt painter, c Conflict) {
	head := fmt.Sprintf("! conflict: holdout %q matches %d holdouts in PostHog; none is touched", c.Name, len(c.IDs))
	fmt.Fprint(w, pt.paint(ansiBold+ansiMagenta, head))
	if c.Source.File != "" {
		fmt.Fprintf(w, "  [%s]", c.Source)
	}
	w.WriteByte('\n')
	for i, id := range c.IDs {
		fmt.Fprintf(w, "    id %d named %q\n", id, c.Names[i])
	}
	fmt.Fprintf(w, "    # %s\n", ConflictAdvice(c))
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
		c.Name, c.RenamedID, plural(len(quoted), "the old name", "the old names"), names, plural(len(quoted), "was", "were"),
		names, where, plural(len(c.IDs)-1, "other holdout is", "other holdouts are"))
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

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
