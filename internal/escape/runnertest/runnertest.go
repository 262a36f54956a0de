// Package runnertest is a port, for tests, of how the GitHub Actions
// runner finds workflow commands in a step's output (actions/runner:
// src/Runner.Sdk/ProcessInvoker.cs reads lines with StreamReader.ReadLine,
// src/Runner.Worker/Handlers/OutputManager.cs filters them, and
// src/Runner.Common/ActionCommand.cs parses them: TryParseV2 for
// "::name props::data", then TryParse for "##[name props]data").
//
// The runner compares with .NET's culture-sensitive StartsWith and
// IndexOf(string), which on Linux and macOS (and Windows since .NET 5) go
// to ICU: characters without collation weight are skipped when matching,
// so ":\u200d:warning::x" starts with "::" and "#\u00ad#[" holds "##[".
// Ignorable is what this port skips: every character that may be without
// weight (a superset of ICU's, so that a line this port passes is one the
// runner passes too). Everything else is ordinal, as in the runner
// (string.Replace, Split, IndexOf(char), Substring).
package runnertest

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Command is a parsed workflow command.
type Command struct {
	Name       string
	Properties map[string]string // keys as written; the runner compares them ignoring case
	Data       string
	V2         bool // "::" syntax; false for "##["
}

// Registered says which command names the runner knows. AnyName is the
// worst case: after ::stop-commands::TOKEN, TOKEN is a command name too.
type Registered func(name string) bool

// AnyName treats every non-empty name as registered.
func AnyName(name string) bool { return name != "" }

// Known are the commands the runner registers (ActionCommandManager.cs),
// compared ignoring case as its HashSet does.
func Known(name string) bool {
	switch strings.ToLower(name) {
	case "stop-commands", "set-env", "set-output", "save-state", "add-mask", "add-path",
		"add-matcher", "remove-matcher", "debug", "warning", "error", "notice", "group",
		"endgroup", "echo":
		return true
	}
	return false
}

// Lines splits output as StreamReader.ReadLine does: at "\r\n", "\r" or
// "\n". Bytes that are not UTF-8 become U+FFFD, as the runner's UTF-8
// decoder makes them.
func Lines(output string) []string {
	output = strings.ToValidUTF8(output, "\uFFFD")
	var lines []string
	for len(output) > 0 {
		i := strings.IndexAny(output, "\r\n")
		if i < 0 {
			lines = append(lines, output)
			break
		}
		lines = append(lines, output[:i])
		if output[i] == '\r' && i+1 < len(output) && output[i+1] == '\n' {
			i++
		}
		output = output[i+1:]
	}
	return lines
}

// Commands returns every command the runner would take from output.
func Commands(output string, reg Registered) []Command {
	var cmds []Command
	for _, l := range Lines(output) {
		if c, ok := Parse(l, reg); ok {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

// Parse is OutputManager.OnDataReceived's filter and
// ActionCommandManager.TryProcessCommand's two parsers, for one line.
func Parse(line string, reg Registered) (Command, bool) {
	if line == "" || indexOf(line, "##[", 0) < 0 && indexOf(line, "::", 0) < 0 {
		return Command{}, false
	}
	if c, ok := TryParseV2(line, reg); ok {
		return c, true
	}
	return TryParse(line, reg)
}

// TryParseV2 ports ActionCommand.TryParseV2.
func TryParseV2(message string, reg Registered) (Command, bool) {
	if message == "" {
		return Command{}, false
	}
	// message = message.TrimStart()
	message = strings.TrimLeftFunc(message, IsWhiteSpace)
	// culture-sensitive StartsWith("::")
	n, ok := hasPrefix(message, "::")
	if !ok {
		return Command{}, false
	}
	// IndexOf("::", 2): 2 UTF-16 units, which n covers at least.
	_ = n
	endIndex := indexOf(message, "::", utf16Offset(message, 2))
	if endIndex < 0 {
		return Command{}, false
	}
	cmdIndex := utf16Offset(message, 2)
	if endIndex < cmdIndex {
		return Command{}, false // Substring would throw; the runner's catch returns false
	}
	cmdInfo := message[cmdIndex:endIndex]
	name, space := commandName(cmdInfo)
	if !reg(name) {
		return Command{}, false
	}
	c := Command{Name: name, Properties: map[string]string{}, V2: true}
	if space > 0 {
		props := strings.TrimFunc(cmdInfo[space+1:], IsWhiteSpace)
		for _, p := range splitNonEmpty(props, ",") {
			if k, v, ok := splitPair(p); ok {
				c.Properties[k] = unescape(v, propertyMappings)
			}
		}
	}
	// endIndex + "::".Length: the matched "::" may span ignorables; the
	// runner adds 2 UTF-16 units to where the match starts.
	c.Data = unescape(substringFrom(message, endIndex, 2), dataMappings)
	return c, true
}

// TryParse ports ActionCommand.TryParse ("##[name props]data").
func TryParse(message string, reg Registered) (Command, bool) {
	if message == "" {
		return Command{}, false
	}
	prefix := indexOf(message, "##[", 0)
	if prefix < 0 {
		return Command{}, false
	}
	rb := strings.IndexByte(message[prefix:], ']') // IndexOf(char): ordinal
	if rb < 0 {
		return Command{}, false
	}
	rb += prefix
	cmdIndex := prefix + len(utf16Prefix(message[prefix:], 3))
	if rb < cmdIndex {
		return Command{}, false // Substring throws: caught, false
	}
	cmdInfo := message[cmdIndex:rb]
	name, space := commandName(cmdInfo)
	if !reg(name) {
		return Command{}, false
	}
	c := Command{Name: name, Properties: map[string]string{}}
	if space > 0 {
		for _, p := range splitNonEmpty(cmdInfo[space+1:], ";") {
			if k, v, ok := splitPair(p); ok {
				c.Properties[k] = unescape(v, legacyMappings)
			}
		}
	}
	c.Data = unescape(message[rb+1:], legacyMappings)
	return c, true
}

// IsWhiteSpace is .NET's char.IsWhiteSpace: the Unicode categories Zs,
// Zl and Zp, U+0009–U+000D and U+0085.
func IsWhiteSpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0d, r == 0x85:
		return true
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

// Ignorable reports whether r may have no collation weight in ICU, so
// that the runner's culture-sensitive matching skips it: controls (Cc),
// format characters (Cf: soft hyphen, zero-width joiners, word joiner,
// U+FEFF, tags), nonspacing and enclosing marks, variation selectors and
// the other default-ignorable code points. It is deliberately wider than
// ICU's root collation.
func Ignorable(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Mn, unicode.Me,
		unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// hasPrefix is culture-sensitive s.StartsWith(p) for an ASCII p: p's
// characters in order, with ignorable runes skipped before and between
// them. n is how many bytes of s the match covers.
func hasPrefix(s, p string) (n int, ok bool) {
	i := 0
	for j := 0; j < len(p); j++ {
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !Ignorable(r) || rune(p[j]) == r {
				break
			}
			i += size
		}
		if i >= len(s) || s[i] != p[j] {
			return 0, false
		}
		i++
	}
	return i, true
}

// indexOf is culture-sensitive s.IndexOf(p, from) for an ASCII p: the
// byte offset of the first match at or after from, or -1.
func indexOf(s, p string, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] != p[0] {
			continue
		}
		if _, ok := hasPrefix(s[i:], p); ok {
			return i
		}
	}
	return -1
}

// utf16Offset is the byte offset in s after n UTF-16 code units (s.Substring(n)).
func utf16Offset(s string, n int) int { return len(utf16Prefix(s, n)) }

func utf16Prefix(s string, n int) string {
	i := 0
	for n > 0 && i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		n -= utf16.RuneLen(r)
		i += size
	}
	return s[:i]
}

// substringFrom is s.Substring(i + n) with n in UTF-16 units.
func substringFrom(s string, i, n int) string { return s[i+utf16Offset(s[i:], n):] }

func splitNonEmpty(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitPair is Split('=', count: 2, RemoveEmptyEntries) with two parts
// wanted. .NET skips empty entries before the first part and, once it has
// one part, the empty entries before the last: "=a=b" and "a==b" both give
// ["a", "b"], "a=b=c" gives ["a", "b=c"], "a=" gives ["a"].
func splitPair(p string) (k, v string, ok bool) {
	k, v, found := strings.Cut(strings.TrimLeft(p, "="), "=")
	v = strings.TrimLeft(v, "=")
	if !found || k == "" || v == "" {
		return "", "", false
	}
	return k, v, true
}

type mapping struct{ token, replacement string }

var (
	legacyMappings   = []mapping{{";", "%3B"}, {"\r", "%0D"}, {"\n", "%0A"}, {"]", "%5D"}, {"%", "%25"}}
	dataMappings     = []mapping{{"\r", "%0D"}, {"\n", "%0A"}, {"%", "%25"}}
	propertyMappings = []mapping{{"\r", "%0D"}, {"\n", "%0A"}, {":", "%3A"}, {",", "%2C"}, {"%", "%25"}}
)

// unescape applies each mapping in order with string.Replace (ordinal).
func unescape(s string, ms []mapping) string {
	for _, m := range ms {
		s = strings.ReplaceAll(s, m.replacement, m.token)
	}
	return s
}

// commandName is the command's name in cmdInfo, up to its first space,
// and where that space is (-1 for none), as both runner parsers split it.
func commandName(cmdInfo string) (string, int) {
	space := strings.IndexByte(cmdInfo, ' ')
	if space < 0 {
		return cmdInfo, -1
	}
	return cmdInfo[:space], space
}
