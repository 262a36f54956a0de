package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	goversion "go/version"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	yaml "go.yaml.in/yaml/v3"

	"github.com/hogsync/hogsync/ghactions"
	"github.com/hogsync/hogsync/ghactions/githubtest"
	"github.com/hogsync/hogsync/run"
	hsync "github.com/hogsync/hogsync/sync"
)

// This file runs action.yml's steps the way GitHub's runner does, on this
// machine: each run: script through bash with the step's env (expressions
// evaluated), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH and
// GITHUB_EVENT_PATH files, against the PostHog emulator and a fake GitHub
// API on loopback. The steps that install hogsync (build.sh's install,
// setup-go and the build from source) are not run: the binary this test
// run built once stands in for whatever they would put on PATH.

type actionSpec struct {
	Inputs map[string]struct {
		Default  string `yaml:"default"`
		Required bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	With  map[string]string `yaml:"with"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Env   map[string]string `yaml:"env"`
}

var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// actionRun is one simulated job step that uses the action.
type actionRun struct {
	t         *testing.T
	repo      string // the action's own source (GITHUB_ACTION_PATH)
	workspace string
	temp      string
	inputs    map[string]string
	env       map[string]string // the calling step's env (the PostHog key)
	event     string            // event payload JSON
	eventName string            // GITHUB_EVENT_NAME; pull_request when empty
	sha, ref  string            // GITHUB_SHA, GITHUB_REF
	actionRef string            // github.action_ref (after @ in uses:)
	gh        *githubtest.Server
}

type actionResult struct {
	outputs map[string]string // the action's outputs
	summary string            // GITHUB_STEP_SUMMARY
	stdout  string
	failed  bool // a step exited non-zero
	// stepEnv is the environment each step ran with (or, for a step
	// that uses another action, that action would see), by step name.
	stepEnv map[string]map[string]string
	// skipped names the steps whose if: was false.
	skipped []string
	// installSteps names the steps that install hogsync, which the
	// prebuilt binary stood in for.
	installSteps []string
	// uploads are the artifacts upload-artifact steps made.
	uploads []upload
}

type upload struct {
	name, retention string
	files           map[string][]byte
}

func loadAction(t *testing.T, repo string) actionSpec {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repo, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var spec actionSpec
	if err := yaml.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	return spec
}

// eventField reads github.event.A.B from the event payload.
func eventField(t *testing.T, payload, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(payload), &v); err != nil {
		t.Fatalf("event payload: %v", err)
	}
	for _, k := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func (a *actionRun) run() actionResult {
	t := a.t
	t.Helper()
	spec := loadAction(t, a.repo)
	if spec.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", spec.Runs.Using)
	}
	for name, in := range spec.Inputs {
		if in.Required {
			if _, ok := a.inputs[name]; !ok {
				t.Fatalf("required input %q not given", name)
			}
		}
	}
	for name := range a.inputs {
		if _, ok := spec.Inputs[name]; !ok {
			t.Fatalf("action.yml has no input %q", name)
		}
	}
	eventName := cmp.Or(a.eventName, "pull_request")
	eventPath := filepath.Join(a.temp, "event.json")
	summaryPath := filepath.Join(a.temp, "step-summary.md")
	pathFile := filepath.Join(a.temp, "github-path")
	for _, f := range []string{summaryPath, pathFile} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(eventPath, []byte(a.event), 0o644); err != nil {
		t.Fatal(err)
	}
	stepOutputs := map[string]map[string]string{}
	var value func(expr string) string
	value = func(expr string) string {
		switch {
		case strings.HasPrefix(expr, "inputs."):
			name := strings.TrimPrefix(expr, "inputs.")
			if v, ok := a.inputs[name]; ok {
				return v
			}
			in, ok := spec.Inputs[name]
			if !ok {
				t.Fatalf("expression %q names no input", expr)
			}
			return exprRE.ReplaceAllStringFunc(in.Default, func(m string) string { return value(exprRE.FindStringSubmatch(m)[1]) })
		case expr == "github.action_path":
			return a.repo
		case expr == "github.action_ref":
			return a.actionRef
		case expr == "github.token":
			return a.gh.Token
		case expr == "github.event_name":
			return eventName
		case strings.HasPrefix(expr, "github.event."):
			return eventField(t, a.event, strings.TrimPrefix(expr, "github.event."))
		case strings.HasPrefix(expr, "steps."):
			parts := strings.SplitN(expr, ".", 4) // steps.ID.outputs.NAME
			if len(parts) != 4 || parts[2] != "outputs" {
				t.Fatalf("unsupported expression %q", expr)
			}
			return stepOutputs[parts[1]][parts[3]]
		}
		t.Fatalf("unsupported expression %q", expr)
		return ""
	}
	eval := func(s string) string {
		return exprRE.ReplaceAllStringFunc(s, func(m string) string { return value(exprRE.FindStringSubmatch(m)[1]) })
	}
	// cond evaluates an if: made of "X == 'lit'" and "X != 'lit'" terms
	// joined by &&, the subset action.yml uses.
	cond := func(s string) bool {
		if s == "" {
			return true
		}
		for _, term := range strings.Split(s, "&&") {
			term = strings.TrimSpace(term)
			op := " == "
			if strings.Contains(term, " != ") {
				op = " != "
			}
			lhs, rhs, ok := strings.Cut(term, op)
			if !ok || !strings.HasPrefix(rhs, "'") || !strings.HasSuffix(rhs, "'") {
				t.Fatalf("unsupported if: %q", s)
			}
			if (value(lhs) == strings.Trim(rhs, "'")) != (op == " == ") {
				return false
			}
		}
		return true
	}

	res := actionResult{outputs: map[string]string{}, stepEnv: map[string]map[string]string{}}
	var extraPath []string
	for i, st := range spec.Runs.Steps {
		if strings.Contains(st.Run, "${{") {
			t.Fatalf("step %q puts an expression inside run:; pass it through env: instead", st.Name)
		}
		// The install steps stand aside whatever their if: says: which
		// of them a real run takes depends on the action's ref, and
		// build.sh is tested on its own (action/install_test.go for a
		// release, TestActionReportsItsRefAsVersion for a build).
		install := isInstallStep(st)
		if !install && !cond(st.If) {
			res.skipped = append(res.skipped, st.Name)
			continue
		}
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "POSTHOG_") || strings.HasPrefix(k, "HOGSYNC_") {
				continue
			}
			env[k] = v
		}
		for k, v := range a.env {
			env[k] = v
		}
		outPath := filepath.Join(a.temp, fmt.Sprintf("output-%d", i))
		if err := os.WriteFile(outPath, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": a.repo, "GITHUB_WORKSPACE": a.workspace,
			"GITHUB_OUTPUT": outPath, "GITHUB_STEP_SUMMARY": summaryPath, "GITHUB_PATH": pathFile,
			"GITHUB_EVENT_PATH": eventPath, "GITHUB_EVENT_NAME": eventName,
			"GITHUB_SHA": a.sha, "GITHUB_REF": a.ref,
			"GITHUB_API_URL": a.gh.URL, "GITHUB_REPOSITORY": a.gh.Repo, "RUNNER_TEMP": a.temp, "NO_COLOR": "1",
		} {
			env[k] = v
		}
		for k, v := range st.Env {
			env[k] = eval(v)
		}
		res.stepEnv[st.Name] = env
		if install {
			// The binary the test run built once goes on the job's
			// PATH, once, as the install would put it there.
			if len(res.installSteps) == 0 {
				if err := appendFile(pathFile, filepath.Dir(builtBinary(t))+"\n"); err != nil {
					t.Fatal(err)
				}
			}
			res.installSteps = append(res.installSteps, st.Name)
		} else if st.Uses != "" {
			switch {
			case strings.HasPrefix(st.Uses, "actions/upload-artifact@"):
				res.uploads = append(res.uploads, a.upload(st, eval))
			default:
				t.Fatalf("step %d uses %s, which this test cannot stand in for", i, st.Uses)
			}
			continue
		} else if st.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash", st.Name, st.Shell)
		} else if a.runStep(st, i, env, extraPath, &res) != nil {
			res.failed = true
		}
		if st.ID != "" {
			stepOutputs[st.ID] = readOutputs(t, outPath)
		}
		if b, _ := os.ReadFile(pathFile); len(b) > 0 {
			extraPath = nil
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				extraPath = append([]string{l}, extraPath...)
			}
		}
		if res.failed {
			break
		}
	}
	for name, o := range spec.Outputs {
		res.outputs[name] = eval(o.Value)
	}
	b, _ := os.ReadFile(summaryPath)
	res.summary = string(b)
	return res
}

// isInstallStep says whether st is one of the steps that put hogsync on
// the job's PATH: one that runs action/build.sh, or sets up Go for it.
func isInstallStep(st actionStep) bool {
	return strings.Contains(st.Run, "action/build.sh") || strings.HasPrefix(st.Uses, "actions/setup-go@")
}

// runStep runs step i's script through bash, as the runner does, with env
// and the folders steps before it added to GITHUB_PATH.
func (a *actionRun) runStep(st actionStep, i int, env map[string]string, extraPath []string, res *actionResult) error {
	t := a.t
	t.Helper()
	script := filepath.Join(a.temp, fmt.Sprintf("step-%d.sh", i))
	if err := os.WriteFile(script, []byte(st.Run), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	cmd.Dir = a.workspace
	if len(extraPath) > 0 {
		env["PATH"] = strings.Join(extraPath, ":") + ":" + env["PATH"]
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	res.stdout += string(out)
	return err
}

// appendFile adds text at the end of the file at path.
func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	return errors.Join(err, f.Close())
}

// upload stands in for actions/upload-artifact: it zips the file at
// with.path (one file, at the archive's top, as upload-artifact does) and
// gives it to the fake GitHub as an artifact of the event's head commit.
func (a *actionRun) upload(st actionStep, eval func(string) string) upload {
	t := a.t
	t.Helper()
	for k := range st.With {
		switch k {
		case "name", "path", "retention-days", "if-no-files-found", "overwrite":
		default:
			t.Fatalf("upload-artifact input %q: this test cannot stand in for it", k)
		}
	}
	path := eval(st.With["path"])
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("upload-artifact path %q: %v", path, err)
	}
	up := upload{name: eval(st.With["name"]), retention: eval(st.With["retention-days"]),
		files: map[string][]byte{filepath.Base(path): raw}}
	a.gh.AddArtifact(githubtest.Artifact{Name: up.name, HeadSHA: eventField(t, a.event, "pull_request.head.sha"), Zip: githubtest.Zip(up.files)})
	return up
}

// readOutputs parses a GITHUB_OUTPUT file as the runner does.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if lines[i] == "" {
			continue
		}
		if name, delim, ok := strings.Cut(lines[i], "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, _ := strings.Cut(lines[i], "=")
		out[name] = val
	}
	return out
}

// newGitHub starts a fake GitHub API for a test's action runs.
func newGitHub(t *testing.T) *githubtest.Server {
	t.Helper()
	gh := githubtest.New("ghs_fake_token_for_tests_000")
	t.Cleanup(gh.Close)
	return gh
}

// commentBodies returns the bodies of pull request o/r#7's comments.
func commentBodies(gh *githubtest.Server) []string {
	var out []string
	for _, c := range gh.Comments(7) {
		out = append(out, c.Body)
	}
	return out
}

// prHeadSHA is the head commit of the pull request action runs are about.
const prHeadSHA = "dddddddddddddddddddddddddddddddddddddddd"

func newActionRun(t *testing.T, h *harness, gh *githubtest.Server) *actionRun {
	t.Helper()
	if testing.Short() {
		t.Skip("builds hogsync through the action")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ws := t.TempDir()
	return &actionRun{
		t: t, repo: repo, workspace: ws, temp: t.TempDir(),
		inputs: map[string]string{"project": "1", "host": h.srv.URL, "path": "holdouts", "prune": "true"},
		env:    map[string]string{"POSTHOG_PERSONAL_API_KEY": h.key},
		event:  `{"pull_request":{"number":7,"head":{"sha":"` + prHeadSHA + `"}}}`,
		sha:    "cccccccccccccccccccccccccccccccccccccccc", ref: "refs/pull/7/merge",
		gh: gh,
	}
}

func writeWorkspace(t *testing.T, ws, name, content string) {
	t.Helper()
	path := filepath.Join(ws, "holdouts", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Acceptance: a pull request's first run posts one comment, the next run
// updates it (still one), outputs are set and the summary is written.
func TestActionPlansAndKeepsOneComment(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	a := newActionRun(t, h, gh)
	seed(h, "legacy", nil, map[string]any{"rollout_percentage": 3})
	writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
	// Someone else's comment starting with the marker, posted before
	// hogsync's first: it is never taken for the plan comment, nor edited
	// (issue 10). Being first, a lookup that skipped the author check
	// would find it.
	marker := hsync.MarkerComment(run.CommentMarker(h.srv.URL, "1", "holdouts"))
	forged := marker + "\nforged by someone else"
	gh.AddComment(7, "mallory", forged)
	first := a.run()
	if first.failed {
		t.Fatalf("action failed:\n%s", first.stdout)
	}
	want := map[string]string{"has-changes": "true", "exit-code": "0", "summary": "Plan: 1 to create, 0 to update, 1 to delete."}
	for k, v := range want {
		if first.outputs[k] != v {
			t.Errorf("output %s = %q, want %q", k, first.outputs[k], v)
		}
	}
	raw, err := os.ReadFile(first.outputs["plan-json"])
	if err != nil {
		t.Fatalf("plan-json output: %v", err)
	}
	var doc struct {
		FormatVersion string `json:"format_version"`
		Changes       []any  `json:"changes"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.FormatVersion != "1" || len(doc.Changes) != 2 {
		t.Errorf("plan-json = %s (%v)", raw, err)
	}
	if !strings.Contains(first.summary, "### hogsync plan for project") || !strings.Contains(first.summary, "[!CAUTION]") {
		t.Errorf("step summary:\n%s", first.summary)
	}
	bodies := commentBodies(gh)
	if len(bodies) != 2 || bodies[0] != forged || !strings.Contains(bodies[1], "1 | 0 | 1") {
		t.Fatalf("comments after the first run: %q, want the forged one unchanged and ours", bodies)
	}
	if !strings.HasPrefix(bodies[1], marker+"\n") {
		t.Fatalf("our comment does not start with the forged marker %q:\n%s", marker, bodies[1])
	}
	if len(h.emu.Holdouts(1)) != 1 {
		t.Error("a dry run changed PostHog")
	}

	// A new push: the manifest changes, the comment follows.
	writeWorkspace(t, a.workspace, "pricing.yaml", "name: pricing\nfilters:\n  - rollout_percentage: 2.5\n")
	second := a.run()
	if second.failed {
		t.Fatalf("second run failed:\n%s", second.stdout)
	}
	bodies = commentBodies(gh)
	if len(bodies) != 2 || bodies[0] != forged {
		t.Fatalf("comments after the second run: %q, want the forged one unchanged and ours", bodies)
	}
	bodies = bodies[1:]
	if !strings.Contains(bodies[0], "2 | 0 | 1") || !strings.Contains(bodies[0], "pricing") {
		t.Errorf("comment not updated:\n%s", bodies[0])
	}
	if second.outputs["summary"] != "Plan: 2 to create, 0 to update, 1 to delete." {
		t.Errorf("summary output = %q", second.outputs["summary"])
	}
	if strings.Contains(second.stdout, h.key) || strings.Contains(second.stdout, gh.Token) {
		t.Error("a secret reached the log")
	}

	// A push that breaks a manifest: the comment must not go on showing
	// the last good plan.
	writeWorkspace(t, a.workspace, "pricing.yaml", "name: pricing\nfilters: []\n")
	third := a.run()
	if !third.failed || third.outputs["exit-code"] != "1" || third.outputs["has-changes"] != "" {
		t.Fatalf("broken push: failed=%v outputs=%v\n%s", third.failed, third.outputs, third.stdout)
	}
	bodies = commentBodies(gh)
	if len(bodies) != 2 || bodies[0] != forged || !strings.Contains(bodies[1], "No plan could be made") || strings.Contains(bodies[1], "<details>") {
		t.Errorf("comment after a broken push:\n%s", bodies)
	}
	if !strings.Contains(third.stdout, "::error file=holdouts/pricing.yaml,line=2,col=10::filters is empty") {
		t.Errorf("no annotation:\n%s", third.stdout)
	}
}

func TestActionApplies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	a := newActionRun(t, h, gh)
	a.inputs["apply"] = "true"
	a.inputs["comment"] = "false"
	writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
	res := a.run()
	if res.failed || res.outputs["exit-code"] != "0" {
		t.Fatalf("apply failed (exit-code %q):\n%s", res.outputs["exit-code"], res.stdout)
	}
	if res.outputs["summary"] != "Apply complete: 1 created, 0 updated, 0 deleted." {
		t.Errorf("summary = %q", res.outputs["summary"])
	}
	if n := len(h.emu.Holdouts(1)); n != 1 {
		t.Errorf("%d holdouts after apply, want 1", n)
	}
	if len(commentBodies(gh)) != 0 {
		t.Error("commented with comment: false")
	}
}

// A pull request from a fork has no secrets: the action validates offline
// and says so instead of failing.
func TestActionWithoutKeyValidatesOffline(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	a := newActionRun(t, h, gh)
	a.env = map[string]string{}
	writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
	h.emu.ResetRequests()
	res := a.run()
	// has-changes stays empty: without a plan nobody knows.
	if res.failed || res.outputs["exit-code"] != "0" || res.outputs["has-changes"] != "" {
		t.Fatalf("fork run: failed=%v outputs=%v\n%s", res.failed, res.outputs, res.stdout)
	}
	if len(res.uploads) != 0 {
		t.Error("saved a plan artifact when no plan was made")
	}
	if !strings.Contains(res.summary, "validated offline") || !strings.Contains(res.stdout, "::notice::") {
		t.Errorf("no word of the offline validation:\n%s\n%s", res.summary, res.stdout)
	}
	if n := len(h.emu.Requests()); n != 0 {
		t.Errorf("%d requests to PostHog without a key", n)
	}

	// A broken manifest still fails the check, with an annotation.
	writeWorkspace(t, a.workspace, "bad.yaml", "name: bad\nfilters:\n  - rollout_percentage: 150\n")
	res = a.run()
	if !res.failed || !strings.Contains(res.stdout, "::error file=holdouts/bad.yaml,line=3,col=25::rollout_percentage is 150") {
		t.Errorf("broken manifest: failed=%v\n%s", res.failed, res.stdout)
	}
}

// Without a key, anything but a pull request's dry run fails: an apply on
// merge must never pass green having applied nothing.
func TestActionWithoutKeyFailsOutsidePullRequestDryRuns(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	for _, tc := range []struct{ name, event, apply string }{
		{"apply on a pull request", "pull_request", "true"},
		{"push to main", "push", "true"},
		{"dry run on push", "push", "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newActionRun(t, h, gh)
			a.env = map[string]string{}
			a.eventName = tc.event
			a.inputs["apply"] = tc.apply
			writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
			res := a.run()
			if !res.failed || !strings.Contains(res.stdout, "::error::POSTHOG_PERSONAL_API_KEY is empty") {
				t.Errorf("failed=%v\n%s", res.failed, res.stdout)
			}
		})
	}
}

// Acceptance: inputs that look like shell run nothing.
func TestActionInputsCannotInjectCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	hostile := []string{
		`"; touch pwned; " x' && touch pwned && '`,
		"$(touch pwned) `touch pwned`\ntouch pwned",
	}
	for _, input := range []string{"path", "project", "host", "max-deletes", "apply", "prune", "comment", "version", "args", "reviewed-plan", "drift-issue"} {
		for i, v := range hostile {
			t.Run(fmt.Sprintf("%s-%d", input, i), func(t *testing.T) {
				t.Parallel()
				a := newActionRun(t, h, gh)
				a.inputs[input] = v
				writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
				res := a.run()
				for _, dir := range []string{a.workspace, a.temp, a.repo, filepath.Join(a.workspace, "holdouts")} {
					if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
						t.Fatalf("input %s = %q ran a command:\n%s", input, v, res.stdout)
					}
				}
			})
		}
	}
}

// splitArgs runs action/args.sh's split_args on text, as run.sh does.
func splitArgs(t *testing.T, text string) ([]string, error) {
	t.Helper()
	script := `source "$1" && split_args "$2" && printf '%s\0' "${ARGS[@]}"`
	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", script, "_", filepath.Join("..", "..", "action", "args.sh"), text)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	if len(out) == 0 {
		return nil, nil
	}
	words := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(words) == 1 && words[0] == "" && !strings.ContainsAny(text, `'"`) {
		return nil, nil // printf printed one empty word for none
	}
	return words, nil
}

// The args input is split as documented in action.yml, and nothing in it
// is expanded or run.
func TestActionArgsSplitting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"  \t\n ", nil, ""},
		{"--target 'a*' --force --parallelism 8", []string{"--target", "a*", "--force", "--parallelism", "8"}, ""},
		{`--target "name with  spaces" --target=x`, []string{"--target", "name with  spaces", "--target=x"}, ""},
		{`--target=a\ b\'c`, []string{"--target=a b'c"}, ""},
		{`"a\"b\\c\d"`, []string{`a"b\c\d`}, ""},
		{`'it''s' 'a\b' "$HOME"`, []string{"its", `a\b`, "$HOME"}, ""},
		{`'' ""`, []string{"", ""}, ""},
		{"--force\r\n--target\tx", []string{"--force", "--target", "x"}, ""},
		{"$(touch pwned) `touch pwned` ; | && >x ~ *", []string{"$(touch", "pwned)", "`touch", "pwned`", ";", "|", "&&", ">x", "~", "*"}, ""},
		{"--target 'a", nil, "a ' is not closed"},
		{`--target "a`, nil, `a " is not closed`},
		{`--target a\`, nil, `a \ ends it`},
	}
	for _, tt := range tests {
		got, err := splitArgs(t, tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("split_args %q: err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("split_args %q: %v", tt.in, err)
			continue
		}
		if d := gocmp.Diff(tt.want, got); d != "" {
			t.Errorf("split_args %q (-want +got):\n%s", tt.in, d)
		}
	}
}

// The args input reaches hogsync as flags.
func TestActionPassesArgs(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := newActionRun(t, h, newGitHub(t))
	a.inputs["apply"] = "true"
	a.inputs["comment"] = "false"
	a.inputs["args"] = "--target 'checkout-q4' --parallelism 2"
	a.eventName, a.event = "push", pushEvent
	writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
	writeWorkspace(t, a.workspace, "pricing.yaml", "name: pricing\nfilters:\n  - rollout_percentage: 2.5\n")
	res := a.run()
	if res.failed {
		t.Fatalf("action failed:\n%s", res.stdout)
	}
	var names []string
	for _, ho := range h.emu.Holdouts(1) {
		names = append(names, ho.Name)
	}
	if d := gocmp.Diff([]string{"checkout-q4"}, names); d != "" {
		t.Errorf("holdouts after a targeted apply (-want +got):\n%s", d)
	}
	if d := gocmp.Diff([]string{"Save the plan for the merge"}, res.skipped); len(res.uploads) != 0 || d != "" {
		t.Errorf("a push saved a plan artifact (%d uploads; skipped steps -want +got):\n%s", len(res.uploads), d)
	}
}

// The built hogsync reports the action's ref as its version; a ref that
// could break out of -ldflags is not used. This is the one test that
// builds hogsync as the Action does; the others run the binary built once
// with the tests' own flags (builtBinary).
//
// build.sh's go build -trimpath compiles every package, the standard
// library included, again: half a minute on two cores, a third of a cold
// go test ./.... So by default its go runs through a shim that records
// the arguments (the test checks -trimpath is among them) and runs the
// real go build without -trimpath: the -ldflags, the version they stamp
// and the binary are real, and only the link is new. With
// HOGSYNC_TEST_ACTION_BUILD=full (as .ci/run sets for this test alone)
// build.sh runs the real go, -trimpath and all.
func TestActionReportsItsRefAsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hogsync")
	}
	t.Parallel()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	full := os.Getenv("HOGSYNC_TEST_ACTION_BUILD") == "full"
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ ref, checkout, want string }{
		{"feature/v1.2.3", "", "hogsync feature/v1.2.3 ("},
		// Refused: the version is then the build's own (dev, or the
		// pseudo-version go build stamps from a clean git checkout).
		{"v1 -X main.x=$(touch pwned)", "", "hogsync "},
		// github.action_ref empty (actions/runner#2473): the checkout
		// path says it. (A branch: a release tag there installs the
		// release, which action/install_test.go tests.)
		{"", "_actions/hogsync/hogsync/release-7.x", "hogsync release-7.x ("},
	} {
		t.Run(tc.want, func(t *testing.T) {
			// With the real go, one after another: the first compiles
			// every package with -trimpath, the others find them in the
			// build cache and only link; side by side, each would
			// compile them all.
			if !full {
				t.Parallel()
			}
			temp := t.TempDir()
			path, argsFile := os.Getenv("PATH"), filepath.Join(temp, "go-args")
			// Through the shim only the first case links: the others'
			// -ldflags are read from the arguments.
			link := full || i == 0
			if !full {
				path = trimpathShim(t, realGo, argsFile, link) + ":" + path
			}
			actionPath := repo
			if tc.checkout != "" {
				actionPath = filepath.Join(temp, tc.checkout)
				if err := os.MkdirAll(filepath.Dir(actionPath), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(repo, actionPath); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", filepath.Join(repo, "action", "build.sh"))
			cmd.Dir = temp
			cmd.Env = append(os.Environ(), "PATH="+path, "GITHUB_ACTION_PATH="+actionPath, "RUNNER_TEMP="+temp,
				"GITHUB_PATH="+filepath.Join(temp, "path"), "HOGSYNC_ACTION_REF="+tc.ref, "HOGSYNC_VERSION=",
				"POSTHOG_PERSONAL_API_KEY=phx_must_not_matter")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("ref %q: %v:\n%s", tc.ref, err, out)
			}
			if link && !strings.Contains(string(out), tc.want) {
				t.Errorf("ref %q: want %q in:\n%s", tc.ref, tc.want, out)
			}
			if !full {
				raw, err := os.ReadFile(argsFile)
				if err != nil {
					t.Fatalf("build.sh did not run go build: %v", err)
				}
				args := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
				if !slices.Contains(args, "-trimpath") {
					t.Errorf("build.sh's go build lacks -trimpath: %q", args)
				}
				// The version the binary would report, from -ldflags.
				got := "hogsync "
				if j := slices.Index(args, "-ldflags"); j >= 0 && j+1 < len(args) {
					got += strings.TrimPrefix(args[j+1], "-X main.version=") + " ("
				}
				if got != tc.want {
					t.Errorf("ref %q: go build %q stamps %q, want %q", tc.ref, args, got, tc.want)
				}
			}
			if strings.ContainsAny(tc.ref, " $") {
				if !strings.Contains(string(out), "::warning::hogsync: the action's ref") {
					t.Errorf("ref %q: no warning", tc.ref)
				}
				if strings.Contains(string(out), "hogsync v1 ") || strings.Contains(string(out), "main.x") {
					t.Errorf("ref %q reached the version:\n%s", tc.ref, out)
				}
			}
			for _, dir := range []string{temp, repo} {
				if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
					t.Fatal("the ref ran a command")
				}
			}
		})
	}
}

// setup-go is told an exact Go release, at or above go.mod's go line
// (setup-go v5 reads only that line from go.mod: 1.26.0 would miss every
// later security fix).
func TestActionSetsUpAnExactGo(t *testing.T) {
	t.Parallel()
	repo := filepath.Join("..", "..")
	spec := loadAction(t, repo)
	var goVersion string
	for _, st := range spec.Runs.Steps {
		if strings.HasPrefix(st.Uses, "actions/setup-go@") {
			goVersion = st.With["go-version"]
			if st.With["go-version-file"] != "" {
				t.Error("setup-go is given go-version-file too")
			}
		}
	}
	if !regexp.MustCompile(`^1\.\d+\.\d+$`).MatchString(goVersion) {
		t.Fatalf("setup-go go-version = %q, want an exact release such as 1.26.8", goVersion)
	}
	mod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	if goversion.Compare("go"+goVersion, "go"+string(m[1])) < 0 {
		t.Errorf("setup-go installs Go %s, older than go.mod's go %s", goVersion, m[1])
	}
	if tc := regexp.MustCompile(`(?m)^toolchain go(\S+)$`).FindSubmatch(mod); tc != nil && goversion.Compare("go"+goVersion, "go"+string(tc[1])) < 0 {
		t.Errorf("setup-go installs Go %s, older than go.mod's toolchain go%s", goVersion, tc[1])
	}
}

// Actions from elsewhere run the commit that was reviewed, not whatever
// their tag points at today.
func TestActionPinsOtherActionsByCommit(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "workflows", "*.yml"))
	files = append(files, filepath.Join("..", "..", "action.yml"))
	usesRE := regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w.-]+@[0-9a-f]{40}$`)
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range usesRE.FindAllStringSubmatch(string(raw), -1) {
			uses, rest := m[1], m[2]
			if strings.HasPrefix(uses, "hogsync/hogsync@") || strings.HasPrefix(uses, "./") {
				continue // this action itself: the workflow's owner picks the release
			}
			n++
			if !pinned.MatchString(uses) || !regexp.MustCompile(`#\s*v\d+\.\d+\.\d+`).MatchString(rest) {
				t.Errorf("%s: uses %s%s: want owner/repo@<full commit SHA> # vX.Y.Z", filepath.Base(f), uses, rest)
			}
		}
	}
	if n == 0 {
		t.Fatal("found no uses: to check")
	}
}

// The PostHog key reaches only the step that runs hogsync: not setup-go,
// not the build, not the upload.
func TestActionKeyReachesOnlyTheRunStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := newActionRun(t, h, newGitHub(t))
	writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
	res := a.run()
	if res.failed || len(res.skipped) != 0 {
		t.Fatalf("failed=%v skipped=%v\n%s", res.failed, res.skipped, res.stdout)
	}
	// Each install step's env is checked too, though the prebuilt binary
	// stood in for them.
	if d := gocmp.Diff([]string{"Install hogsync", "Set up Go", "Build hogsync"}, res.installSteps); d != "" {
		t.Errorf("install steps (-want +got):\n%s", d)
	}
	spec := loadAction(t, a.repo)
	for _, st := range spec.Runs.Steps {
		key, ok := res.stepEnv[st.Name]["POSTHOG_PERSONAL_API_KEY"]
		if st.ID == "sync" {
			if key != h.key {
				t.Errorf("step %q has no key", st.Name)
			}
			continue
		}
		if !ok || key != "" {
			t.Errorf("step %q sees POSTHOG_PERSONAL_API_KEY (set: %v); empty it in its env:", st.Name, ok)
		}
	}
}

// On a pull request the plan is saved as artifact hogsync-plan-<head
// sha>-<key>, which ghactions.ReviewedPlan finds once the pull request is
// merged: the action and the library agree on its name and its file.
func TestActionSavesThePlanForTheMerge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	a := newActionRun(t, h, gh)
	seed(h, "legacy", nil, map[string]any{"rollout_percentage": 3})
	writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
	res := a.run()
	if res.failed || len(res.uploads) != 1 {
		t.Fatalf("failed=%v uploads=%d\n%s", res.failed, len(res.uploads), res.stdout)
	}
	plan, err := os.ReadFile(res.outputs["plan-json"])
	if err != nil {
		t.Fatal(err)
	}
	up := res.uploads[0]
	want := ghactions.StepPlanArtifactName(prHeadSHA, "holdouts")
	if up.name != want || res.outputs["artifact-name"] != want || up.retention != "7" {
		t.Errorf("artifact %q (output artifact-name %q) kept %q days, want %q", up.name, res.outputs["artifact-name"], up.retention, want)
	}
	if filepath.Base(res.outputs["plan-json"]) != ghactions.StepPlanFileName("holdouts") {
		t.Errorf("plan-json = %q, want it named %s", res.outputs["plan-json"], ghactions.StepPlanFileName("holdouts"))
	}
	gh.AddPull(githubtest.Pull{Number: 7, HeadSHA: prHeadSHA, Merged: true, MergeCommitSHA: mergeSHA})
	// Told the step's path or not: there is one step's plan.
	for _, opts := range [][]ghactions.Option{nil, {ghactions.WithPlanPath("holdouts")}} {
		c, err := ghactions.NewClient(gh.URL, gh.Token, gh.Repo, opts...)
		if err != nil {
			t.Fatal(err)
		}
		rp, err := c.ReviewedPlan(context.Background(), mergeSHA)
		if err != nil || rp.Status != ghactions.ReviewedPlanFound || rp.PR != 7 || !bytes.Equal(rp.Plan, plan) {
			t.Errorf("ReviewedPlan (%d options): %v %v (plan equal: %v)", len(opts), rp.Status, err, bytes.Equal(rp.Plan, plan))
		}
	}
}

// Issue 19: two hogsync steps on one pull request, in one job (one
// RUNNER_TEMP), with different paths, write two plan files and save two
// artifacts, each named for its step's path; neither overwrites the
// other, and ghactions.ReviewedPlan told a step's path finds that step's.
func TestActionTwoStepsSaveTwoPlans(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	first := newActionRun(t, h, gh)
	writeWorkspace(t, first.workspace, "checkout.yaml", checkoutYAML)
	second := newActionRun(t, h, gh)
	second.workspace, second.temp = first.workspace, first.temp
	second.inputs["path"], second.inputs["prune"] = "teams/eu", "false"
	eu := filepath.Join(first.workspace, "teams", "eu")
	if err := os.MkdirAll(eu, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(eu, "pricing.yaml"), []byte("name: pricing\nfilters:\n  - rollout_percentage: 2.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	runs := map[string]actionResult{"holdouts": first.run(), "teams/eu": second.run()}
	saved := map[string][]byte{}
	for path, res := range runs {
		if res.failed || len(res.uploads) != 1 {
			t.Fatalf("step with path %s: failed=%v uploads=%d\n%s", path, res.failed, len(res.uploads), res.stdout)
		}
		want := ghactions.StepPlanArtifactName(prHeadSHA, path)
		if up := res.uploads[0]; up.name != want || res.outputs["artifact-name"] != want {
			t.Errorf("step with path %s: artifact %q (output %q), want %q", path, up.name, res.outputs["artifact-name"], want)
		}
		// Read once both steps ran: the second must not have
		// overwritten the first's.
		plan, err := os.ReadFile(res.outputs["plan-json"])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plan, res.uploads[0].files[filepath.Base(res.outputs["plan-json"])]) {
			t.Errorf("step with path %s: its plan file is not the plan it uploaded", path)
		}
		saved[path] = plan
	}
	if runs["holdouts"].outputs["plan-json"] == runs["teams/eu"].outputs["plan-json"] {
		t.Fatalf("both steps wrote %s", runs["holdouts"].outputs["plan-json"])
	}
	if !bytes.Contains(saved["holdouts"], []byte("checkout-q4")) || bytes.Contains(saved["holdouts"], []byte("pricing")) ||
		!bytes.Contains(saved["teams/eu"], []byte("pricing")) || bytes.Contains(saved["teams/eu"], []byte("checkout-q4")) {
		t.Errorf("plans:\nholdouts: %s\nteams/eu: %s", saved["holdouts"], saved["teams/eu"])
	}

	gh.AddPull(githubtest.Pull{Number: 7, HeadSHA: prHeadSHA, Merged: true, MergeCommitSHA: mergeSHA})
	for path, plan := range saved {
		c, err := ghactions.NewClient(gh.URL, gh.Token, gh.Repo, ghactions.WithPlanPath(path))
		if err != nil {
			t.Fatal(err)
		}
		rp, err := c.ReviewedPlan(context.Background(), mergeSHA)
		if err != nil || rp.Status != ghactions.ReviewedPlanFound || !bytes.Equal(rp.Plan, plan) {
			t.Errorf("ReviewedPlan for path %s: %v %v (its plan: %v)", path, rp.Status, err, bytes.Equal(rp.Plan, plan))
		}
	}

	// Through the binary: each step of the merge applies its own reviewed
	// plan (the step's path picks it among the pull request's two).
	for _, a := range []*actionRun{first, second} {
		a.asMerge("require")
		if res := a.run(); res.failed || !strings.Contains(res.stdout, "applying the plan reviewed on pull request #7") {
			t.Fatalf("merge of step with path %s:\n%s", a.inputs["path"], res.stdout)
		}
	}
	if d := gocmp.Diff([]string{"checkout-q4", "pricing"}, holdoutNames(h)); d != "" {
		t.Errorf("holdouts after both merges (-want +got):\n%s", d)
	}
}

// run.sh names a step's plan file and artifact with the key
// ghactions.PlanKey computes, for any path, and refuses a head commit
// that is not a commit SHA.
func TestActionPlanKeyMatchesTheLibrary(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"holdouts", "holdouts/", "./holdouts", "teams/eu", "dir with spaces/ünï", `a'b"c$(touch pwned)`, "-n", "x\n"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			output := filepath.Join(t.TempDir(), "output")
			out, calls, failed := runScript(t, map[string]string{"HOGSYNC_PATH": path, "HOGSYNC_HEAD_SHA": prHeadSHA, "GITHUB_OUTPUT": output})
			if failed || len(calls) != 1 {
				t.Fatalf("failed=%v, hogsync ran %d times:\n%s", failed, len(calls), out)
			}
			var planOut string
			for _, a := range calls[0] {
				if v, ok := strings.CutPrefix(a, "--plan-out="); ok {
					planOut = v
				}
			}
			if filepath.Base(planOut) != ghactions.StepPlanFileName(path) {
				t.Errorf("--plan-out=%s, want a file named %s", planOut, ghactions.StepPlanFileName(path))
			}
			if got := readOutputs(t, output)["artifact-name"]; got != ghactions.StepPlanArtifactName(prHeadSHA, path) {
				t.Errorf("artifact-name = %q, want %q", got, ghactions.StepPlanArtifactName(prHeadSHA, path))
			}
		})
	}
}

// runScript runs action/run.sh as the action's "Run hogsync" step does,
// with env (inputs at their defaults unless set) and a stand-in hogsync
// on PATH that records its arguments and exits 0. It returns the
// script's output, hogsync's argument lists, and whether it failed.
func runScript(t *testing.T, env map[string]string) (out string, calls [][]string, failed bool) {
	t.Helper()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	temp := t.TempDir()
	record := filepath.Join(temp, "calls")
	fake := "#!/usr/bin/env bash\nprintf '%s\\0' \"$@\" >> \"$HOGSYNC_TEST_CALLS\"\nprintf '\\n' >> \"$HOGSYNC_TEST_CALLS\"\n"
	if err := os.WriteFile(filepath.Join(temp, "hogsync"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	all := map[string]string{
		"PATH": temp + ":" + os.Getenv("PATH"), "HOGSYNC_TEST_CALLS": record,
		"GITHUB_ACTION_PATH": repo, "GITHUB_OUTPUT": filepath.Join(temp, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(temp, "summary"),
		"RUNNER_TEMP": temp, "GITHUB_EVENT_NAME": "pull_request", "POSTHOG_PERSONAL_API_KEY": "phx_test",
		"HOGSYNC_PATH": "holdouts", "HOGSYNC_INPUT_PROJECT": "", "HOGSYNC_INPUT_HOST": "", "HOGSYNC_APPLY": "false", "HOGSYNC_PRUNE": "false",
		"HOGSYNC_INPUT_MAX_DELETES": "", "HOGSYNC_COMMENT": "true", "HOGSYNC_ARGS": "", "HOGSYNC_REVIEWED_PLAN": "off", "HOGSYNC_DRIFT_ISSUE": "false",
	}
	for k, v := range env {
		all[k] = v
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", filepath.Join(repo, "action", "run.sh"))
	cmd.Dir = temp
	for k, v := range all {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	b, err := cmd.CombinedOutput()
	raw, _ := os.ReadFile(record)
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\x00\n") {
		if line != "" {
			calls = append(calls, strings.Split(strings.TrimSuffix(line, "\x00"), "\x00"))
		}
	}
	return string(b), calls, err != nil
}

// run.sh checks the new inputs before hogsync runs, and passes the flags
// they stand for only where they apply.
func TestActionRunScript(t *testing.T) {
	t.Parallel()
	// No --max-deletes, --project or --host: the inputs reach hogsync as
	// HOGSYNC_INPUT_*, below hogsync.yaml's settings when left empty.
	base := []string{"sync", "--plan-out=PLAN"}
	tests := []struct {
		name string
		env  map[string]string
		want []string // hogsync's arguments (PLAN for the plan file); nil: not run
		out  string   // in the output
	}{
		{"defaults", nil, append(base, "--comment", "--", "holdouts"), ""},
		{"args", map[string]string{"HOGSYNC_ARGS": `--target 'a*' --force --parallelism 8 $(touch pwned)`},
			append(base, "--comment", "--target", "a*", "--force", "--parallelism", "8", "$(touch", "pwned)", "--", "holdouts"), ""},
		{"reviewed plan on a push with apply", map[string]string{"HOGSYNC_REVIEWED_PLAN": "require", "GITHUB_EVENT_NAME": "push", "HOGSYNC_APPLY": "true", "HOGSYNC_COMMENT": "false"},
			append(base, "--apply", "--reviewed-plan=require", "--", "holdouts"), ""},
		{"reviewed plan prefer", map[string]string{"HOGSYNC_REVIEWED_PLAN": "prefer", "GITHUB_EVENT_NAME": "push", "HOGSYNC_APPLY": "true", "HOGSYNC_COMMENT": "false"},
			append(base, "--apply", "--reviewed-plan=prefer", "--", "holdouts"), ""},
		{"reviewed plan on a pull request", map[string]string{"HOGSYNC_REVIEWED_PLAN": "require"},
			append(base, "--comment", "--", "holdouts"), "::warning::hogsync: reviewed-plan applies only to a push with apply: true; this pull_request run plans afresh"},
		{"reviewed plan on a dry push", map[string]string{"HOGSYNC_REVIEWED_PLAN": "require", "GITHUB_EVENT_NAME": "push", "HOGSYNC_COMMENT": "false"},
			append(base, "--", "holdouts"), "::warning::hogsync: reviewed-plan applies only to a push with apply: true; this push run plans afresh"},
		{"drift issue", map[string]string{"HOGSYNC_DRIFT_ISSUE": "true", "GITHUB_EVENT_NAME": "schedule", "HOGSYNC_PRUNE": "true", "HOGSYNC_COMMENT": "false"},
			append(base, "--prune", "--drift-issue", "--", "holdouts"), ""},
		{"max-deletes set", map[string]string{"HOGSYNC_INPUT_MAX_DELETES": "2"}, append(base, "--comment", "--", "holdouts"), ""},
		{"bad max-deletes", map[string]string{"HOGSYNC_INPUT_MAX_DELETES": "two"}, nil, "::error::input max-deletes must be a whole number"},
		{"bad reviewed plan", map[string]string{"HOGSYNC_REVIEWED_PLAN": "sometimes"}, nil, "::error::input reviewed-plan must be require, prefer or off, not 'sometimes'"},
		{"bad drift issue", map[string]string{"HOGSYNC_DRIFT_ISSUE": "yes"}, nil, "::error::input drift-issue must be true or false, not 'yes'"},
		{"drift issue with apply", map[string]string{"HOGSYNC_DRIFT_ISSUE": "true", "HOGSYNC_APPLY": "true"}, nil, "::error::input drift-issue reports drift and never changes PostHog"},
		{"unsplittable args", map[string]string{"HOGSYNC_ARGS": "--target 'a"}, nil, "::error::input args: cannot split it into words"},
		{"an input cannot forge a command", map[string]string{"HOGSYNC_REVIEWED_PLAN": "x\n::add-mask::y"}, nil, "not 'x%0A::add-mask::y'"},
		{"a head commit that is not a SHA", map[string]string{"HOGSYNC_HEAD_SHA": "abc\n::add-mask::y"}, nil, "::error::the pull request's head commit 'abc%0A::add-mask::y' is not a commit SHA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, calls, failed := runScript(t, tt.env)
			if tt.want == nil {
				if !failed || len(calls) != 0 {
					t.Errorf("failed=%v, hogsync ran %d times", failed, len(calls))
				}
			} else {
				if failed || len(calls) != 1 {
					t.Fatalf("failed=%v, hogsync ran %d times:\n%s", failed, len(calls), out)
				}
				got := slices.Clone(calls[0])
				for i, a := range got {
					if strings.HasPrefix(a, "--plan-out=") {
						got[i] = "--plan-out=PLAN"
					}
				}
				if d := gocmp.Diff(tt.want, got); d != "" {
					t.Errorf("hogsync's arguments (-want +got):\n%s", d)
				}
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("want %q in:\n%s", tt.out, out)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "::add-mask::") {
					t.Errorf("forged command: %q", line)
				}
			}
		})
	}
}

const mergeSHA = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

// pushEvent is the payload of a push of mergeSHA to main.
const pushEvent = `{"ref":"refs/heads/main","after":"` + mergeSHA + `","repository":{"default_branch":"main"}}`

// asMerge makes a the push to main of the merge of pull request 7.
func (a *actionRun) asMerge(mode string) {
	a.eventName, a.event, a.sha, a.ref = "push", pushEvent, mergeSHA, "refs/heads/main"
	a.inputs["apply"] = "true"
	a.inputs["comment"] = "false"
	a.inputs["reviewed-plan"] = mode
}

// patchHoldoutNamed changes the holdout called name in PostHog, as
// someone in its UI would.
func patchHoldoutNamed(t *testing.T, h *harness, name string, body string) {
	t.Helper()
	for _, ho := range h.emu.Holdouts(1) {
		if ho.Name == name {
			patchHoldout(t, h, ho.ID, body)
			return
		}
	}
	t.Fatalf("no holdout %q", name)
}

// holdoutNames lists PostHog's holdouts by name.
func holdoutNames(h *harness) []string {
	var names []string
	for _, ho := range h.emu.Holdouts(1) {
		names = append(names, ho.Name)
	}
	slices.Sort(names)
	return names
}

// reviewPullRequest runs the action on pull request 7 (saving its plan)
// and merges it as mergeSHA.
func reviewPullRequest(t *testing.T, h *harness, gh *githubtest.Server) *actionRun {
	t.Helper()
	a := newActionRun(t, h, gh)
	seed(h, "legacy", nil, map[string]any{"rollout_percentage": 3})
	writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
	if res := a.run(); res.failed || len(res.uploads) != 1 {
		t.Fatalf("pull request run: failed=%v uploads=%d\n%s", res.failed, len(res.uploads), res.stdout)
	}
	gh.AddPull(githubtest.Pull{Number: 7, HeadSHA: prHeadSHA, Merged: true, MergeCommitSHA: mergeSHA})
	return a
}

// Acceptance (issue 12, 4): a merge with a matching reviewed plan applies
// exactly it: the run goes through the saved plan (checked against
// PostHog and the manifests), not a plan made afresh, which would end in
// the same state. The reviewed plan's temporary file is gone once the run
// ends.
func TestActionAppliesTheReviewedPlanOnMerge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	a := reviewPullRequest(t, h, gh)

	tmp := t.TempDir()
	a.env["TMPDIR"] = tmp
	a.asMerge("require")
	res := a.run()
	if res.failed || res.outputs["exit-code"] != "0" {
		t.Fatalf("merge failed:\n%s", res.stdout)
	}
	if d := gocmp.Diff([]string{"checkout-q4"}, holdoutNames(h)); d != "" {
		t.Errorf("holdouts after the merge (-want +got):\n%s", d)
	}
	if !strings.Contains(res.stdout, "as they were when pull request #7's plan was reviewed: applying that plan") {
		t.Errorf("the log does not say the plan reviewed on #7 was checked and applied:\n%s", res.stdout)
	}
	var downloaded bool
	for _, r := range gh.Requests() {
		if r.Server == "blob" {
			downloaded = true
			if r.Authorized {
				t.Error("the token went to the artifact storage")
			}
		}
	}
	if !downloaded {
		t.Error("the reviewed plan was not downloaded")
	}
	left, err := filepath.Glob(filepath.Join(tmp, "hogsync-reviewed-plan-*"))
	if err != nil || len(left) != 0 {
		t.Errorf("the reviewed plan's temporary file outlived the run: %v (%v)", left, err)
	}
}

// Acceptance (issue 12, 4): a PostHog change between review and merge
// refuses the merge, comments on the pull request and fails the job.
func TestActionRefusesAReviewedPlanPostHogMovedFrom(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	a := reviewPullRequest(t, h, gh)

	patchHoldoutNamed(t, h, "legacy", `{"filters":[{"rollout_percentage":6}]}`)
	a.asMerge("require")
	res := a.run()
	if !res.failed || res.outputs["exit-code"] != "1" {
		t.Fatalf("merge after a PostHog change: failed=%v exit-code=%q\n%s", res.failed, res.outputs["exit-code"], res.stdout)
	}
	if d := gocmp.Diff([]string{"legacy"}, holdoutNames(h)); d != "" {
		t.Errorf("a refused merge changed PostHog (-want +got):\n%s", d)
	}
	if !strings.Contains(res.summary, "legacy") {
		t.Errorf("the job summary does not name the holdout that moved:\n%s", res.summary)
	}
	var refusal []githubtest.Comment
	for _, c := range gh.Comments(7) {
		if strings.HasPrefix(c.Body, "<!-- hogsync-merge:") {
			refusal = append(refusal, c)
		}
	}
	if len(refusal) != 1 || refusal[0].User != githubtest.ActionsBot || !strings.Contains(refusal[0].Body, "legacy") {
		t.Errorf("refusal comments on the pull request: %+v", refusal)
	}
	if strings.Contains(res.stdout, h.key) || strings.Contains(refusal[0].Body, h.key) {
		t.Error("the key leaked")
	}
}

// Acceptance (issue 12, 4): prefer with no reviewed plan plans afresh,
// with a warning; require refuses.
func TestActionWithoutAReviewedPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode    string
		applied bool
		want    string
	}{
		{"prefer", true, "::warning::"},
		{"require", false, "no pull request was merged as commit"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			gh := newGitHub(t) // a direct push: no pull request, no artifact
			a := newActionRun(t, h, gh)
			writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
			a.asMerge(tc.mode)
			res := a.run()
			if res.failed == tc.applied || !strings.Contains(res.stdout, tc.want) {
				t.Errorf("failed=%v, want %q in:\n%s", res.failed, tc.want, res.stdout)
			}
			if got := len(h.emu.Holdouts(1)) == 1; got != tc.applied {
				t.Errorf("applied=%v, want %v", got, tc.applied)
			}
		})
	}
}

// Acceptance (issue 12, 5): drift opens one issue, a second run with
// other drift updates it, no drift closes it.
func TestActionKeepsOneDriftIssue(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	a := newActionRun(t, h, gh)
	writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
	apply := func() {
		t.Helper()
		a.eventName, a.event = "push", pushEvent
		a.inputs["apply"], a.inputs["comment"], a.inputs["drift-issue"] = "true", "false", "false"
		if res := a.run(); res.failed {
			t.Fatalf("apply failed:\n%s", res.stdout)
		}
	}
	apply()

	nightly := func() actionResult {
		t.Helper()
		a.eventName, a.event = "schedule", `{"schedule":"0 3 * * *"}`
		a.inputs["apply"], a.inputs["drift-issue"] = "false", "true"
		res := a.run()
		if res.failed {
			t.Fatalf("nightly run failed:\n%s", res.stdout)
		}
		return res
	}
	open := func() []githubtest.Issue {
		var out []githubtest.Issue
		for _, is := range gh.Issues() {
			if is.State == "open" {
				out = append(out, is)
			}
		}
		return out
	}

	nightly()
	if n := len(gh.Issues()); n != 0 {
		t.Fatalf("%d issues without drift", n)
	}
	patchHoldoutNamed(t, h, "checkout-q4", `{"filters":[{"rollout_percentage":11}]}`)
	nightly()
	first := open()
	if len(first) != 1 || !strings.Contains(first[0].Body, "checkout-q4") || first[0].User != githubtest.ActionsBot {
		t.Fatalf("after drift: open issues %+v", first)
	}
	nightly()
	if again := open(); len(again) != 1 || again[0].Body != first[0].Body {
		t.Errorf("the same drift changed the issue: %+v", again)
	}
	patchHoldoutNamed(t, h, "checkout-q4", `{"filters":[{"rollout_percentage":12}]}`)
	nightly()
	second := open()
	if len(second) != 1 || second[0].Number != first[0].Number || second[0].Body == first[0].Body {
		t.Errorf("after other drift: open issues %+v", second)
	}
	apply()
	nightly()
	if n := len(open()); n != 0 || len(gh.Issues()) != 1 {
		t.Errorf("after the drift was applied away: %d open of %d", n, len(gh.Issues()))
	}
}

// trimpathShim writes a folder holding a "go" that records its arguments,
// one a line, in argsFile and, with link, runs realGo with them less
// -trimpath; without, it copies builtBinary's binary to the -o path.
func trimpathShim(t *testing.T, realGo, argsFile string, link bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "go-shim")
	script := "#!/usr/bin/env bash\n" +
		"printf '%s\\n' \"$@\" > " + shellQuote(argsFile) + "\n" +
		"args=()\nfor a in \"$@\"; do [ \"$a\" = -trimpath ] || args+=(\"$a\"); done\n" +
		"exec " + shellQuote(realGo) + " \"${args[@]}\"\n"
	if !link {
		script = "#!/usr/bin/env bash\n" +
			"printf '%s\\n' \"$@\" > " + shellQuote(argsFile) + "\n" +
			"out=''\nwhile [ $# -gt 0 ]; do if [ \"$1\" = -o ]; then out=\"$2\"; shift; fi; shift; done\n" +
			"cp " + shellQuote(builtBinary(t)) + " \"$out\"\n"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shellQuote quotes s for bash.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Acceptance (issue 17): the action, run with the defaults action.yml
// declares (no project, host or max-deletes input), obeys hogsync.yaml:
// its host and project are used, and its max_deletes refuses a merge that
// would delete 3 holdouts, naming the line that set the limit.
func TestActionObeysHogsyncYAMLWithItsDefaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	a := newActionRun(t, h, gh)
	delete(a.inputs, "project")
	delete(a.inputs, "host")
	a.inputs["apply"], a.inputs["comment"] = "true", "false"
	for _, n := range []string{"old-a", "old-b", "old-c"} {
		seed(h, n, nil, map[string]any{"rollout_percentage": 1})
	}
	writeWorkspace(t, a.workspace, "hogsync.yaml", "host: "+h.srv.URL+"\nproject: 1\nmax_deletes: 2\n")
	writeWorkspace(t, a.workspace, "checkout.yaml", checkoutYAML)
	res := a.run()
	if !res.failed || res.outputs["exit-code"] != "1" {
		t.Fatalf("a plan deleting 3 with max_deletes: 2 was not refused (exit-code %q):\n%s", res.outputs["exit-code"], res.stdout)
	}
	for _, want := range []string{"the limit is 2, set by holdouts/hogsync.yaml:3:1", "(from holdouts/hogsync.yaml:2:1)", "(from holdouts/hogsync.yaml:1:1)"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	if n := len(h.emu.Holdouts(1)); n != 3 {
		t.Errorf("%d holdouts in PostHog after a refused apply, want the 3 seeded", n)
	}
	// A later step tells the refusal from a plan to apply (issue 20).
	for k, want := range map[string]string{"has-changes": "true", "refused": "true", "to-apply": "0"} {
		if got := res.outputs[k]; got != want {
			t.Errorf("output %s = %q on a refused run, want %q", k, got, want)
		}
	}

	// A limit the workflow sets on purpose outranks hogsync.yaml, and says so.
	a.inputs["max-deletes"] = "5"
	res = a.run()
	if res.failed || res.outputs["summary"] != "Apply complete: 1 created, 0 updated, 3 deleted." {
		t.Fatalf("max-deletes: 5 did not allow 3 deletes (summary %q):\n%s", res.outputs["summary"], res.stdout)
	}
	if res.outputs["refused"] != "false" || res.outputs["to-apply"] != "4" {
		t.Errorf("outputs refused %q, to-apply %q after applying 4 changes, want false and 4", res.outputs["refused"], res.outputs["to-apply"])
	}
}

// Issue 19: a reviewed plan counts only when a pull_request run of the
// plan workflow saved it: --plan-workflow, else the run's own workflow.
func TestActionReviewedPlanMustComeFromThePlanWorkflow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gh := newGitHub(t)
	a := reviewPullRequest(t, h, gh) // saved by githubtest.Workflow's run
	a.asMerge("require")
	a.env["GITHUB_REPOSITORY_ID"] = fmt.Sprint(githubtest.RepoID)
	a.env["GITHUB_WORKFLOW_REF"] = gh.Repo + "/.github/workflows/apply.yml@refs/heads/main"
	res := a.run()
	if !res.failed || len(h.emu.Holdouts(1)) != 1 || !strings.Contains(res.stdout, "workflow") {
		t.Fatalf("a plan saved by another workflow was applied, or refused for another reason:\n%s", res.stdout)
	}
	a.inputs["args"] = "--plan-workflow " + githubtest.Workflow
	if res := a.run(); res.failed {
		t.Fatalf("the plan saved by --plan-workflow was refused:\n%s", res.stdout)
	}
	if d := gocmp.Diff([]string{"checkout-q4"}, holdoutNames(h)); d != "" {
		t.Errorf("holdouts after the merge (-want +got):\n%s", d)
	}
}

// Issue 17: one Action step over a repository of units (us/ and eu/, one
// hogsync.yaml each) plans both, keeps one comment per unit, and applies
// both on merge.
func TestActionRunsEveryUnit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.emu.AddProject(2)
	gh := newGitHub(t)
	a := newActionRun(t, h, gh)
	delete(a.inputs, "project")
	delete(a.inputs, "host")
	writeWorkspace(t, a.workspace, "us/hogsync.yaml", "host: "+h.srv.URL+"\nproject: 1\n")
	writeWorkspace(t, a.workspace, "eu/hogsync.yaml", "host: "+h.srv.URL+"\nproject: 2\n")
	writeWorkspace(t, a.workspace, "us/checkout.yaml", checkoutYAML)
	writeWorkspace(t, a.workspace, "eu/checkout.yaml", checkoutYAML)
	res := a.run()
	if res.failed || res.outputs["has-changes"] != "true" {
		t.Fatalf("plan over two units: failed=%v outputs=%v\n%s", res.failed, res.outputs, res.stdout)
	}
	if s := res.outputs["summary"]; !strings.Contains(s, "holdouts/eu: Plan: 1 to create") || !strings.Contains(s, "holdouts/us: Plan: 1 to create") {
		t.Errorf("summary output = %q", s)
	}
	if res.outputs["to-apply"] != "2" || res.outputs["refused"] != "false" {
		t.Errorf("outputs to-apply %q, refused %q over two units of one create each, want 2 and false", res.outputs["to-apply"], res.outputs["refused"])
	}
	if bodies := commentBodies(gh); len(bodies) != 2 {
		t.Errorf("%d comments, want one per unit:\n%q", len(bodies), bodies)
	}
	a.inputs["apply"], a.inputs["comment"] = "true", "false"
	a.eventName = "push"
	if res := a.run(); res.failed {
		t.Fatalf("apply over two units failed:\n%s", res.stdout)
	}
	if len(h.emu.Holdouts(1)) != 1 || len(h.emu.Holdouts(2)) != 1 {
		t.Errorf("holdouts after apply: us %d, eu %d; want 1 each", len(h.emu.Holdouts(1)), len(h.emu.Holdouts(2)))
	}
}
