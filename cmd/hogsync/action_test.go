package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/hogsync/hogsync/ghactions/githubtest"
)

// This file runs action.yml's steps the way GitHub's runner does, on this
// machine: each run: script through bash with the step's env (expressions
// evaluated), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH and
// GITHUB_EVENT_PATH files, against the PostHog emulator and a fake GitHub
// API on loopback. Steps that use other actions (setup-go) are skipped:
// Go is already here.

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
	Uses  string            `yaml:"uses"`
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
	githubAPI string
	token     string
}

type actionResult struct {
	outputs map[string]string // the action's outputs
	summary string            // GITHUB_STEP_SUMMARY
	stdout  string
	failed  bool // a step exited non-zero
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
	var eval func(string) string
	eval = func(s string) string {
		return exprRE.ReplaceAllStringFunc(s, func(m string) string {
			expr := exprRE.FindStringSubmatch(m)[1]
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
				return eval(in.Default)
			case expr == "github.action_path":
				return a.repo
			case expr == "github.token":
				return a.token
			case strings.HasPrefix(expr, "steps."):
				parts := strings.SplitN(expr, ".", 4) // steps.ID.outputs.NAME
				if len(parts) != 4 || parts[2] != "outputs" {
					t.Fatalf("unsupported expression %q", expr)
				}
				return stepOutputs[parts[1]][parts[3]]
			}
			t.Fatalf("unsupported expression %q", expr)
			return ""
		})
	}

	res := actionResult{outputs: map[string]string{}}
	var extraPath []string
	for i, st := range spec.Runs.Steps {
		if st.Uses != "" {
			if !strings.HasPrefix(st.Uses, "actions/setup-go@") {
				t.Fatalf("step %d uses %s, which this test cannot stand in for", i, st.Uses)
			}
			continue
		}
		if strings.Contains(st.Run, "${{") {
			t.Fatalf("step %q puts an expression inside run:; pass it through env: instead", st.Name)
		}
		if st.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash", st.Name, st.Shell)
		}
		outPath := filepath.Join(a.temp, fmt.Sprintf("output-%d", i))
		if err := os.WriteFile(outPath, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		script := filepath.Join(a.temp, fmt.Sprintf("step-%d.sh", i))
		if err := os.WriteFile(script, []byte(st.Run), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = a.workspace
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
		for k, v := range map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": a.repo, "GITHUB_WORKSPACE": a.workspace,
			"GITHUB_OUTPUT": outPath, "GITHUB_STEP_SUMMARY": summaryPath, "GITHUB_PATH": pathFile,
			"GITHUB_EVENT_PATH": eventPath, "GITHUB_EVENT_NAME": cmp.Or(a.eventName, "pull_request"),
			"GITHUB_API_URL": a.githubAPI, "GITHUB_REPOSITORY": "o/r", "RUNNER_TEMP": a.temp, "NO_COLOR": "1",
		} {
			env[k] = v
		}
		for k, v := range st.Env {
			env[k] = eval(v)
		}
		if len(extraPath) > 0 {
			env["PATH"] = strings.Join(extraPath, ":") + ":" + env["PATH"]
		}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		res.stdout += string(out)
		if st.ID != "" {
			stepOutputs[st.ID] = readOutputs(t, outPath)
		}
		if b, _ := os.ReadFile(pathFile); len(b) > 0 {
			extraPath = nil
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				extraPath = append([]string{l}, extraPath...)
			}
		}
		if err != nil {
			res.failed = true
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
		inputs:    map[string]string{"project": "1", "host": h.srv.URL, "path": "holdouts", "prune": "true"},
		env:       map[string]string{"POSTHOG_PERSONAL_API_KEY": h.key},
		event:     `{"pull_request":{"number":7}}`,
		githubAPI: gh.URL, token: gh.Token,
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
	if len(bodies) != 1 || !strings.Contains(bodies[0], "1 | 0 | 1") {
		t.Fatalf("comments after the first run: %q", bodies)
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
	if len(bodies) != 1 {
		t.Fatalf("%d comments after the second run, want 1", len(bodies))
	}
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
	if len(bodies) != 1 || !strings.Contains(bodies[0], "No plan could be made") || strings.Contains(bodies[0], "<details>") {
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
	for _, input := range []string{"path", "project", "host", "max-deletes", "apply", "prune", "comment", "version"} {
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
