package escape

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/hogsync/hogsync/internal/escape/runnertest"
)

// commandsIn returns the workflow commands the runner would take from out
// with every name registered (after ::stop-commands::TOKEN any TOKEN is).
func commandsIn(out string) []runnertest.Command { return runnertest.Commands(out, runnertest.AnyName) }

// The lines the security review found, and their kin: each is a command
// to the runner (the port says so), and none is once escaped.
func TestUnicodeSpaceCommands(t *testing.T) {
	t.Parallel()
	var lines []string
	for _, sp := range []string{" ", "\t", "\v", "\f", "\u0085", "\u00a0", "\u1680", "\u2000", "\u2005", "\u200a",
		"\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\u200b", "\u200d", "\u2060", "\u00ad", "\x00", "\u3000\u200d"} {
		lines = append(lines, sp+"::error title=Deploy key expired::re-authenticate at https://evil.example")
	}
	lines = append(lines,
		":\u200d:warning::x", ":\u00ad:add-mask::k", "\u3000:\ufe0f:notice::x",
		"name #\u200d#[add-mask]k", "n #\u00ad#\u2060[error]x", "##\ufeff[warning]x", "#\u0301#[error]x",
		"\u3000::warning::x.yaml")
	for _, l := range lines {
		if len(commandsIn(l)) != 1 {
			t.Errorf("the runner port takes no command from %q: the case tests nothing", l)
		}
		if !IsCommand(l) {
			t.Errorf("IsCommand(%q) = false", l)
		}
		for _, out := range []string{Line(l), Lines(l + "\n"), Lines(Text(l)), Markdown(l)} {
			if cmds := commandsIn(out); len(cmds) != 0 {
				t.Errorf("%q escaped as %q is still the command %+v", l, out, cmds[0])
			}
		}
		js, _ := json.Marshal(l)
		if cmds := commandsIn(string(JSON(js))); len(cmds) != 0 {
			t.Errorf("JSON(%s) = %s is still the command %+v", js, JSON(js), cmds[0])
		}
	}
}

// A line escaped only where the runner would see a command: ordinary text
// with colons and hashes reads as it was.
func TestLineLeavesTextAlone(t *testing.T) {
	t.Parallel()
	for _, l := range []string{"a::b", "  key: value", "# heading", "x #[y]", "C:\\path", "\u3000:x", "#1 ##x [y]"} {
		if IsCommand(l) || Line(l) != l {
			t.Errorf("Line(%q) = %q, IsCommand %v; want it unchanged", l, Line(l), IsCommand(l))
		}
	}
}

// The port agrees with the runner's own tests (actions/runner,
// src/Test/L0/Worker/ActionCommandL0.cs and ActionCommandManagerL0.cs).
func TestRunnerPort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line       string
		ok         bool
		name, data string
		props      map[string]string
	}{
		{"::do-something k1=v1;,k2=v2::msg", true, "do-something", "msg", map[string]string{"k1": "v1;", "k2": "v2"}},
		{"::do-something prop1=%3A%2C%0D%0A%25::data%0D%0A%25", true, "do-something", "data\r\n%", map[string]string{"prop1": ":,\r\n%"}},
		{"   ::do-something::data", true, "do-something", "data", nil},
		{"::do-something k1=::data", true, "do-something", "data", nil},
		{"::do-something =v1,k2==v2::x", true, "do-something", "x", map[string]string{"v1": "", "k2": "v2"}},
		{"##[do-something k1=v1;k2=%3B%5D]msg%0A", true, "do-something", "msg\n", map[string]string{"k1": "v1", "k2": ";]"}},
		{"text ##[do-something]data", true, "do-something", "data", nil},
		{"::do-something", false, "", "", nil},
		{"x ::do-something::data", false, "", "", nil},
		{"##[do-something", false, "", "", nil},
	} {
		c, ok := runnertest.Parse(tc.line, func(n string) bool { return n == "do-something" })
		if ok != tc.ok {
			t.Errorf("Parse(%q) ok = %v, want %v", tc.line, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if c.Name != tc.name || c.Data != tc.data {
			t.Errorf("Parse(%q) = %q %q, want %q %q", tc.line, c.Name, c.Data, tc.name, tc.data)
		}
		for k, v := range tc.props {
			if v == "" {
				if _, there := c.Properties[k]; there {
					t.Errorf("Parse(%q) has property %q", tc.line, k)
				}
			} else if c.Properties[k] != v {
				t.Errorf("Parse(%q) property %q = %q, want %q", tc.line, k, c.Properties[k], v)
			}
		}
	}
	if !runnertest.Known("Add-Mask") || runnertest.Known("do-something") {
		t.Error("Known compares names ignoring case and knows the runner's commands only")
	}
}

// commandSpace is .NET's char.IsWhiteSpace; Go's unicode.IsSpace is the
// same set (White_Space), which the port's IsWhiteSpace checks against.
func TestCommandSpaceIsDotNetWhiteSpace(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= 0xffff; r++ {
		if commandSpace(r) != runnertest.IsWhiteSpace(r) || commandSpace(r) != unicode.IsSpace(r) {
			t.Errorf("U+%04X: commandSpace %v, port %v, unicode.IsSpace %v", r, commandSpace(r), runnertest.IsWhiteSpace(r), unicode.IsSpace(r))
		}
		if runnertest.Ignorable(r) && !commandIgnorable(r) {
			t.Errorf("U+%04X: the port skips it, escape does not", r)
		}
	}
}

// FuzzRunnerParse: whatever the text, no output function of this package
// leaves a line the runner (as ported) would take for a workflow command.
func FuzzRunnerParse(f *testing.F) {
	for _, s := range []string{"::warning::x", "x\n\u3000::error::y", ":\u200d:x::y", "a #\u00ad#[add-mask]k", "##[x]", "\u2028::x::y", "#\u0301#\u0301[a]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(fn, out string) {
			if cmds := commandsIn(out); len(cmds) != 0 {
				t.Fatalf("%s(%q) = %q holds the command %+v", fn, s, out, cmds[0])
			}
		}
		check("Lines", Lines(s))
		check("Lines∘Text", Lines(Text(s)))
		check("Markdown", Markdown(s))
		if !strings.ContainsAny(s, "\r\n") {
			check("Line", Line(s))
		}
		js, _ := json.Marshal(s)
		check("JSON", string(JSON(js)))
		js, _ = json.MarshalIndent(map[string]any{"a": []string{s, s}}, "", "  ")
		check("JSON", string(JSON(js)))
	})
}
