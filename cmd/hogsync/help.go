package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/kong"
)

// flagGroups title the flag groups of --help (the `group:` tags), in
// the order a reader needs them: where, how careful, what is shown, how
// fast. Flags without a group (hogsync's own, and each command's main
// switch) come first, under "Flags:".
var flagGroups = []kong.Group{
	{Key: "target", Title: "Target: which PostHog project, and which holdouts"},
	{Key: "safety", Title: "Safety: what a plan may do"},
	{Key: "output", Title: "Output: what is shown and saved"},
	{Key: "pacing", Title: "Pacing: how fast, and how long, hogsync talks to PostHog"},
}

// exitCodes are hogsync's exit codes, as --help and the README list them.
var exitCodes = []struct {
	code    int
	meaning string
}{
	{exitOK, "success: no changes, or everything applied"},
	{exitFailure, "error: bad manifests, API or network failure, a refused plan, a conflict, or some changes failed to apply"},
	{exitChanges, "with --detailed-exitcode on a dry run: changes are pending"},
	{exitPending, "applied, but some changes wait for approval in PostHog"},
	{exitUsage, "usage error: the command line is wrong on its face, before PostHog is asked"},
}

// helpExamples are each command's examples, shown at the end of its
// --help ("" is hogsync's own).
var helpExamples = map[string]string{
	"": `  hogsync demo                         # the whole job against a built-in emulator
  hogsync validate holdouts/           # check manifests offline
  hogsync plan holdouts/               # what would change in PostHog
  hogsync apply holdouts/              # make the changes`,
	"plan": `  # What it takes to make the project match the manifests
  export POSTHOG_PERSONAL_API_KEY=phx_...
  hogsync plan --project 12345 holdouts/

  # Also delete what no manifest names; save the plan for review
  hogsync plan --prune --plan-out plan.json holdouts/

  # In CI: exit 2 when there are changes, 0 when there are none
  hogsync plan --detailed-exitcode holdouts/`,
	"apply": `  # Make the changes
  hogsync apply --project 12345 holdouts/

  # Also delete what no manifest names, but never more than 5
  hogsync apply --prune --max-deletes 5 holdouts/

  # Apply exactly the plan reviewed earlier, refusing if anything moved
  hogsync plan --prune --plan-out plan.json holdouts/
  hogsync apply --prune --plan plan.json holdouts/`,
	"sync": `  # A dry run, as 'hogsync plan'
  hogsync sync --project 12345 holdouts/

  # Make the changes, as 'hogsync apply'
  hogsync sync --apply --prune holdouts/`,
	"validate": `  hogsync validate holdouts/
  hogsync validate holdouts/a.yaml holdouts/b.yaml -o json`,
	"export": `  # Adopt holdouts made by hand in PostHog
  hogsync export --project 12345 --out-dir holdouts
  hogsync plan --project 12345 holdouts/   # No changes.`,
	"demo": `  go run ./cmd/hogsync demo   # from a clone of the repository
  hogsync demo`,
	"schema": `  hogsync schema > holdout.schema.json
  hogsync schema --config > config.schema.json`,
	"completion": `  source <(hogsync completion bash)                         # bash, this shell
  hogsync completion zsh > "${fpath[1]}/_hogsync"            # zsh
  hogsync completion fish > ~/.config/fish/completions/hogsync.fish`,
	"version": `  hogsync version`,
}

// helpValue is a flag's or argument's help, then its default (when the
// help does not already give one) and its environment variable:
// "Changes in flight at once. Default: 4." or "... Default:
// https://us.posthog.com. Env: POSTHOG_HOST."
func helpValue(v *kong.Value) string {
	var extra []string
	if v.HasDefault && v.Default != "" && !v.IsBool() && !strings.Contains(strings.ToLower(v.Help), "default") {
		extra = append(extra, "Default: "+v.Default+".")
	}
	if len(v.Tag.Envs) > 0 {
		extra = append(extra, "Env: "+strings.Join(v.Tag.Envs, ", ")+".")
	}
	if len(extra) == 0 {
		return v.Help
	}
	help := v.Help
	if help != "" && !strings.HasSuffix(help, ".") {
		help += "."
	}
	return strings.TrimSpace(help + " " + strings.Join(extra, " "))
}

// helpPrinter is kong's help with each command's examples after it, and
// hogsync's exit codes and environment after its own.
func helpPrinter(options kong.HelpOptions, ctx *kong.Context) error {
	if err := kong.DefaultHelpPrinter(options, ctx); err != nil {
		return err
	}
	name := ""
	if cmd := ctx.Selected(); cmd != nil {
		name = cmd.Name
	}
	return writeEpilogue(ctx.Stdout, name)
}

func writeEpilogue(w io.Writer, command string) error {
	var b strings.Builder
	if ex := helpExamples[command]; ex != "" {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", ex)
	}
	if command == "" {
		b.WriteString("\nEnvironment:\n")
		for _, v := range [][2]string{
			{"POSTHOG_PERSONAL_API_KEY", "the personal API key (never a flag: it would show in process lists)"},
			{"POSTHOG_HOST", "as --host"},
			{"POSTHOG_PROJECT_ID", "as --project"},
			{"NO_COLOR, FORCE_COLOR", "turn colour off, or on where it would be off"},
		} {
			fmt.Fprintf(&b, "  %-26s %s\n", v[0], v[1])
		}
		b.WriteString("\nExit codes:\n")
		for _, c := range exitCodes {
			fmt.Fprintf(&b, "  %-3d %s\n", c.code, c.meaning)
		}
		b.WriteString("\nDocumentation: https://github.com/hogsync/hogsync/tree/main/docs\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
