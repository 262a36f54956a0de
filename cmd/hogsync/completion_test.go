package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every visible command is named by every shell's script.
func TestCompletionScriptsNameTheCommands(t *testing.T) {
	t.Parallel()
	commands := []string{"plan", "apply", "sync", "validate", "export", "demo", "schema", "completion", "version"}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			r := newHarness(t).run("completion", shell).must(t, exitOK)
			for _, c := range commands {
				if !strings.Contains(r.stdout, c) {
					t.Errorf("the %s script does not name %q", shell, c)
				}
			}
			for _, want := range []string{"output", "color", "markdown", "always", "plan-out"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("the %s script does not hold %q", shell, want)
				}
			}
			if strings.Contains(r.stdout, "budget-time-scale") {
				t.Errorf("the %s script offers the hidden --budget-time-scale", shell)
			}
		})
	}
}

func TestCompletionRejectsAnUnknownShell(t *testing.T) {
	t.Parallel()
	newHarness(t).run("completion", "powershell").must(t, exitUsage).contains(t, "bash", "Run 'hogsync completion --help'")
}

// The bash script, sourced in bash, completes what a user types:
// commands, flags, enum values (after a space or an "="), and
// directories or files where a command takes them.
func TestBashCompletion(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	script := filepath.Join(t.TempDir(), "hogsync.bash")
	r := newHarness(t).run("completion", "bash").must(t, exitOK)
	if err := os.WriteFile(script, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	for _, d := range []string{"holdouts", "hx"} {
		if err := os.Mkdir(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(work, "holdfile.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		// words are COMP_WORDS as bash splits the line (at "=" too); the
		// last is the word under the cursor.
		words []string
		want  []string
	}{
		{[]string{"hogsync", "sy"}, []string{"sync"}},
		{[]string{"hogsync", ""}, []string{"apply", "completion", "demo", "export", "plan", "schema", "sync", "validate", "version"}},
		{[]string{"hogsync", "-q", "sy"}, []string{"sync"}},
		{[]string{"hogsync", "sync", "--out"}, []string{"--output"}},
		{[]string{"hogsync", "sync", "--output", ""}, []string{"text", "json", "markdown"}},
		{[]string{"hogsync", "sync", "-o", "m"}, []string{"markdown"}},
		{[]string{"hogsync", "sync", "--output", "=", "js"}, []string{"json"}},
		{[]string{"hogsync", "validate", "--output", ""}, []string{"text", "json"}},
		{[]string{"hogsync", "--color", ""}, []string{"auto", "always", "never"}},
		{[]string{"hogsync", "apply", "--color", "n"}, []string{"never"}},
		{[]string{"hogsync", "completion", ""}, []string{"bash", "zsh", "fish"}},
		// A directory argument offers directories only; a path, files too.
		{[]string{"hogsync", "sync", "ho"}, []string{"holdouts"}},
		{[]string{"hogsync", "plan", "--project", "1", "h"}, []string{"holdouts", "hx"}},
		{[]string{"hogsync", "validate", "ho"}, []string{"holdfile.yaml", "holdouts"}},
		{[]string{"hogsync", "export", "--out-dir", "h"}, []string{"holdouts", "hx"}},
		{[]string{"hogsync", "sync", "--plan-out", "holdf"}, []string{"holdfile.yaml"}},
		// plan never applies: --apply is not offered; apply sets it itself.
		{[]string{"hogsync", "plan", "--ap"}, []string{"--api-key-file"}},
		{[]string{"hogsync", "apply", "--ap"}, []string{"--api-key-file"}},
		{[]string{"hogsync", "sync", "--ap"}, []string{"--api-key-file", "--apply"}},
		{[]string{"hogsync", "sync", "--budget"}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.words, " "), func(t *testing.T) {
			t.Parallel()
			var quoted []string
			for _, w := range tt.words {
				quoted = append(quoted, "'"+w+"'")
			}
			prog := "source " + script + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
				itoa(len(tt.words)-1) + "\n_hogsync\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
			cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
			cmd.Dir = work
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			var got []string
			got = append(got, strings.Fields(string(out))...)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("completions differ (-want +got):\n%s", d)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
