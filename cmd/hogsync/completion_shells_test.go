package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// completionWork makes a folder to complete names in: folders whose
// names hold a blank or a quote beside plain ones, and files, one with
// glob characters in its name.
func completionWork(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	for _, d := range []string{"holdouts", "hx", "my holdouts", "it's"} {
		if err := os.Mkdir(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"holdfile.yaml", "glob[1].yaml"} {
		if err := os.WriteFile(filepath.Join(work, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

// completionScript writes what 'hogsync completion shell' prints to a
// file, and returns its path.
func completionScript(t *testing.T, shell, name string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), name)
	r := newHarness(t).run("completion", shell).must(t, exitOK)
	if err := os.WriteFile(script, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	return script
}

// The fish script, sourced in fish, completes what a user types, as
// fish's own `complete -C` lists the candidates: commands, flags, enum
// values (after a space or an "="), and directories or files where a
// command takes them; a name with a blank, a quote or glob characters is
// one candidate.
func TestFishCompletion(t *testing.T) {
	t.Parallel()
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("no fish (apt-get install fish)")
	}
	script := completionScript(t, "fish", "hogsync.fish")
	work := completionWork(t)
	tests := []struct {
		line string // as typed, the cursor at its end
		want []string
	}{
		{"hogsync sy", []string{"sync"}},
		{"hogsync ", []string{"apply", "completion", "demo", "export", "plan", "schema", "sync", "validate", "version"}},
		{"hogsync -q sy", []string{"sync"}},
		{"hogsync sync --out", []string{"--output"}},
		{"hogsync sync --output ", []string{"json", "markdown", "text"}},
		{"hogsync sync -o m", []string{"markdown"}},
		{"hogsync sync --output=j", []string{"--output=json"}},
		{"hogsync validate --output ", []string{"json", "text"}},
		{"hogsync --color ", []string{"always", "auto", "never"}},
		{"hogsync apply --color n", []string{"never"}},
		{"hogsync completion ", []string{"bash", "fish", "zsh"}},
		// A directory argument offers directories only; a path, files too.
		{"hogsync sync ho", []string{"holdouts/"}},
		{"hogsync plan --project 1 h", []string{"holdouts/", "hx/"}},
		{"hogsync validate ho", []string{"holdfile.yaml", "holdouts/"}},
		{"hogsync export --out-dir h", []string{"holdouts/", "hx/"}},
		{"hogsync sync --plan-out holdf", []string{"holdfile.yaml"}},
		// plan never applies: --apply is not offered; apply sets it itself.
		{"hogsync plan --ap", []string{"--api-key-file"}},
		{"hogsync apply --ap", []string{"--api-key-file"}},
		{"hogsync sync --ap", []string{"--api-key-file", "--apply"}},
		{"hogsync sync --budget", nil},
		// An enum value that matches nothing completes nothing: no file
		// name, though a flag before it takes a file.
		{"hogsync sync --plan-out x --output g", nil},
		// A name with a blank, a quote or glob characters is one
		// candidate, however it is typed.
		{"hogsync validate my", []string{"my holdouts/"}},
		{`hogsync validate my\ h`, []string{"my holdouts/"}},
		{`hogsync validate "my h`, []string{"my holdouts/"}},
		{"hogsync sync m", []string{"my holdouts/"}},
		{"hogsync validate it", []string{"it's/"}},
		{`hogsync sync it\'`, []string{"it's/"}},
		{`hogsync plan --project 1 "it'`, []string{"it's/"}},
		{"hogsync validate glob[", []string{"glob[1].yaml"}},
		{"hogsync sync --plan-out=glob[", []string{"--plan-out=glob[1].yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			// A home of its own: no user's config, history or completions,
			// and what fish writes there is this run's alone.
			home := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a guard against a hang, not a measure
			defer cancel()
			// The line is an argument, so fish never parses it as code.
			cmd := exec.CommandContext(ctx, fish, "--no-config", "-c", "source $argv[1]; and complete -C $argv[2]", script, tt.line)
			cmd.Dir = work
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LC_ALL=C",
				"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_DATA_HOME=" + filepath.Join(home, "data"),
				"XDG_CACHE_HOME=" + filepath.Join(home, "cache"), "XDG_RUNTIME_DIR=" + filepath.Join(home, "run")}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("fish: %v\n%s%s", err, out, stderr.String())
			}
			// One candidate a line, its description after a tab; fish
			// sorts them itself.
			var got []string
			for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
				if line != "" {
					got = append(got, strings.SplitN(line, "\t", 2)[0])
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("complete -C %q differs (-want +got):\n%s", tt.line, d)
			}
		})
	}
}

// In an interactive zsh, on a terminal, with compinit, TAB completes
// commands, enum values, and a folder or file whose name holds a blank, a
// quote or glob characters to one word, quoted as zsh quotes what it
// completes itself: the line is then run with printf in front, and zsh's
// own parsing of it gives each word.
func TestZshCompletion(t *testing.T) {
	t.Parallel()
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Skip("no zsh (apt-get install zsh)")
	}
	script := completionScript(t, "zsh", "_hogsync")
	work := completionWork(t)
	sh := terminalShell{
		name: "zsh",
		// -f: no startup files, so no user's config.
		argv: []string{zsh, "-f", "-i"},
		env:  []string{"PS1=$ ", "PS2=MORE> ", "ZDOTDIR=" + work},
		// compinit -u: use the system's functions whoever owns them;
		// -D: write no .zcompdump. Without PROMPT_SP zsh prints no
		// partial-line mark; without bracketed paste, fewer escapes;
		// without AUTO_REMOVE_SLASH, a folder keeps its "/" when the
		// next key is not a name's (Ctrl-A), showing it was a folder.
		setup: "PS1='$ '; PS2='MORE> '; unsetopt prompt_sp prompt_cr auto_remove_slash; unset zle_bracketed_paste; bindkey -e; " +
			"autoload -U compinit && compinit -u -D && source " + bashQuote(script),
	}
	tests := []struct {
		typed string // before the TAB
		want  []string
	}{
		{"hogsync sy", []string{"hogsync", "sync"}},
		{"hogsync -q sy", []string{"hogsync", "-q", "sync"}},
		{"hogsync com", []string{"hogsync", "completion"}},
		{"hogsync completion f", []string{"hogsync", "completion", "fish"}},
		{"hogsync --color al", []string{"hogsync", "--color", "always"}},
		{"hogsync sync --output j", []string{"hogsync", "sync", "--output", "json"}},
		{"hogsync sync --output=m", []string{"hogsync", "sync", "--output=markdown"}},
		// The "=" zsh adds goes when the next key is not a value's.
		{"hogsync sync --plan-o", []string{"hogsync", "sync", "--plan-out"}},
		{"hogsync sync --plan-out holdf", []string{"hogsync", "sync", "--plan-out", "holdfile.yaml"}},
		// A directory argument completes a directory, not a file.
		{"hogsync sync ho", []string{"hogsync", "sync", "holdouts/"}},
		// A name with a blank, a quote or glob characters is one word.
		// (After an opening quote zsh leaves the quote open on a folder,
		// as it does for ls "my h<TAB>, so that the name can go on.)
		{"hogsync validate my", []string{"hogsync", "validate", "my holdouts/"}},
		{`hogsync validate my\ h`, []string{"hogsync", "validate", "my holdouts/"}},
		{"hogsync sync m", []string{"hogsync", "sync", "my holdouts/"}},
		{"hogsync validate it", []string{"hogsync", "validate", "it's/"}},
		{"hogsync plan --project 1 i", []string{"hogsync", "plan", "--project", "1", "it's/"}},
		{"hogsync validate gl", []string{"hogsync", "validate", "glob[1].yaml"}},
		// An unquoted "[" starts a subscript to zsh (it offers
		// parameters there, for any command); quoted, it is a name.
		{`hogsync validate glob\[`, []string{"hogsync", "validate", "glob[1].yaml"}},
		{`hogsync validate "glob[`, []string{"hogsync", "validate", "glob[1].yaml"}},
		{"hogsync sync --plan-out=gl", []string{"hogsync", "sync", "--plan-out=glob[1].yaml"}},
	}
	// One zsh types every line: compinit alone takes most of a second.
	var typed []string
	for _, tt := range tests {
		typed = append(typed, tt.typed)
	}
	got := completeOnTerminal(t, sh, work, typed...)
	for i, tt := range tests {
		if d := cmp.Diff(tt.want, got[i]); d != "" {
			t.Errorf("%q then TAB gives other words (-want +got):\n%s", tt.typed, d)
		}
	}
}
