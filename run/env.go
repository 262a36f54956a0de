package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hogsync/hogsync/client"
)

// Exit codes. They are part of hogsync's contract with CI (README, "Exit
// codes"); change none of them.
const (
	ExitOK      = 0  // no changes, or everything applied
	ExitFailure = 1  // bad manifests, API or network failure, refused plan, failed changes
	ExitChanges = 2  // --detailed-exitcode dry run: changes are pending
	ExitPending = 3  // applied, but some changes wait for approval in PostHog
	ExitUsage   = 80 // bad flags or arguments (kong's own code)
)

// The package's own short names for them.
const (
	exitOK      = ExitOK
	exitFailure = ExitFailure
	exitChanges = ExitChanges
	exitPending = ExitPending
	exitUsage   = ExitUsage
)

// Env is what a run gets from the process: streams, environment,
// context. Only cmd/hogsync touches os.*, and hands it over through Env.
type Env = env

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
	// version is hogsync's version, for the plan, User-Agent headers
	// and the saved plan.
	version string
	live    *liveLine
}

// NewEnv wires a run's streams: both are redacted line by line, and on a
// terminal a live status line keeps out of their way. args is the command
// line, read only to register secrets (the key file) before anything is
// echoed, and to say where a flag's value came from. Close flushes.
func NewEnv(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, version string) *Env {
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
	e := &env{ctx: ctx, stdout: stdoutS, stderr: stderrS, getenv: getenv, args: args, red: red, version: version, live: live}
	// Secrets first: nothing below may echo an argument (a key pasted
	// into POSTHOG_PROJECT_ID, say) before the key is known.
	registerSecrets(e, args)
	return e
}

// Stdout and Stderr are the run's redacting streams.
func (e *env) Stdout() *Stream { return e.stdout }
func (e *env) Stderr() *Stream { return e.stderr }

// Stream is an output stream of a run: redacted, with workflow commands
// in untrusted text defused.
type Stream = stream

// Configure applies the global flags: --color and --quiet.
func (e *env) Configure(color string, quiet bool, stdoutIsTerminal bool) {
	e.color = useColor(color, stdoutIsTerminal, e.getenv)
	e.quiet = quiet
	if e.live != nil && !quiet {
		e.progress = newProgressView(e.live, time.Now)
	}
}

// Close flushes both streams and clears the status line.
func (e *env) Close() {
	_ = e.stdout.Flush()
	_ = e.stderr.Flush()
	if e.live != nil {
		e.live.clear()
	}
}

// IsTerminal says whether w is a terminal.
func IsTerminal(w io.Writer) bool { return isTerminal(w) }

// TuneGC sets the garbage collector for a run (see gc.go).
func TuneGC(getenv func(string) string) { tuneGC(getenv) }

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

// Errorf prints a one-line error, as hogsync prints every error.
func (e *env) Errorf(format string, args ...any) {
	printDiagnostic(e, diagnostic{severity: "error", msg: fmt.Sprintf(format, args...)})
}

// ExitError carries an exit code out of a run. A nil Err means the run
// already said everything it had to say.
type ExitError = exitError

type exitError struct {
	code int
	err  error
}

// Usage is a usage error: exit 80.
func Usage(err error) error { return &exitError{code: exitUsage, err: err} }

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// Code is the exit code.
func (e *exitError) Code() int { return e.code }

// quiet ends a command with code, having printed what it had to.
func quiet(code int) error { return &exitError{code: code} }

// Report prints err once and returns the exit code it stands for.
func Report(e *Env, err error) int {
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

// Getenv reads the run's environment.
func (e *env) Getenv(k string) string { return e.getenv(k) }
