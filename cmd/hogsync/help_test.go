package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// helpCommands are hogsync's visible commands, as --help lists them.
var helpCommands = []string{"plan", "apply", "sync", "validate", "export", "demo", "schema", "completion", "version"}

func helpOf(t *testing.T, command ...string) string {
	t.Helper()
	return newHarness(t).run(append(command, "--help")...).must(t, exitOK).stdout
}

// section is the part of help under the line starting with title, up to
// the next blank line followed by an unindented line.
func section(help, title string) string {
	i := strings.Index(help, "\n"+title)
	if i < 0 {
		return ""
	}
	rest := help[i+1:]
	if j := regexp.MustCompile(`\n\n\S`).FindStringIndex(rest); j != nil {
		rest = rest[:j[0]]
	}
	return rest
}

// sync's flags come in groups: where, how careful, what is shown, how fast.
func TestHelpGroupsFlags(t *testing.T) {
	t.Parallel()
	help := helpOf(t, "sync")
	groups := []struct {
		title string
		flags []string
	}{
		{"Target:", []string{"--host=URL", "--project=ID", "--api-key-file=FILE", "--target=PATTERN"}},
		{"Safety:", []string{"--prune", "--max-deletes=N", "--force", "--plan=FILE", "--override-config"}},
		{"Output:", []string{"--output=FORMAT", "--plan-out=FILE", "--comment", "--detailed-exitcode", "--debug", "--id-map=FILE"}},
		{"Pacing:", []string{"--parallelism=N", "--rate=N", "--page-size=N", "--timeout=DURATION", "--request-timeout=DURATION", "--max-retry-wait=DURATION", "--max-list-items=N", "--max-list-bytes=BYTES"}},
	}
	for _, g := range groups {
		s := section(help, g.title)
		if s == "" {
			t.Errorf("sync --help has no %q group:\n%s", g.title, help)
			continue
		}
		for _, f := range g.flags {
			if !strings.Contains(s, f) {
				t.Errorf("group %q lacks %s:\n%s", g.title, f, s)
			}
		}
	}
	for _, want := range []string{"Default: 4.", "Env: POSTHOG_PROJECT_ID.", "else https://us.posthog.com. Env: POSTHOG_HOST."} {
		if !strings.Contains(strings.Join(strings.Fields(help), " "), want) {
			t.Errorf("sync --help lacks %q", want)
		}
	}
}

// Every command's help ends with examples that run that command; none
// shows the hidden --budget-time-scale.
func TestHelpExamples(t *testing.T) {
	t.Parallel()
	for _, c := range helpCommands {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			help := helpOf(t, c)
			ex := section(help, "Examples:")
			if !strings.Contains(ex, "hogsync "+c) {
				t.Errorf("%s --help has no example running it:\n%s", c, help)
			}
			if strings.Contains(help, "budget-time-scale") {
				t.Errorf("%s --help shows the hidden --budget-time-scale", c)
			}
		})
	}
}

// hogsync --help lists every command and every exit code, from the
// constants the code returns.
func TestHelpListsExitCodes(t *testing.T) {
	t.Parallel()
	help := helpOf(t)
	codes := section(help, "Exit codes:")
	for _, c := range []int{exitOK, exitFailure, exitChanges, exitPending, exitUsage} {
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^  %d +\S`, c)).MatchString(codes) {
			t.Errorf("hogsync --help does not list exit code %d:\n%s", c, codes)
		}
	}
	cmds := section(help, "Commands:")
	for _, c := range helpCommands {
		if !regexp.MustCompile(`(?m)^  ` + c + ` `).MatchString(cmds) {
			t.Errorf("hogsync --help does not list %s:\n%s", c, cmds)
		}
	}
}

// plan shows none of an apply's flags; apply not the flag it sets itself.
func TestHelpOfVerbs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		command       string
		hidden, shown []string
	}{
		{"plan", []string{"--apply ", "--plan=", "--id-map=", "--reviewed-plan"}, []string{"--plan-out=FILE", "--detailed-exitcode", "--drift-issue"}},
		{"apply", []string{"--apply ", "--detailed-exitcode", "--drift-issue"}, []string{"--plan=FILE", "--id-map=FILE", "--prune", "--reviewed-plan=MODE"}},
		{"sync", nil, []string{"--apply ", "--plan=FILE", "--detailed-exitcode"}},
	} {
		help := helpOf(t, tt.command)
		for _, f := range tt.hidden {
			if strings.Contains(help, f) {
				t.Errorf("%s --help shows %s", tt.command, f)
			}
		}
		for _, f := range tt.shown {
			if !strings.Contains(help, f) {
				t.Errorf("%s --help lacks %s", tt.command, f)
			}
		}
	}
}

// A usage error names the help of the command it was made in.
func TestUsageErrorsPointAtTheCommandsHelp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "Run 'hogsync --help' for usage."},
		{[]string{"frobnicate"}, "Run 'hogsync --help' for usage."},
		{[]string{"sync", "--bogus"}, "Run 'hogsync sync --help' for usage."},
		{[]string{"plan", "--output", "yaml"}, "Run 'hogsync plan --help' for usage."},
		{[]string{"apply", "--parallelism", "0"}, "Run 'hogsync apply --help' for usage."},
		{[]string{"validate", "-o", "markdown"}, "Run 'hogsync validate --help' for usage."},
		{[]string{"export"}, "Run 'hogsync export --help' for usage."},
		{[]string{"completion", "tcsh"}, "Run 'hogsync completion --help' for usage."},
	} {
		r := newHarness(t).run(tt.args...).must(t, exitUsage)
		lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
		if got := lines[len(lines)-1]; got != tt.want {
			t.Errorf("hogsync %v: last line %q, want %q\nstderr:\n%s", tt.args, got, tt.want, r.stderr)
		}
	}
}

// hogsync alone prints its help.
func TestNoArgumentsPrintsHelp(t *testing.T) {
	t.Parallel()
	r := newHarness(t).run().must(t, exitOK)
	if r.stdout != helpOf(t) {
		t.Errorf("hogsync alone printed:\n%s", r.stdout)
	}
}
