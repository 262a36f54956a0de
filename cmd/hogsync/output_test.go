package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSyncOutputJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("checkout.yaml", checkoutYAML)
	legacy := seed(h, "legacy", nil, map[string]any{"rollout_percentage": 3})
	planOut := filepath.Join(t.TempDir(), "plan.json")

	r := h.sync("--output", "json", "--prune", "--plan-out", planOut).must(t, exitOK)
	var doc struct {
		FormatVersion string `json:"format_version"`
		Project       string `json:"project"`
		Changes       []struct {
			Action string `json:"action"`
			Name   string `json:"name"`
			ID     *int64 `json:"id"`
		} `json:"changes"`
		Summary struct {
			Create, Delete int
			HasChanges     bool `json:"has_changes"`
		} `json:"summary"`
		Results []any `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, r.stdout)
	}
	if doc.FormatVersion != "1" || doc.Project != "1" || len(doc.Changes) != 2 || !doc.Summary.HasChanges || doc.Results != nil {
		t.Errorf("plan document: %+v", doc)
	}
	if doc.Changes[1].Action != "delete" || doc.Changes[1].ID == nil || *doc.Changes[1].ID != legacy.ID {
		t.Errorf("delete change: %+v", doc.Changes[1])
	}
	saved, err := os.ReadFile(planOut)
	if err != nil || string(saved) != r.stdout {
		t.Errorf("--plan-out differs from stdout (%v)", err)
	}

	ap := h.sync("--output", "json", "--prune", "--apply").must(t, exitOK)
	var applied struct {
		Results []struct {
			Action, Name, Status string
			ID                   *int64 `json:"id"`
		} `json:"results"`
		ApplySummary struct{ Done, Failed int } `json:"apply_summary"`
	}
	if err := json.Unmarshal([]byte(ap.stdout), &applied); err != nil {
		t.Fatalf("apply stdout is not one JSON document: %v\n%s", err, ap.stdout)
	}
	if len(applied.Results) != 2 || applied.ApplySummary.Done != 2 || applied.Results[0].ID == nil {
		t.Errorf("apply document: %+v", applied)
	}
}

func TestSyncOutputMarkdown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("checkout.yaml", checkoutYAML)
	r := h.sync("--output", "markdown").must(t, exitOK)
	for _, want := range []string{"### hogsync plan for project <code>1</code>", "| 1 | 0 | 0 | 0 | 0 |", "```diff\n+name: checkout-q4", "**Plan: 1 to create, 0 to update, 0 to delete.**"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("markdown lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "<!--") {
		t.Error("a marker outside GitHub Actions")
	}
}

func TestCommentOutsideGitHubActionsWarns(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("checkout.yaml", checkoutYAML)
	h.sync("--comment").must(t, exitOK).contains(t, "--comment works only on GitHub Actions")
}

// On GitHub Actions, manifest problems become annotations on the lines.
func TestAnnotationsOnGitHubActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env["GITHUB_ACTIONS"] = "true"
	h.write("bad.yaml", "name: bad\nfilters:\n  - rollout_percentage: 150\n")
	r := h.run("validate", h.dir).must(t, exitFailure)
	want := "::error file=" + h.dir + "/bad.yaml,line=3,col=25::rollout_percentage is 150; it must be between 0 and 100 (the share of users excluded)\n"
	if r.stdout != want {
		t.Errorf("stdout = %q\nwant     %q", r.stdout, want)
	}
}

// On GitHub Actions, --output json keeps stdout one JSON document: workflow
// commands (here a warning that the comment could not be posted) go to
// stderr.
func TestJSONOutputStaysJSONOnGitHubActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env["GITHUB_ACTIONS"] = "true"
	h.write("checkout.yaml", checkoutYAML)
	r := h.sync("--output", "json", "--comment").must(t, exitOK)
	if !json.Valid([]byte(r.stdout)) {
		t.Errorf("stdout is not JSON:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "::warning::hogsync: pull request comment: GITHUB_EVENT_PATH is not set") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// githubFiles points the harness at fresh GITHUB_STEP_SUMMARY and
// GITHUB_OUTPUT files, as on Actions.
func githubFiles(t *testing.T, h *harness) (summary, outputs string) {
	t.Helper()
	dir := t.TempDir()
	summary, outputs = filepath.Join(dir, "summary.md"), filepath.Join(dir, "outputs")
	h.env["GITHUB_ACTIONS"] = "true"
	h.env["GITHUB_STEP_SUMMARY"] = summary
	h.env["GITHUB_OUTPUT"] = outputs
	return summary, outputs
}

// A --max-deletes refusal reaches the job summary and the outputs, not
// only the log.
func TestRefusalIsPublished(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	summary, outputs := githubFiles(t, h)
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
	seed(h, "gone", nil, map[string]any{"rollout_percentage": 1})
	h.sync("--prune", "--max-deletes", "0").must(t, exitFailure)
	md, _ := os.ReadFile(summary)
	if !strings.Contains(string(md), "**Refused: nothing will be changed.**") {
		t.Errorf("summary:\n%s", md)
	}
	if got := readOutputs(t, outputs)["summary"]; !strings.HasPrefix(got, "Refused: refusing a plan that deletes 1 holdout: the limit is 0, set by --max-deletes") {
		t.Errorf("summary output = %q", got)
	}
}

// A --plan-out or --id-map path that cannot be written fails the run
// before anything is sent that writes: nothing is applied, and the job
// summary says why no plan was made.
func TestUnwritableOutputFileAppliesNothing(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--plan-out", "--id-map"} {
		t.Run(flag, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			summary, outputs := githubFiles(t, h)
			h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
			h.sync("--apply", flag, filepath.Join(t.TempDir(), "missing", "file.json")).must(t, exitUsage).
				contains(t, flag+" ", "cannot write there", "nothing was sent to PostHog")
			if got := h.state(); len(got) != 0 {
				t.Errorf("holdouts were created: %v", got)
			}
			// Not only is nothing left in PostHog: no POST, PATCH or
			// DELETE was sent at all (one that failed or was undone
			// would leave the state empty too).
			accNothingWritten(t, h)
			md, _ := os.ReadFile(summary)
			if !strings.Contains(string(md), "No plan could be made") {
				t.Errorf("summary:\n%s", md)
			}
			if out := readOutputs(t, outputs); !strings.HasPrefix(out["summary"], "No plan: "+flag) {
				t.Errorf("outputs = %v", out)
			}
		})
	}
}
