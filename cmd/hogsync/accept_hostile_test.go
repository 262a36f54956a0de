package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
	"github.com/hogsync/hogsync/internal/escape"
)

// Acceptance tests for hostile input (issues 9 and 10): whatever a
// manifest, its file name or PostHog holds, no output can move a
// terminal's cursor, reorder what a reviewer reads, give the GitHub
// Actions runner a workflow command, or show the API key.

// accKey is a personal API key of the real shape whose every 8-byte
// window is unlikely anywhere else.
const accKey = "phx_Hq7vR2mK9tL4wX8nB3cF6jD1sZ5gA0eU7iOyPw4"

// accHostile holds ESC (a colour change), BEL, a right-to-left override,
// line breaks that would start workflow commands, a command in the
// runner's older syntax (read anywhere in a line), a backtick (ends a code
// span) and "</details>" (ends the comment's collapsed plan).
const accHostile = "x\x1b[31mred\x07bell\u202eevil\n::warning::x\r::add-mask::y ##[add-mask]z `tick` </details>"

// accHostileYAML is accHostile as a YAML double-quoted scalar.
const accHostileYAML = `"x\e[31mred\abell\u202Eevil\n::warning::x\r::add-mask::y ##[add-mask]z ` + "`tick`" + ` </details>"`

// accOutputs are the texts a run left behind, by where they were found.
type accOutputs map[string]string

// collect gathers stdout, stderr and every file a run may write: the
// files in files (when they exist), and every file under dirs (by path
// relative to the dir, which is checked as a text too).
func (o accOutputs) collect(t *testing.T, r result, files map[string]string, dirs ...string) {
	t.Helper()
	o["stdout"], o["stderr"] = r.stdout, r.stderr
	for what, path := range files {
		if b, err := os.ReadFile(path); err == nil {
			o[what] = string(b)
		}
	}
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			o["file name "+rel] = rel
			o["file "+rel] = string(b)
			return nil
		})
	}
}

// accWorkflowCommands are the workflow commands hogsync writes on
// purpose on GitHub Actions, at the start of a line: annotations on a
// manifest's line, and warnings of its own.
var accWorkflowCommands = []string{"::error file=", "::warning file=", "::warning::hogsync: "}

// accCheck asserts that no text in o holds a raw control character (C0
// other than \n and \t, DEL, C1, U+2028/U+2029, a bidi embedding,
// override or isolate) or invalid UTF-8; that no line is a workflow
// command, apart from hogsync's own at column 0 when github is set; and
// that no form of key is anywhere: the key, its markdown and text
// escapes, or any 8 bytes of it in a row.
func accCheck(t *testing.T, o accOutputs, key string, github bool) {
	t.Helper()
	for where, text := range o {
		for i, r := range text {
			bad := r == utf8.RuneError
			if bad {
				_, size := utf8.DecodeRuneInString(text[i:])
				bad = size <= 1
			}
			if bad || (escape.Unsafe(r) && r != '\n' && r != '\t') {
				t.Errorf("%s: raw %U at byte %d (the first): %q", where, r, i, around(text, i))
				break
			}
		}
		for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if !escape.IsCommand(line) {
				continue
			}
			deliberate := false
			for _, p := range accWorkflowCommands {
				deliberate = deliberate || (github && strings.HasPrefix(line, p))
			}
			if !deliberate {
				t.Errorf("%s: a line the runner reads as a workflow command: %q", where, line)
			}
		}
		forms := []string{escape.Markdown(key), escape.Text(key)}
		for i := 0; i+8 <= len(key); i++ {
			forms = append(forms, key[i:i+8])
		}
		for _, f := range forms {
			if i := strings.Index(text, f); i >= 0 {
				t.Errorf("%s holds the key (as %q): %q", where, f, around(text, i))
				break
			}
		}
	}
}

// around is text near byte i, for a failure message.
func around(text string, i int) string {
	return text[max(0, i-40):min(len(text), i+40)]
}

// Issue 10, acceptance 1: a manifest whose file name holds
// "\n::add-mask::x\n" is refused at load by validate and sync, in every
// format, on and off GitHub Actions (exit 1, nothing written), and no line
// of any output is a workflow command hogsync did not mean to write.
func TestAccept10_1HostileManifestPathIsRefused(t *testing.T) {
	t.Parallel()
	const name = "a\n::add-mask::x\n.yaml"
	for _, cmd := range []string{"validate", "sync"} {
		formats := []string{"text", "json", "markdown"}
		if cmd == "validate" {
			formats = formats[:2]
		}
		for _, format := range formats {
			for _, github := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/github=%v", cmd, format, github), func(t *testing.T) {
					t.Parallel()
					h := newHarness(t)
					h.write(name, "name: a\nfilters:\n  - rollout_percentage: 1\n")
					h.write("ok.yaml", "name: ok\nfilters:\n  - rollout_percentage: 1\n")
					files := map[string]string{}
					if github {
						files["job summary"], files["step outputs"] = githubFiles(t, h)
					}
					var r result
					if cmd == "validate" {
						r = h.run("validate", h.dir, "-o", format)
					} else {
						r = h.sync("--apply", "-o", format)
					}
					// validate -o json writes the problems (the escaped path
					// JSON-encoded) to stdout; the rest, text to stderr.
					code, shown := "[unsafe-path]", `a\n::add-mask::x\n.yaml`
					if cmd == "validate" && format == "json" {
						code, shown = `"code": "unsafe-path"`, `a\\n::add-mask::x\\n.yaml`
					}
					r.must(t, exitFailure).contains(t, code, shown)
					o := accOutputs{}
					o.collect(t, r, files)
					accCheck(t, o, h.key, github)
					accNothingWritten(t, h)
				})
			}
		}
	}
}

// accHostileRun is one command of the hostile-input matrix.
type accHostileRun struct {
	name    string
	formats []string
	code    int
	// args are the command line; dir is the manifests, out a fresh
	// directory for --out-dir, plan a path for --plan-out.
	args func(h *harness, dir, out, plan, format string) []string
	// apply: PostHog must end as the manifests say; otherwise unchanged.
	apply bool
	// saveWith, when set, is the command (plan or sync) that first saves
	// a plan of the hostile manifests with --plan-out (with --prune when
	// args have it); its path is then appended to args as --plan FILE.
	saveWith string
	// says is what stderr must hold, if set.
	says string
}

// Issue 9, acceptance 1 (and issue 10's redaction rules): every command
// that reads manifests or PostHog (validate, export, sync and the verbs
// plan and apply, including apply --plan FILE; demo reads neither, only
// its built-in manifests), in every format, on and off GitHub Actions, with hostile names,
// descriptions and a markdown-hostile file name, and the API key in a
// manifest's description, in a PostHog holdout's name and as --project.
// Every output — stdout, stderr, --plan-out, the job summary, the step
// outputs, the pull request comment and exported files — holds no raw
// control character, no injected workflow command and no form of the key.
func TestAccept9_1HostileInputThroughEveryCommandAndFormat(t *testing.T) {
	t.Parallel()
	cmdArgs := func(cmd string, extra ...string) func(h *harness, dir, out, plan, format string) []string {
		return func(h *harness, dir, out, plan, format string) []string {
			return append([]string{cmd, dir, "--host", h.srv.URL, "--project", "1", "-o", format, "--plan-out", plan}, extra...)
		}
	}
	syncArgs := func(extra ...string) func(h *harness, dir, out, plan, format string) []string {
		return cmdArgs("sync", extra...)
	}
	keyAsProject := func(cmd string) func(h *harness, dir, out, plan, format string) []string {
		return func(h *harness, dir, out, plan, format string) []string {
			return []string{cmd, dir, "--host", h.srv.URL, "--project", accKey, "-o", format, "--plan-out", plan}
		}
	}
	all := []string{"text", "json", "markdown"}
	const stale = "is stale, so nothing was changed"
	runs := []accHostileRun{
		{name: "validate", formats: []string{"text", "json"}, code: exitOK,
			args: func(h *harness, dir, out, plan, format string) []string {
				return []string{"validate", dir, "-o", format}
			}},
		// The holdout named with the key is not exported (exit 1).
		{name: "export", formats: []string{"text"}, code: exitFailure,
			args: func(h *harness, dir, out, plan, format string) []string {
				return []string{"export", "--host", h.srv.URL, "--project", "1", "--out-dir", out}
			}},
		{name: "sync", formats: all, code: exitOK, args: syncArgs()},
		{name: "sync-prune", formats: all, code: exitOK, args: syncArgs("--prune")},
		{name: "sync-apply", formats: all, code: exitOK, args: syncArgs("--prune", "--apply"), apply: true},
		{name: "sync-key-as-project", formats: all, code: exitUsage, args: keyAsProject("sync")},
		// A plan saved by sync --plan-out, applied by sync --apply --plan.
		{name: "sync-apply-saved", formats: all, code: exitOK, args: syncArgs("--apply"), apply: true, saveWith: "sync"},
		// The saved plan would delete the holdout named with the key, whose
		// name the saved file holds as [REDACTED] (no key in any file), so
		// it cannot match the plan made now: refused as stale, nothing
		// changed, and the refusal does not show the key either.
		{name: "sync-apply-saved-prune", formats: all, code: exitFailure, args: syncArgs("--prune", "--apply"), saveWith: "sync", says: stale},
		// The terraform verbs: plan is sync, apply is sync --apply.
		{name: "plan", formats: all, code: exitOK, args: cmdArgs("plan")},
		{name: "plan-prune", formats: all, code: exitOK, args: cmdArgs("plan", "--prune")},
		{name: "plan-key-as-project", formats: all, code: exitUsage, args: keyAsProject("plan")},
		{name: "apply", formats: all, code: exitOK, args: cmdArgs("apply", "--prune"), apply: true},
		// A plan saved by plan --plan-out, applied by apply --plan.
		{name: "apply-saved", formats: all, code: exitOK, args: cmdArgs("apply"), apply: true, saveWith: "plan"},
		{name: "apply-saved-prune", formats: all, code: exitFailure, args: cmdArgs("apply", "--prune"), saveWith: "plan", says: stale},
		{name: "apply-key-as-project", formats: all, code: exitUsage, args: keyAsProject("apply")},
		{name: "export-key-as-project", formats: []string{"text"}, code: exitUsage,
			args: func(h *harness, dir, out, plan, format string) []string {
				return []string{"export", "--host", h.srv.URL, "--project", accKey, "--out-dir", out}
			}},
	}
	for _, run := range runs {
		for _, format := range run.formats {
			for _, github := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/github=%v", run.name, format, github), func(t *testing.T) {
					t.Parallel()
					accHostileCase(t, run, format, github)
				})
			}
		}
	}
}

func accHostileCase(t *testing.T, run accHostileRun, format string, github bool) {
	h := newHarness(t)
	h.key = accKey
	h.env["POSTHOG_PERSONAL_API_KEY"] = accKey
	h.emu.AddKey(accKey, posthogtest.Key{Scopes: []string{"*"}, CurrentProject: 1})

	// What PostHog holds: a holdout with the hostile name (the manifest
	// changes it), one named with the key (b), one with a hostile
	// description, and a draft experiment with a hostile name using the
	// first.
	updated := seed(h, accHostile, sp("old"), map[string]any{"rollout_percentage": 5})
	keyNamed := seed(h, accKey, nil, map[string]any{"rollout_percentage": 3})
	seed(h, "from-posthog", sp(accHostile), map[string]any{"rollout_percentage": 4})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: accHostile, HoldoutID: updated.ID})
	// The manifests: hostile names and descriptions, the key in a
	// description (a), in a file whose name is markdown-hostile.
	h.write("tick`<b>&amp;.yaml", fmt.Sprintf(`name: %[1]s
description: %[1]s
filters:
  - rollout_percentage: 10
---
name: "second %[2]s"
description: "the key: %[3]s"
filters:
  - rollout_percentage: 1
---
name: from-posthog
description: %[1]s
filters:
  - rollout_percentage: 4
`, accHostileYAML, strings.Trim(accHostileYAML, `"`), accKey))

	files := map[string]string{"--plan-out": filepath.Join(t.TempDir(), "plan.json")}
	out := t.TempDir()
	args := run.args(h, h.dir, out, files["--plan-out"], format)
	if run.saveWith != "" {
		// Saved off GitHub Actions, in the format of the run; the saved
		// file is checked as an output too.
		files["saved plan"] = filepath.Join(t.TempDir(), "saved.json")
		save := []string{run.saveWith, h.dir, "--host", h.srv.URL, "--project", "1", "-o", format, "--plan-out", files["saved plan"]}
		if slices.Contains(args, "--prune") {
			save = append(save, "--prune")
		}
		h.run(save...).must(t, exitOK)
		args = append(args, "--plan", files["saved plan"])
	}
	var gh *commentRecorder
	if github {
		files["job summary"], files["step outputs"] = githubFiles(t, h)
		if args[0] != "validate" && args[0] != "export" {
			gh = newCommentRecorder(t, h)
			args = append(args, "--comment")
		}
	}
	before := h.state()

	r := h.run(args...).must(t, run.code)
	if !strings.Contains(r.stderr, run.says) {
		t.Errorf("stderr does not say %q:\n%s", run.says, r.stderr)
	}

	o := accOutputs{}
	o.collect(t, r, files, out)
	if gh != nil {
		posted := gh.posted()
		if len(posted) != 1 {
			t.Errorf("%d comments posted, want 1", len(posted))
		}
		for i, c := range posted {
			o[fmt.Sprintf("comment %d", i+1)] = c
		}
	}
	if run.name == "export" {
		written := 0
		for where := range o {
			if strings.HasPrefix(where, "file name ") {
				written++
			}
		}
		// Every holdout but the one named with the key, which is held back.
		if want := len(h.emu.Holdouts(1)) - 1; written != want {
			t.Errorf("export wrote %d files, want %d:\n%s%s", written, want, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, fmt.Sprintf("holdout id %d was not exported", keyNamed.ID)) {
			t.Errorf("export does not say which holdout it held back:\n%s", r.stderr)
		}
	}
	accCheck(t, o, accKey, github)

	if !run.apply {
		if d := cmp.Diff(before, h.state()); d != "" {
			t.Errorf("PostHog changed (-before +after):\n%s", d)
		}
		return
	}
	x, ok := h.emu.Holdout(1, updated.ID)
	if !ok || x.Name != accHostile || x.Description == nil || *x.Description != accHostile || fmt.Sprint(x.Filters[0]["rollout_percentage"]) != "10" {
		t.Errorf("the hostile holdout is %+v", x)
	}
	if _, ok := h.emu.Holdout(1, keyNamed.ID); ok == slices.Contains(args, "--prune") {
		t.Errorf("the unmanaged holdout named with the key is there: %v, with --prune: %v", ok, !ok)
	}
	var second []string
	for _, x := range h.emu.Holdouts(1) {
		if strings.HasPrefix(x.Name, "second ") && x.Description != nil {
			second = append(second, *x.Description)
		}
	}
	if want := []string{"the key: " + accKey}; !cmp.Equal(second, want) {
		t.Errorf("created descriptions %q, want the manifest's", second)
	}
}
