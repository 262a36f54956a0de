package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/alecthomas/kong"
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

// cli is hogsync's command line.
type cli struct {
	Color   string           `enum:"auto,always,never" default:"auto" help:"Colour the output: auto (a terminal, unless NO_COLOR is set), always or never."`
	Version kong.VersionFlag `help:"Print the version and exit."`

	Sync     syncCmd     `cmd:"" help:"Show what it takes to make PostHog match the manifests; change it with --apply."`
	Validate validateCmd `cmd:"" help:"Check manifests offline: no network, no API key."`
	Export   exportCmd   `cmd:"" help:"Write every holdout of a project as a manifest file (canonical form)."`
	Demo     demoCmd     `cmd:"" help:"Run sync against a built-in PostHog emulator: no account, no network."`
	VersionC versionCmd  `cmd:"" name:"version" help:"Print version, commit and Go version."`
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
	e := &env{ctx: ctx, stdout: newStream(stdout, red), stderr: newStream(stderr, red), getenv: getenv, args: args, red: red}
	defer func() {
		_ = e.stdout.Flush()
		_ = e.stderr.Flush()
	}()
	// Secrets first: nothing below may echo an argument (a key pasted
	// into POSTHOG_PROJECT_ID, say) before the key is known.
	registerSecrets(e, args)

	var c cli
	parser, err := kong.New(&c,
		kong.Name("hogsync"),
		kong.Description("Manage PostHog experiment holdouts as code: plan, review, apply."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Vars{"version": versionString()},
		kong.Writers(e.stdout, e.stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		// Flags' environment variables come through getenv, not os, so
		// that every input of a run (tests' too) goes through run's
		// arguments.
		kong.Resolvers(kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, f *kong.Flag) (any, error) {
			for _, name := range f.Tag.Envs {
				if v := getenv(name); v != "" {
					return v, nil
				}
			}
			return nil, nil
		})),
	)
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
	kctx, err := parser.Parse(args)
	if err != nil {
		var perr *kong.ParseError
		if errors.As(err, &perr) {
			msg := err.Error()
			if strings.HasPrefix(msg, "missing flags:") && strings.Contains(msg, "--project") {
				msg += " (or set POSTHOG_PROJECT_ID)"
			}
			printDiagnostic(e, diagnostic{severity: "error", msg: msg})
			if perr.Context != nil {
				fmt.Fprintln(e.stderr, "Run 'hogsync --help' for usage.")
			}
			return exitUsage
		}
		printDiagnostic(e, diagnostic{severity: "error", msg: err.Error()})
		return exitUsage
	}
	e.color = useColor(c.Color, stdout, getenv)
	err = kctx.Run(e)
	return report(e, err)
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

// useColor decides whether stdout gets ANSI colours.
func useColor(mode string, w io.Writer, getenv func(string) string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
