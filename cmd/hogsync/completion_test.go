package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/google/go-cmp/cmp"
)

// Every visible command is offered by the zsh and fish scripts, with
// nothing extra: the command entries are parsed out of each script and
// compared with the command line's own list (a substring check could not
// fail: "sync" is inside "hogsync", "apply" inside "--apply").
func TestCompletionScriptsNameTheCommands(t *testing.T) {
	t.Parallel()
	want := cliCommands(t)
	zsh := newHarness(t).run("completion", "zsh").must(t, exitOK).stdout
	fish := newHarness(t).run("completion", "fish").must(t, exitOK).stdout

	// zsh: the 'name:description' entries of _hogsync_commands, and the
	// arms of the case that completes each command's flags.
	entries := regexp.MustCompile(`(?s)local -a commands=\(\n(.*?)\n    \)`).FindStringSubmatch(zsh)
	if entries == nil {
		t.Fatalf("no command list in the zsh script:\n%s", zsh)
	}
	var zshList []string
	for _, line := range strings.Split(entries[1], "\n") {
		m := regexp.MustCompile(`^        '([^':]+):[^']*'$`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("zsh command entry %q is not 'name:description'", line)
		}
		zshList = append(zshList, m[1])
	}
	var zshArms []string
	for _, m := range regexp.MustCompile(`(?m)^        ([a-z-]+)\)$`).FindAllStringSubmatch(zsh, -1) {
		zshArms = append(zshArms, m[1])
	}
	// fish: the lines offering a command (-a NAME -d ...), and the list
	// of commands after which no command is offered.
	var fishList []string
	for _, m := range regexp.MustCompile(`(?m)^complete -c hogsync -n '[^']*' -a ([^ ]+) -d `).FindAllStringSubmatch(fish, -1) {
		fishList = append(fishList, m[1])
	}
	var fishSeen []string
	if m := regexp.MustCompile(`-n 'not __fish_seen_subcommand_from ([^']*)' -a `).FindStringSubmatch(fish); m != nil {
		fishSeen = strings.Fields(m[1])
	}
	sorted := slices.Sorted(slices.Values(want))
	for _, got := range []struct {
		name string
		want []string
		got  []string
	}{
		{"zsh _hogsync_commands", want, zshList},
		{"zsh case arms", want, zshArms},
		{"fish -a commands", want, fishList},
		{"fish __fish_seen_subcommand_from", sorted, fishSeen},
	} {
		if d := cmp.Diff(got.want, got.got); d != "" {
			t.Errorf("%s differ from the CLI's commands (-want +got):\n%s", got.name, d)
		}
	}
}

// The scripts complete the flags' values and never offer a hidden flag.
func TestCompletionScriptsHoldFlags(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			r := newHarness(t).run("completion", shell).must(t, exitOK)
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

// A flag's description beside a completion is its help's first sentence,
// cut at a colon only where the colon introduces the values to choose
// from: --drift-issue is not "On GitHub Actions, on a dry run".
func TestCompletionDescriptions(t *testing.T) {
	t.Parallel()
	fish := newHarness(t).run("completion", "fish").must(t, exitOK).stdout
	got := map[string]string{}
	line := regexp.MustCompile(`^complete -c hogsync(?: -n '__fish_seen_subcommand_from ([a-z-]+)')? -l ([a-z-]+) .*-d '((?:[^'\\]|\\.)*)'$`)
	for _, l := range strings.Split(fish, "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			got[strings.TrimSpace(m[1]+" --"+m[2])] = strings.NewReplacer(`\'`, "'", `\\`, `\`).Replace(m[3])
		}
	}
	tests := []struct{ flag, want string }{
		{"sync --drift-issue", "On GitHub Actions, on a dry run: keep one issue open while PostHog differs from the manifests, and close it when it no longer does"},
		{"plan --drift-issue", "On GitHub Actions, on a dry run: keep one issue open while PostHog differs from the manifests, and close it when it no longer does"},
		{"--color", "Colour the output"},
		{"sync --output", "Plan format"},
		{"sync --reviewed-plan", "On GitHub Actions, on a push to the default branch, when applying: apply exactly the plan reviewed on the merged pull request (its hogsync-plan artifact)"},
		{"sync --detailed-exitcode", "On a dry run, exit 2 when there are changes (0: none, 1: error)"},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, got[tt.flag]); d != "" {
			t.Errorf("fish description of %s (-want +got):\n%s", tt.flag, d)
		}
	}
}

func TestFirstSentence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		help   string
		values []string
		want   string
	}{
		{"Plan format: text, json (a document, see docs/json-format.md) or markdown.", []string{"text", "json", "markdown"}, "Plan format"},
		{"Colour the output: auto (on a terminal: unless NO_COLOR), always or never.", nil, "Colour the output"},
		{"PostHog app URL: https://us.posthog.com, https://eu.posthog.com or your own. Plain http:// only for loopback.", nil, "PostHog app URL"},
		{"The shell: bash, zsh or fish.", []string{"bash", "zsh", "fish"}, "The shell"},
		{"On a push with --apply: apply the reviewed plan (its artifact): require refuses; prefer warns.", []string{"off", "require", "prefer"}, "On a push with --apply: apply the reviewed plan (its artifact)"},
		{"On GitHub Actions, on a dry run: keep one issue open, and close it when it no longer does.", nil, "On GitHub Actions, on a dry run: keep one issue open, and close it when it no longer does"},
		{"Directory of manifests (*.yaml, *.yml); default: the current directory.", nil, "Directory of manifests (*.yaml, *.yml); default: the current directory"},
		{"Check manifests offline: no network, no API key.", nil, "Check manifests offline: no network, no API key"},
		{"Give up after this long: no new change starts, or those in flight finish first.", nil, "Give up after this long: no new change starts, or those in flight finish first"},
		{"Only the holdouts this glob matches (path.Match: * ? [...]). Repeatable.", nil, "Only the holdouts this glob matches (path.Match: * ? [...])"},
		{"Exit 2 on changes (0: none, 1: error)", nil, "Exit 2 on changes (0: none, 1: error)"},
		{"The mode: offline: no network.", []string{"off"}, "The mode: offline: no network"},
	}
	for _, tt := range tests {
		if got := firstSentence(tt.help, tt.values); got != tt.want {
			t.Errorf("firstSentence(%q, %q) = %q, want %q", tt.help, tt.values, got, tt.want)
		}
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
	for _, d := range []string{"holdouts", "hx", "my holdouts", "it's"} {
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
		// A name with a blank or a quote is one candidate, never split.
		{[]string{"hogsync", "validate", "my"}, []string{"my holdouts"}},
		{[]string{"hogsync", "sync", "i"}, []string{"it's"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.words, " "), func(t *testing.T) {
			t.Parallel()
			var quoted []string
			for _, w := range tt.words {
				quoted = append(quoted, bashQuote(w))
			}
			prog := "source " + script + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
				itoa(len(tt.words)-1) + "\n_hogsync\n((${#COMPREPLY[@]} == 0)) || printf '%s\\n' \"${COMPREPLY[@]}\"\n"
			cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
			cmd.Dir = work
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			var got []string // one candidate a line: a name may hold blanks
			if len(out) > 0 {
				got = strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("completions differ (-want +got):\n%s", d)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// bashQuote quotes s as one bash word.
func bashQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// In an interactive bash, on a terminal, TAB completes a file or folder
// whose name holds a blank, a quote or a glob character to one word,
// quoted as bash quotes what it completes itself: the line is then run
// with printf in front, and bash's own parsing of it gives each word.
// The unquoted "glob[1].yaml" would match glob1.yaml instead, and
// COMPREPLY=($(compgen ...)) offered "my" and "holdouts/".
func TestBashCompletionQuotesNamesOnATerminal(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "hogsync.bash")
	r := newHarness(t).run("completion", "bash").must(t, exitOK)
	if err := os.WriteFile(script, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	for _, d := range []string{"my holdouts", "it's", "hx"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"glob[1].yaml", "glob1.yaml"} {
		if err := os.WriteFile(filepath.Join(work, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		typed string // before the TAB
		want  []string
	}{
		{"hogsync validate my", []string{"hogsync", "validate", "my holdouts/"}},
		{`hogsync validate my\ h`, []string{"hogsync", "validate", "my holdouts/"}},
		{`hogsync validate "my h`, []string{"hogsync", "validate", "my holdouts/"}},
		{"hogsync validate it", []string{"hogsync", "validate", "it's/"}},
		{"hogsync sync m", []string{"hogsync", "sync", "my holdouts/"}},
		{"hogsync plan --project 1 i", []string{"hogsync", "plan", "--project", "1", "it's/"}},
		{"hogsync validate glob[", []string{"hogsync", "validate", "glob[1].yaml"}},
		{"hogsync sync --plan-out=glob[", []string{"hogsync", "sync", "--plan-out=glob[1].yaml"}},
		{"hogsync --color al", []string{"hogsync", "--color", "always"}},
		// An enum value that matches nothing completes nothing: no file
		// name, though a flag before it takes a file.
		{"hogsync sync --plan-out x --output g", []string{"hogsync", "sync", "--plan-out", "x", "--output", "g"}},
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			t.Parallel()
			got := completeOnTerminal(t, bashOnTerminal(bash, script), work, tt.typed)[0]
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%q then TAB gives other words (-want +got):\n%s", tt.typed, d)
			}
		})
	}
}

// terminalShell is an interactive shell that completeOnTerminal drives:
// how to start it, and the line that loads the completion script.
type terminalShell struct {
	name string   // for messages
	argv []string // the shell and its arguments
	env  []string // besides PATH, HOME, TERM=dumb and LC_ALL=C
	// setup is typed first: it loads the script, and leaves "$ " as the
	// prompt and "MORE> " as the prompt for a line that goes on.
	setup string
}

// bashOnTerminal is an interactive bash with no startup files.
func bashOnTerminal(bash, script string) terminalShell {
	return terminalShell{
		name:  "bash",
		argv:  []string{bash, "--norc", "--noprofile", "-i"},
		env:   []string{"PS1=$ ", "PS2=MORE> ", "INPUTRC=/dev/null"},
		setup: "bind 'set enable-bracketed-paste off' 2>/dev/null; source " + bashQuote(script),
	}
}

// escapeSequence is a terminal control sequence (CSI), as zsh's line
// editor writes some even for TERM=dumb (bracketed paste on and off).
var escapeSequence = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// completeOnTerminal types each of typed and a TAB into one interactive
// shell on a pseudo-terminal, in the folder work, with the completion
// script loaded by sh.setup; after each TAB it moves to the line's start
// (Ctrl-A), puts a printf in front and runs the line. It returns, for
// each line typed, the words the shell parsed from the completed line.
func completeOnTerminal(t *testing.T, sh terminalShell, work string, typed ...string) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a guard against a hang, not a measure
	defer cancel()
	cmd := exec.CommandContext(ctx, sh.argv[0], sh.argv[1:]...)
	cmd.Dir = work
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "TERM=dumb", "LC_ALL=C"}, sh.env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 300})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	var mu stdsync.Mutex
	var screen bytes.Buffer
	grew := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			select {
			case grew <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	// waitFor waits until the screen holds one of ss after the first from
	// bytes, and returns which and the offsets of its start and end.
	waitFor := func(from int, ss ...string) (string, int, int) {
		for {
			mu.Lock()
			shown := screen.String()[from:]
			mu.Unlock()
			for _, s := range ss {
				if i := strings.Index(shown, s); i >= 0 {
					return s, from + i, from + i + len(s)
				}
			}
			select {
			case <-grew:
			case <-done:
				t.Fatalf("%s ended before printing %q:\n%s", sh.name, ss, screen.String())
			case <-ctx.Done():
				t.Fatalf("%s did not print %q:\n%s", sh.name, ss, screen.String())
			}
		}
	}
	write := func(s string) {
		if _, err := io.WriteString(ptmx, s); err != nil {
			t.Fatal(err)
		}
	}
	// The markers are printed by printf, not by the echo of what is typed.
	write(sh.setup + "; printf '%s\\n' RE''ADY\r")
	_, _, at := waitFor(0, "READY\r\n")
	var ends [][2]int // where each line's output starts and ends
	for _, line := range typed {
		_, _, at = waitFor(at, "$ ") // the line editor reads the next line from here: the TAB is a key
		write(line + "\t\x01printf '<%s>\\n' \r")
		write("printf '%s\\n' DO''NE\r")
		// A quote the completion left open makes the shell ask for more
		// (PS2) and read the DONE line as part of the first.
		prompt, end, after := waitFor(at, "DONE\r\n", "MORE> ")
		if prompt == "MORE> " {
			t.Errorf("%q then TAB leaves a quote open", line)
			write("\x03")
			_, end, after = waitFor(after, "$ ")
			after -= len("$ ")
		}
		ends = append(ends, [2]int{at, end})
		at = after
	}
	write("exit 0\r")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", sh.name, err, screen.String())
	}
	<-done
	all := make([][]string, len(typed))
	for i, e := range ends {
		shown := escapeSequence.ReplaceAllString(screen.String()[e[0]:e[1]], "")
		for _, line := range strings.Split(strings.ReplaceAll(shown, "\r", ""), "\n") {
			if w, ok := strings.CutPrefix(line, "<"); ok && strings.HasSuffix(w, ">") {
				all[i] = append(all[i], strings.TrimSuffix(w, ">"))
			}
		}
	}
	return all
}

// The bash script passes shellcheck, when it is installed: a user who
// checks their dotfiles with it sees nothing (COMPREPLY=($(compgen ...))
// was SC2207, the very word splitting that broke names with blanks).
func TestBashCompletionPassesShellcheck(t *testing.T) {
	t.Parallel()
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("no shellcheck (apt-get install shellcheck)")
	}
	script := filepath.Join(t.TempDir(), "hogsync.bash")
	r := newHarness(t).run("completion", "bash").must(t, exitOK)
	if err := os.WriteFile(script, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(shellcheck, "--shell=bash", script).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}
