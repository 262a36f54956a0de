package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/alecthomas/kong"
	"github.com/hogsync/hogsync/run"
)

// Exit codes: run's, named here for help and the tests.
const (
	exitOK      = run.ExitOK
	exitFailure = run.ExitFailure
	exitChanges = run.ExitChanges
	exitPending = run.ExitPending
	exitUsage   = run.ExitUsage
)

// cli is hogsync's command line. Its help (help.go) adds examples to
// each command and the exit codes to hogsync's own.
type cli struct {
	Color   string           `enum:"auto,always,never" default:"auto" placeholder:"WHEN" help:"Colour the output: auto (on a terminal, unless NO_COLOR is set or TERM=dumb; FORCE_COLOR or CLICOLOR_FORCE force it), always or never."`
	Quiet   bool             `short:"q" help:"No progress line and no notes on stderr; warnings and errors still show."`
	Version kong.VersionFlag `help:"Print the version and exit."`

	Plan       planCmd       `cmd:"" help:"Show what it takes to make PostHog match the manifests. Changes nothing."`
	Apply      applyCmd      `cmd:"" help:"Make PostHog match the manifests, or apply a plan saved with --plan-out."`
	Sync       syncCmd       `cmd:"" help:"Plan, and with --apply make the changes (plan and apply in one command)."`
	Validate   validateCmd   `cmd:"" help:"Check manifests offline: no network, no API key."`
	Export     exportCmd     `cmd:"" help:"Write every holdout of a project as a manifest file (canonical form)."`
	Demo       demoCmd       `cmd:"" help:"Run sync against a built-in PostHog emulator: no account, no network."`
	Schema     schemaCmd     `cmd:"" help:"Print the JSON Schema of a manifest, for editors."`
	Completion completionCmd `cmd:"" help:"Print a shell completion script (bash, zsh or fish)."`
	VersionC   versionCmd    `cmd:"" name:"version" help:"Print version, commit and Go version."`
}

type kongExit int

// runCLI is hogsync's whole CLI: main only wires os.* into it, so tests
// run it in-process. It parses the command line into a command's
// options and makes one call to package run.
func runCLI(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	e := run.NewEnv(ctx, args, stdout, stderr, getenv, currentVersion())
	defer e.Close()

	var c cli
	parser, err := newParser(&c, e)
	if err != nil {
		e.Errorf("internal error: %v", err)
		return exitFailure
	}
	defer func() {
		if r := recover(); r != nil {
			k, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			code = int(k)
		}
	}()
	if len(args) == 0 {
		// hogsync alone: what it can do, as gh and kubectl answer.
		args = []string{"--help"}
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		var perr *kong.ParseError
		e.Errorf("%s", err.Error())
		if errors.As(err, &perr) && perr.Context != nil {
			fmt.Fprintln(e.Stderr(), usageHint(perr.Context))
		}
		return exitUsage
	}
	e.Configure(c.Color, c.Quiet, run.IsTerminal(stdout))
	code = run.Report(e, kctx.Run(e, kctx.Model))
	if code == exitUsage {
		fmt.Fprintln(e.Stderr(), usageHint(kctx))
	}
	return code
}

// newParser builds hogsync's kong parser, writing to e's streams.
func newParser(c *cli, e *run.Env) (*kong.Kong, error) {
	parser, err := kong.New(c,
		kong.Name("hogsync"),
		kong.Description("Manage PostHog experiment holdouts as code: plan, review, apply."),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.ValueFormatter(helpValue),
		kong.Help(helpPrinter),
		kong.ExplicitGroups(flagGroups),
		kong.Vars{"version": versionString()},
		kong.Writers(e.Stdout(), e.Stderr()),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		// Flags' environment variables come through getenv, not os, so
		// that every input of a run (tests' too) goes through run's
		// arguments.
		kong.Resolvers(kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, f *kong.Flag) (any, error) {
			for _, name := range f.Tag.Envs {
				if v := e.Getenv(name); v != "" {
					return v, nil
				}
			}
			return nil, nil
		})),
	)
	if err != nil {
		return nil, err
	}
	hideVerbFlags(parser.Model)
	return parser, nil
}

// usageHint points at the help of the command the user was running.
func usageHint(kctx *kong.Context) string {
	path := "hogsync"
	if cmd := kctx.Selected(); cmd != nil {
		path += " " + cmd.Path()
	}
	return fmt.Sprintf("Run '%s --help' for usage.", path)
}

// hideVerbFlags hides, under plan and apply, the sync flags each accepts
// but does not show (verbHiddenFlags).
func hideVerbFlags(app *kong.Application) {
	for _, n := range app.Children {
		hide := verbHiddenFlags[n.Name]
		for _, f := range n.Flags {
			if slices.Contains(hide, f.Name) {
				f.Hidden = true
			}
		}
	}
}
