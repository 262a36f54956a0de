package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/hogsync/hogsync/client"
)

// Exit codes. They are part of hogsync's contract with CI (README, "Exit
// codes"); change none of them.
const (
	exitOK      = 0  // no changes, or everything applied
	exitFailure = 1  // bad manifests, API or network failure, refused plan, failed changes
	exitChanges = 2  // --detailed-exitcode dry run: changes are pending
	exitPending = 3  // applied, but some changes wait for approval in PostHog
	exitUsage   = 80 // bad flags or arguments (kong's own code)
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

// env is what commands get from the process: streams, environment,
// context. Only this package touches os.*, and only through env.
type env struct {
	ctx    context.Context
	stdout *stream
	stderr *stream
	getenv func(string) string
	args   []string // the command line, for where a value came from
	// red holds the secrets of the run (the API key, the GitHub token),
	// registered before any argument is checked or echoed, so every
	// output can be redacted.
	red   *redactor
	color bool
	// quiet is --quiet: no progress and no notes.
	quiet bool
	// progress is the live status line's view, nil unless stderr is a
	// terminal and --quiet is not set.
	progress *progressView
}

// observe passes a request's attempt to the progress line, if any.
func (e *env) observe(a client.Attempt) {
	if e.progress != nil {
		e.progress.request(a)
	}
}

// warnf writes a one-line warning to stderr.
func (e *env) warnf(format string, args ...any) {
	printDiagnostic(e, diagnostic{severity: "warning", msg: fmt.Sprintf(format, args...)})
}

// exitError carries an exit code out of a command. A nil err means the
// command already said everything it had to say.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// quiet ends a command with code, having printed what it had to.
func quiet(code int) error { return &exitError{code: code} }

type kongExit int

// run is hogsync's whole CLI: main only wires os.* into it, so tests run
// it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	red := &redactor{}
	outw, errw := stdout, stderr
	var live *liveLine
	if liveCapable(stderr, getenv) {
		// A status line on the terminal: every line, on stderr and on
		// stdout when it is the terminal too, moves it out of the way.
		live = &liveLine{term: stderr, width: terminalWidth(stderr)}
		errw = live.writer(stderr)
		if isTerminal(stdout) {
			outw = live.writer(stdout)
		}
	}
	stdoutS, stderrS := newOutputStreams(outw, errw, red)
	e := &env{ctx: ctx, stdout: stdoutS, stderr: stderrS, getenv: getenv, args: args, red: red}
	defer func() {
		_ = e.stdout.Flush()
		_ = e.stderr.Flush()
		if live != nil {
			live.clear()
		}
	}()
	// Secrets first: nothing below may echo an argument (a key pasted
	// into POSTHOG_PROJECT_ID, say) before the key is known.
	registerSecrets(e, args)

	var c cli
	parser, err := newParser(&c, e)
	if err != nil {
		fmt.Fprintf(e.stderr, "hogsync: internal error: %v\n", err)
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
		msg := err.Error()
		if strings.HasPrefix(msg, "missing flags:") && strings.Contains(msg, "--project") {
			msg += " (or set POSTHOG_PROJECT_ID)"
		}
		printDiagnostic(e, diagnostic{severity: "error", msg: msg})
		if errors.As(err, &perr) && perr.Context != nil {
			fmt.Fprintln(e.stderr, usageHint(perr.Context))
		}
		return exitUsage
	}
	e.color = useColor(c.Color, isTerminal(stdout), getenv)
	e.quiet = c.Quiet
	if live != nil && !c.Quiet {
		e.progress = newProgressView(live, time.Now)
	}
	code = report(e, kctx.Run(e, kctx.Model))
	if code == exitUsage {
		fmt.Fprintln(e.stderr, usageHint(kctx))
	}
	return code
}

// newParser builds hogsync's kong parser, writing to e's streams.
func newParser(c *cli, e *env) (*kong.Kong, error) {
	parser, err := kong.New(c,
		kong.Name("hogsync"),
		kong.Description("Manage PostHog experiment holdouts as code: plan, review, apply."),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.ValueFormatter(helpValue),
		kong.Help(helpPrinter),
		kong.ExplicitGroups(flagGroups),
		kong.Vars{"version": versionString()},
		kong.Writers(e.stdout, e.stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		// Flags' environment variables come through getenv, not os, so
		// that every input of a run (tests' too) goes through run's
		// arguments.
		kong.Resolvers(kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, f *kong.Flag) (any, error) {
			for _, name := range f.Tag.Envs {
				if v := e.getenv(name); v != "" {
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

// report prints err once and returns the exit code it stands for.
func report(e *env, err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			printError(e, ee.err)
		}
		return ee.code
	}
	printError(e, err)
	return exitFailure
}

// printError prints err as one line, with a hint when there is one.
func printError(e *env, err error) {
	msg := err.Error()
	if h := hint(err); h != "" {
		msg = strings.TrimSuffix(msg, ".") + ". Hint: " + h
	}
	printDiagnostic(e, diagnostic{severity: "error", msg: msg})
}
