// Package escape makes text that came from a manifest, a file name or
// PostHog safe to print: one function per output format, so that no
// renderer decides this on its own.
//
//   - Text is for terminals and CI logs: control characters (C0, DEL, C1),
//     Unicode line and paragraph separators and the bidirectional
//     overrides and isolates are shown as Go-style escapes (\x1b, \u202e),
//     so nothing can move the cursor, recolour the terminal, start a new
//     line, or reorder what a reviewer reads.
//   - Lines guards a whole text document: no line may be taken by the
//     GitHub Actions runner for a workflow command (it trims leading
//     white space, then looks for "::"; failing that, for "##[" anywhere).
//   - Markdown is for pull request comments and job summaries: every
//     character that HTML or markdown could read as syntax becomes a
//     numeric character reference.
//
// The package imports only the standard library.
package escape

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Unsafe reports whether r must never reach a terminal or a log as it is:
// C0 controls (tab and newline included: a value is shown on one line),
// DEL, C1 controls, U+2028/U+2029 and the bidi embeddings, overrides and
// isolates (U+202A–U+202E, U+2066–U+2069).
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// HasUnsafe reports whether s holds a rune Unsafe refuses, or bytes that
// are not UTF-8.
func HasUnsafe(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		// RuneError of one byte is a byte that is not UTF-8; of three, a
		// real U+FFFD, which is as harmless as any other letter.
		if r == utf8.RuneError && size <= 1 || Unsafe(r) {
			return true
		}
		i += size
	}
	return false
}

// Text returns s with every Unsafe rune written as a Go escape (\t, \n,
// \x1b, \u202e) and invalid UTF-8 bytes as \xNN. A backslash is left as
// it is, so ordinary text (Windows paths, regular expressions) reads
// unchanged; s is returned as it is when it holds nothing to escape.
func Text(s string) string {
	if !HasUnsafe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && Unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// JSON returns encoded JSON with every Unsafe rune that encoding/json
// leaves as it is (DEL, the C1 controls and the bidi embeddings,
// overrides and isolates) written as a \u escape, so that a plan or a map
// printed to a terminal cannot reorder or recolour what a reviewer reads.
// It decodes to the same value: outside its strings JSON is ASCII, so such
// a rune can only be inside one. Likewise "##[", which would start a
// workflow command in the runner's older syntax were the JSON printed to
// a GitHub Actions log, is written "#\u0023[". js is returned as it is
// when it holds nothing to escape.
func JSON(js []byte) []byte {
	i := 0
	for i < len(js) && !unsafeInJSON(js[i:]) {
		i++
	}
	if i == len(js) {
		return js
	}
	out := make([]byte, 0, len(js)+16)
	out = append(out, js[:i]...)
	for i < len(js) {
		if bytes.HasPrefix(js[i:], legacyCommandBytes) {
			out = append(out, `#\u0023[`...)
			i += len(LegacyCommand)
			continue
		}
		r, size := utf8.DecodeRune(js[i:])
		if Unsafe(r) && r >= 0x7f {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, js[i:i+size]...)
		}
		i += size
	}
	return out
}

// unsafeInJSON reports whether b starts with a rune JSON must escape for
// JSON's sake (bytes below 0x7f are escaped by encoding/json where needed).
func unsafeInJSON(b []byte) bool {
	if b[0] < 0x7f {
		return b[0] == '#' && bytes.HasPrefix(b, legacyCommandBytes)
	}
	r, _ := utf8.DecodeRune(b)
	return Unsafe(r)
}

// LegacyCommand starts a workflow command in the runner's older syntax
// (##[name]value), which the runner still honours anywhere in a line that
// is not a "::" command (actions/runner, ActionCommand.TryParse).
const LegacyCommand = "##["

var legacyCommandBytes = []byte(LegacyCommand)

// IsCommand reports whether the GitHub Actions runner would read line as
// a workflow command: after leading white space, it starts with "::", or
// it holds "##[" anywhere.
func IsCommand(line string) bool {
	return isV2Command(line) || strings.Contains(line, LegacyCommand)
}

func isV2Command(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t\v\f\u00a0\ufeff"), "::")
}

// Line returns line made inert as a workflow command: when it starts with
// "::", its first ':' is written as the escape \x3a, and every "##[" is
// written "#\x23[". Other lines are unchanged.
func Line(line string) string {
	if !IsCommand(line) {
		return line
	}
	if isV2Command(line) {
		i := strings.Index(line, "::")
		line = line[:i] + `\x3a` + line[i+1:]
	}
	return strings.ReplaceAll(line, LegacyCommand, `#\x23[`)
}

// Lines applies Line to every line of a text document. A line ends at
// '\n' or '\r', as the runner (.NET's ReadLine) reads them.
func Lines(doc string) string {
	if !strings.Contains(doc, "::") && !strings.Contains(doc, LegacyCommand) {
		return doc
	}
	var b strings.Builder
	b.Grow(len(doc) + 8)
	for len(doc) > 0 {
		end := strings.IndexAny(doc, "\r\n")
		if end < 0 {
			end = len(doc)
		} else {
			end++
		}
		b.WriteString(Line(doc[:end]))
		doc = doc[end:]
	}
	return b.String()
}

// markdownEntities turns every character that HTML or markdown could read
// as syntax into a numeric character reference. GitHub shows the
// character; nothing in the text can open a tag or comment, start
// emphasis or a link, end a code span or a table cell.
var markdownEntities = func() *strings.Replacer {
	var pairs []string
	for _, r := range "&<>\"'`*_[]()#|~!{}\\:" {
		pairs = append(pairs, string(r), fmt.Sprintf("&#%d;", r))
	}
	// A blank line would end an HTML block such as <details> early.
	pairs = append(pairs, "\r", " ", "\n", " ")
	return strings.NewReplacer(pairs...)
}()

// Markdown makes text inert in markdown and in HTML blocks alike, and
// shows its Unsafe runes escaped as Text does.
func Markdown(s string) string { return markdownEntities.Replace(Text(s)) }
