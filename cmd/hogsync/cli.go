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
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	color  bool
	// secret is the API key once read, so the streams can redact it.
	secret *secret
	// workflow receives GitHub Actions workflow commands (annotations,
	// warnings): stdout, unless stdout must stay a JSON or markdown
	// document, then stderr (the runner reads commands from both).
	workflow io.Writer
	// published is set once the job summary, outputs and comment were
	// written, so a later failure does not write them again.
	published bool
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
	sec := &secret{}
	stdout = &redactingWriter{w: stdout, secret: sec}
	stderr = &redactingWriter{w: stderr, secret: sec}

	var c cli
	parser, err := kong.New(&c,
		kong.Name("hogsync"),
		kong.Description("Manage PostHog experiment holdouts as code: plan, review, apply."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Vars{"version": versionString()},
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
	)
	if err != nil {
		fmt.Fprintf(stderr, "hogsync: internal error: %v\n", err)
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
			fmt.Fprintf(stderr, "hogsync: error: %s\n", msg)
			if perr.Context != nil {
				fmt.Fprintln(stderr, "Run 'hogsync --help' for usage.")
			}
			return exitUsage
		}
		fmt.Fprintf(stderr, "hogsync: error: %v\n", err)
		return exitUsage
	}
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, getenv: getenv, secret: sec,
		color: useColor(c.Color, stdout, getenv), workflow: stdout}
	err = kctx.Run(e)
	return report(stderr, err)
}

// report prints err once and returns the exit code it stands for.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			printError(stderr, ee.err)
		}
		return ee.code
	}
	printError(stderr, err)
	return exitFailure
}

func printError(w io.Writer, err error) {
	msg := err.Error()
	if h := hint(err); h != "" {
		msg = strings.TrimSuffix(msg, ".") + ". Hint: " + h
	}
	// One line per error: PostHog details never contain newlines, but a
	// joined error might.
	fmt.Fprintf(w, "hogsync: error: %s\n", strings.ReplaceAll(msg, "\n", "; "))
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
	if rw, ok := w.(*redactingWriter); ok {
		w = rw.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
