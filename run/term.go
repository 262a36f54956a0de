package run

import (
	"io"
	"os"

	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal. Only an *os.File can be:
// a buffer, a pipe's writer in a test or anything wrapping them is not.
// A character device is not enough (/dev/null is one): term.IsTerminal
// asks the terminal driver.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is w's width in columns, or 0 when it is not a terminal
// or does not say.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// useColor decides whether stdout gets ANSI colours. An explicit --color
// always or never wins. With auto, the conventions other tools follow
// decide, in this order: NO_COLOR (https://no-color.org) set to anything
// turns colour off; FORCE_COLOR or CLICOLOR_FORCE set to anything but
// "0" (or "false") turns it on, for CI logs that render ANSI; FORCE_COLOR=0
// turns it off; TERM=dumb turns it off; otherwise colour goes to a
// terminal and nowhere else.
func useColor(mode string, tty bool, getenv func(string) string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if getenv("NO_COLOR") != "" {
		return false
	}
	for _, name := range []string{"FORCE_COLOR", "CLICOLOR_FORCE"} {
		switch v := getenv(name); v {
		case "":
		case "0", "false":
			return false
		default:
			return true
		}
	}
	if getenv("TERM") == "dumb" {
		return false
	}
	return tty
}

// liveCapable reports whether stderr can show a status line redrawn in
// place: a terminal that understands carriage return and "clear line".
func liveCapable(stderr io.Writer, getenv func(string) string) bool {
	return isTerminal(stderr) && getenv("TERM") != "dumb"
}
