package ghactions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogsync/hogsync/internal/escape/runnertest"
)

// parseCommand reads output as the GitHub Actions runner does
// (runnertest, a port of actions/runner's parsers) with every command
// name registered, and wants exactly one "::" command.
func parseCommand(t *testing.T, out string) (name string, props map[string]string, msg string) {
	t.Helper()
	cmds := runnertest.Commands(out, runnertest.AnyName)
	if len(cmds) != 1 || !cmds[0].V2 || len(runnertest.Lines(out)) != 1 {
		t.Fatalf("%q is %d commands, want one \"::\" command on one line: %+v", out, len(cmds), cmds)
	}
	return cmds[0].Name, cmds[0].Properties, cmds[0].Data
}

// runnerText is s as the runner decodes it: bytes that are not UTF-8
// become U+FFFD.
func runnerText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// runnerProperty is the value the runner keeps of a property written as
// v: it drops an empty one, and the '=' signs it starts with (its
// Split('=', 2, RemoveEmptyEntries)); the toolkit's escaping has no
// code for '='.
func runnerProperty(v string) (string, bool) {
	v = strings.TrimLeft(runnerText(v), "=")
	return v, v != ""
}

func FuzzAnnotation(f *testing.F) {
	f.Add("holdouts/a.yaml", "plain")
	f.Add("dir,x:y/a.yaml", "100% sure\nnext\rline")
	f.Add("a\n::add-mask::x\n.yaml", "::warning::forged")
	f.Add("%0A%25%3A", "%0A%25")
	f.Add("\u3000::a.yaml", ":\u200d:x ##[add-mask]k")
	f.Fuzz(func(t *testing.T, file, msg string) {
		line := Annotation("error", file, 3, 7, msg)
		name, props, got := parseCommand(t, line)
		if name != "error" {
			t.Errorf("command %q, want error: %q", name, line)
		}
		want := map[string]string{"line": "3", "col": "7"}
		if f, ok := runnerProperty(file); ok {
			want["file"] = f
		}
		if len(props) != len(want) {
			t.Fatalf("properties %q, want %q: %q", props, want, line)
		}
		for k, v := range want {
			if props[k] != v {
				t.Errorf("property %s = %q, want %q: %q", k, props[k], v, line)
			}
		}
		if got != runnerText(msg) {
			t.Errorf("message %q, want %q: %q", got, msg, line)
		}
	})
}

func FuzzWarning(f *testing.F) {
	f.Add("hogsync: pull request comment: 502")
	f.Add("x\n::add-mask::secret\r\n::stop-commands::t")
	f.Add("%25%0A%")
	f.Fuzz(func(t *testing.T, msg string) {
		line := Warning(msg)
		name, props, got := parseCommand(t, line)
		if name != "warning" || len(props) != 0 {
			t.Errorf("command %q %q: %q", name, props, line)
		}
		if got != runnerText(msg) {
			t.Errorf("message %q, want %q", got, msg)
		}
	})
}

// runnerOutputs reads a GITHUB_OUTPUT file as the runner's
// FileCommandManager does: NAME=VALUE or NAME<<DELIMITER, whichever sign
// comes first, a heredoc ending at a line equal to the delimiter once
// trailing CR and LF are trimmed.
func runnerOutputs(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		if eq >= 0 && (hd < 0 || eq < hd) {
			out[line[:eq]] = line[eq+1:]
			continue
		}
		if hd < 0 {
			t.Fatalf("runner would fail on line %q", line)
		}
		name, delim := line[:hd], line[hd+2:]
		var val []string
		for i++; ; i++ {
			if i >= len(lines) {
				t.Fatalf("runner would fail: no delimiter %q", delim)
			}
			if strings.TrimRight(lines[i], "\r\n") == delim {
				break
			}
			val = append(val, lines[i])
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

func FuzzSetOutputs(f *testing.F) {
	f.Add("summary", "Plan: 1 to create.", "true")
	f.Add("summary", "line1\nexit-code=0\nghadelimiter_x\n", "x\r\n")
	f.Add("a<<b", "", "=")
	f.Add("plan-json", "ghadelimiter_00\r", "\n")
	f.Fuzz(func(t *testing.T, name, value, other string) {
		if name == "has-changes" {
			return
		}
		path := filepath.Join(t.TempDir(), "out")
		err := SetOutputs(path, [][2]string{{name, value}, {"has-changes", other}})
		if err != nil {
			if outputNameRE.MatchString(name) {
				t.Fatalf("SetOutputs(%q): %v", name, err)
			}
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := runnerOutputs(t, string(b))
		if len(got) != 2 || got[name] != value || got["has-changes"] != other {
			t.Errorf("outputs %q, want %q=%q and has-changes=%q", got, name, value, other)
		}
	})
}
