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
//     Unicode white space, then looks for "::"; failing that, for "##["
//     anywhere; both looks skip characters without collation weight, such
//     as U+200D).
//   - Markdown is for pull request comments, issues and job summaries:
//     every character that HTML or markdown could read as syntax becomes a
//     numeric character reference, and a word joiner (U+2060) keeps GitHub
//     from making a mention, an autolink or a cross-reference of the text.
//
// The package imports only the standard library.
package escape

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
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
// a rune can only be inside one. Likewise "##[" (as HasLegacyCommand finds
// it), which would start a workflow command in the runner's older syntax
// were the JSON printed to a GitHub Actions log, has its second '#'
// written \u0023. (No line of JSON can start with "::".) js is returned
// as it is when it holds nothing to escape.
func JSON(js []byte) []byte {
	i := 0
	for i < len(js) && (js[i] < 0x7f || !Unsafe(decodeRune(js[i:]))) {
		i++
	}
	if i < len(js) {
		out := make([]byte, 0, len(js)+16)
		out = append(out, js[:i]...)
		for i < len(js) {
			r, size := utf8.DecodeRune(js[i:])
			if Unsafe(r) && r >= 0x7f {
				out = fmt.Appendf(out, `\u%04x`, r)
			} else {
				out = append(out, js[i:i+size]...)
			}
			i += size
		}
		js = out
	}
	if bytes.IndexByte(js, '#') < 0 {
		return js
	}
	if s := string(js); HasLegacyCommand(s) {
		return []byte(ReplaceLegacyCommand(s, `\u0023`))
	}
	return js
}

func decodeRune(b []byte) rune {
	r, _ := utf8.DecodeRune(b)
	return r
}

// LegacyCommand starts a workflow command in the runner's older syntax
// (##[name]value), which the runner still honours anywhere in a line that
// is not a "::" command (actions/runner, ActionCommand.TryParse).
const LegacyCommand = "##["

// The runner looks for "::" and "##[" with .NET's culture-sensitive
// StartsWith and IndexOf, which (through ICU) skip characters without
// collation weight: ":\u200d:" starts with "::" and "#\u00ad#[" holds
// "##[". And before it looks for "::" it trims every character .NET's
// char.IsWhiteSpace counts (U+3000 and U+2000–U+200A as well as ASCII).
// So here a command is found as the runner would, with every such
// character skipped: see commandSpace and commandIgnorable.

// commandSpace is .NET's char.IsWhiteSpace: Zs, Zl, Zp, U+0009–U+000D
// and U+0085 (the runner's TrimStart).
func commandSpace(r rune) bool {
	return r >= 0x09 && r <= 0x0d || r == 0x85 || unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

// commandIgnorable reports whether r may be without weight in ICU's
// collation, so that the runner's matching steps over it: controls,
// format characters (U+00AD, U+200B–U+200F, U+2060, U+FEFF, tags…),
// nonspacing and enclosing marks, variation selectors and the other
// default-ignorable code points. It is wider than ICU, on purpose.
func commandIgnorable(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Mn, unicode.Me,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// skip returns the byte offset in s of the first rune at or after i that
// skipFn does not skip.
func skip(s string, i int, skipFn func(rune) bool) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !skipFn(r) {
			break
		}
		i += size
	}
	return i
}

func spaceOrIgnorable(r rune) bool { return commandSpace(r) || commandIgnorable(r) }

// v2Colon returns the offset of the ':' that starts line as a "::"
// workflow command (after white space and ignorable characters, a ':'
// then, after ignorable ones, another), or -1.
func v2Colon(line string) int {
	i := skip(line, 0, spaceOrIgnorable)
	if i >= len(line) || line[i] != ':' {
		return -1
	}
	if j := skip(line, i+1, commandIgnorable); j < len(line) && line[j] == ':' {
		return i
	}
	return -1
}

// legacyHash returns the offset of the second '#' of the first "##["
// in s at or after from (each of the three possibly apart by ignorable
// characters), or -1.
func legacyHash(s string, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] != '#' {
			continue
		}
		j := skip(s, i+1, commandIgnorable)
		if j >= len(s) || s[j] != '#' {
			continue
		}
		if k := skip(s, j+1, commandIgnorable); k < len(s) && s[k] == '[' {
			return j
		}
	}
	return -1
}

// HasLegacyCommand reports whether s holds "##[" as the runner finds it
// (the three apart by ignorable characters or not).
func HasLegacyCommand(s string) bool {
	return strings.Contains(s, "#") && legacyHash(s, 0) >= 0
}

// ReplaceLegacyCommand writes the second '#' of every "##[" in s (as
// HasLegacyCommand finds them) as hash, an escape the format at hand reads
// back as '#': `\x23` in YAML's double quotes, `\u0023` in JSON.
func ReplaceLegacyCommand(s, hash string) string {
	if !strings.Contains(s, "#") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := legacyHash(s, 0); i >= 0; i = legacyHash(s, last) {
		b.WriteString(s[last:i])
		b.WriteString(hash)
		last = i + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// IsCommand reports whether the GitHub Actions runner may read line as
// a workflow command: after white space and ignorable characters, it
// starts with "::", or it holds "##[" anywhere (ignorable characters
// between the signs or not).
func IsCommand(line string) bool {
	return v2Colon(line) >= 0 || HasLegacyCommand(line)
}

// Line returns line made inert as a workflow command: when it starts with
// "::" (as IsCommand finds it), its first ':' is written as the escape
// \x3a, and the second '#' of every "##[" as \x23. Other lines are
// unchanged.
func Line(line string) string {
	if i := v2Colon(line); i >= 0 {
		line = line[:i] + `\x3a` + line[i+1:]
	}
	return ReplaceLegacyCommand(line, `\x23`)
}

// Lines applies Line to every line of a text document. A line ends at
// '\n' or '\r', as the runner (.NET's ReadLine) reads them.
func Lines(doc string) string {
	if !strings.ContainsAny(doc, ":#") {
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

// WordJoiner is the invisible character Markdown puts where GitHub would
// otherwise make a mention, a link or a cross-reference of text.
const WordJoiner = "\u2060"

// Unlink returns s with a word joiner (U+2060) wherever GitHub would make
// a mention (@user, @org/team), a cross-reference (#12, owner/repo#1,
// GH-12, owner/repo@sha) or an autolink (www.example.com,
// https://x.example, a@b.example) of it: after every '@' and '#', inside
// "www." and "://", after "GH-" (any case). GitHub looks for all of these
// in the text of the rendered page, so a character reference such as
// &#35; does not stop it; it makes one only where the signs are next to
// each other. The text reads the same; copied, it holds the joiners.
func Unlink(s string) string {
	if !strings.ContainsAny(s, "@#:.-") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@' || c == '#':
			b.WriteByte(c)
			b.WriteString(WordJoiner)
		case c == ':' && strings.HasPrefix(s[i+1:], "//"):
			b.WriteString(":" + WordJoiner)
		case (c == 'w' || c == 'W') && len(s) >= i+4 && strings.EqualFold(s[i:i+4], "www."):
			b.WriteString(s[i:i+3] + WordJoiner)
			i += 2
		case (c == 'g' || c == 'G') && len(s) >= i+3 && strings.EqualFold(s[i:i+3], "gh-"):
			b.WriteString(s[i:i+3] + WordJoiner)
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Markdown makes text inert in markdown and in HTML blocks alike: its
// Unsafe runes are shown escaped as Text does, GitHub makes no mention,
// autolink or cross-reference of it (Unlink), and every character markdown
// or HTML could read as syntax is a numeric character reference.
func Markdown(s string) string { return markdownEntities.Replace(Unlink(Text(s))) }
