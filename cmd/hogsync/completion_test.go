package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

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
