package sync

import (
	"github.com/hogsync/hogsync/internal/escape/runnertest"

	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/canon"
	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/manifest"
)

// samplePlan has one of everything a text plan can show. It is computed
// with Force, so the running experiment's holdout is not blocked; see
// blockedPlan.
func samplePlan(t *testing.T) Plan { return samplePlanWith(t, Options{Prune: true, Force: true}) }

// blockedPlan is samplePlan without Force: the update of "pricing", which
// a running experiment uses, is blocked.
func blockedPlan(t *testing.T) Plan { return samplePlanWith(t, Options{Prune: true}) }

func samplePlanWith(t *testing.T, opts Options) Plan {
	t.Helper()
	manifests, remotes, exps := sampleInputs()
	p, err := Compute(manifests, remotes, exps, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sourcedMeta says where a plan was made, and where that came from.
var sourcedMeta = Meta{Version: "v0.0.0-test", Host: "https://us.posthog.com", Project: "12345", HostSource: "hogsync.yaml", ProjectSource: "--project", Prune: true}

// partialPlan is samplePlan limited by targets, with a protected holdout.
func partialPlan(t *testing.T) Plan {
	t.Helper()
	manifests, remotes, exps := sampleInputs()
	remotes = append(remotes, remote(11, "manual-keep", "1"), remote(12, "manual-other", "1"))
	p, err := Compute(manifests, remotes, exps, Options{Prune: true, Force: true, Targets: []string{"manual-*", "pricing", "name=search"}, Protect: []string{"manual-k*"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sampleInputs() ([]manifest.Holdout, []client.Holdout, []client.Experiment) {
	country := map[string]any{"key": "country", "type": "person", "operator": "exact", "value": []any{"US", "CA"}}
	manifests := []manifest.Holdout{
		desired("checkout-q4", 10, withDescription("Held out of checkout tests in Q4"), withProperties(country)),
		desired("pricing", 20, withDescription("Pricing page holdout")),
		desired("search-v2", 5.5, withPrevious("search")),
		desired("dup", 10),
	}
	remotes := []client.Holdout{
		func() client.Holdout {
			r := remote(2, "pricing", "10")
			r.Description = str("Pricing page holdout")
			return r
		}(),
		remote(3, "legacy", "15", map[string]any{"properties": []any{map[string]any{"key": "email", "type": "person", "operator": "icontains", "value": "@example.com"}}}),
		remote(4, "search", "5.5"),
		remote(5, "dup", "10"),
		remote(6, "dup", "10"),
	}
	exps := []client.Experiment{
		{ID: 7, Name: "new-pricing-page", StartDate: str("2026-11-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 2}},
		{ID: 8, Name: "annual-plan-banner", Holdout: &client.ExperimentHoldout{ID: 2}},
		{ID: 10, Name: "pricing-2025", Status: "stopped", Archived: true, Holdout: &client.ExperimentHoldout{ID: 2}},
		{ID: 9, Name: "legacy-signup", StartDate: str("2026-01-01T00:00:00Z"), EndDate: str("2026-03-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 3}},
	}
	return manifests, remotes, exps
}

func TestRenderTextGolden(t *testing.T) {
	unmanaged, err := Compute([]manifest.Holdout{desired("a", 10)}, []client.Holdout{remote(1, "a", "10"), remote(2, "manual", "3")}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		golden string
		plan   Plan
		opts   TextOptions
	}{
		{"plan.golden", samplePlan(t), TextOptions{}},
		{"plan-color.golden", samplePlan(t), TextOptions{Color: true}},
		{"no-changes.golden", Plan{BlastRadiusKnown: true}, TextOptions{}},
		{"plan-blocked.golden", blockedPlan(t), TextOptions{}},
		{"unmanaged-unknown-blast-radius.golden", unmanaged, TextOptions{}},
		{"plan-partial-protected.golden", partialPlan(t), TextOptions{Meta: &sourcedMeta}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderText(&buf, tt.plan, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, buf.Bytes())
		})
	}
}

// The same inputs give the same bytes, whatever order PostHog lists
// holdouts and experiments in.
func TestRenderTextDeterministic(t *testing.T) {
	var want bytes.Buffer
	if err := RenderText(&want, samplePlan(t), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 50; seed++ {
		manifests, remotes, exps := sampleInputs()
		r := rand.New(rand.NewPCG(seed, seed))
		r.Shuffle(len(remotes), func(i, j int) { remotes[i], remotes[j] = remotes[j], remotes[i] })
		r.Shuffle(len(exps), func(i, j int) { exps[i], exps[j] = exps[j], exps[i] })
		p, err := Compute(manifests, remotes, exps, Options{Prune: true, Force: true})
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := RenderText(&got, p, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want.String(), got.String()); d != "" {
			t.Fatalf("shuffle %d renders differently (-first +shuffled):\n%s", seed, d)
		}
	}
}

func TestCanonicalYAML(t *testing.T) {
	s := State{
		Name:        "10",
		Description: "two\nlines",
		Filters: []map[string]any{canon.Group(map[string]any{
			"zeta": true, "rollout_percentage": 10.0, "aggregation_group_type_index": 0,
			"properties": []any{map[string]any{"value": []any{"true", 1.5}, "operator": "exact", "key": "k", "type": "person", "extra": nil}},
		})},
	}
	want := `name: "10"
description: |-
  two
  lines
filters:
  - rollout_percentage: 10
    properties:
      - key: k
        type: person
        operator: exact
        value: ["true", 1.5]
    aggregation_group_type_index: 0
    zeta: true
`
	if d := cmp.Diff(want, CanonicalYAML(s)); d != "" {
		t.Errorf("CanonicalYAML (-want +got):\n%s", d)
	}
}

// Rollout percentages are annotated for people: the first group's is the
// share excluded, later groups' are not evaluated. Only filter groups'
// rollout_percentage lines are: not a description line that looks like
// one, not a property key of that name, nor a note.
func TestAnnotate(t *testing.T) {
	in := []Line{
		{' ', "name: a"},
		{' ', "description: |-"},
		{' ', "  - rollout_percentage: 7"},
		{' ', "filters:"},
		{'-', "  - rollout_percentage: 10"},
		{'+', "  - rollout_percentage: 20"},
		{' ', "    properties:"},
		{' ', "      - rollout_percentage: 3"},
		{' ', "  - rollout_percentage: 5.5"},
		{'#', "  - rollout_percentage: 1"},
		{'+', "  - rollout_percentage: 1e2"},
		{'+', "  - rollout_percentage: x"},
	}
	want := []string{
		"name: a",
		"description: |-",
		"  - rollout_percentage: 7",
		"filters:",
		"  - rollout_percentage: 10  # 10% of users excluded",
		"  - rollout_percentage: 20  # 20% of users excluded",
		"    properties:",
		"      - rollout_percentage: 3",
		"  - rollout_percentage: 5.5  # not evaluated by current PostHog: only the first group's percentage counts",
		"  - rollout_percentage: 1",
		"  - rollout_percentage: 1e2  # not evaluated by current PostHog: only the first group's percentage counts",
		"  - rollout_percentage: x",
	}
	var got []string
	for _, l := range annotate(in) {
		got = append(got, l.Text)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("annotate (-want +got):\n%s", d)
	}
	if in[4].Text != "  - rollout_percentage: 10" {
		t.Error("annotate changed its input")
	}
	// CanonicalYAML, which exports and comparisons use, never carries it.
	if y := CanonicalYAML(*samplePlan(t).Changes[0].After); strings.Contains(y, "excluded") {
		t.Errorf("CanonicalYAML holds the annotation:\n%s", y)
	}
}

// hostilePlan holds, in every place text from a manifest, a file name or
// PostHog can reach a plan, control characters, bidi overrides, C1
// controls and lines that would be GitHub workflow commands.
func hostilePlan(t *testing.T) Plan {
	t.Helper()
	evil := "a\x1b[31m\x07\u202e\u0085\u009b\u2028b"
	ms := []manifest.Holdout{
		func() manifest.Holdout {
			h := desired("new-"+evil, 10, withDescription("first\n::warning::x\n  ::add-mask::k\n\u3000::error title=Deploy key expired::re-authenticate at https://evil.example\n:\u200d:notice::z #\u00ad#[add-mask]m\n"+evil),
				withProperties(map[string]any{"key": "k\n::error::k", "type": "person", "operator": "exact", "value": []any{evil, "\n::stop-commands::t"}}))
			h.Pos.File = "m/\n::warning file=x::\u202eevil.yaml"
			return h
		}(),
		desired("kept", 20, withDescription("line\n::notice::n")),
		func() manifest.Holdout {
			h := desired("\u3000::warning::w", 3)
			h.Pos.File = "\u3000::warning::x.yaml"
			return h
		}(),
		func() manifest.Holdout {
			h := desired("dup", 1, withPrevious("dup-old"))
			h.Pos.File = "m/\x1b[2Jdup\n::error::d.yaml"
			return h
		}(),
	}
	kept := remote(2, "kept", "10")
	kept.Description = str("old\n::notice::n")
	rs := []client.Holdout{kept, remote(3, "gone-"+evil+"\n::warning::r", "1"), remote(4, evil, "1"), remote(6, "dup", "1"), remote(7, "dup-old", "1")}
	exps := []client.Experiment{{ID: 5, Name: "exp\n::warning::e" + evil, Status: "weird\n::error::s\u202e", Holdout: &client.ExperimentHoldout{ID: 2}}}
	p, err := Compute(ms, rs, exps, Options{Prune: true, Protect: []string{"a*"}, ExperimentsUnreadable: "\n::warning::why"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// No line of a text plan or an apply result can be read as a workflow
// command, and none holds a control character, a bidi override or a C1
// control: text from manifests, file names and PostHog is escaped.
func TestRenderTextHostileText(t *testing.T) {
	t.Parallel()
	p := hostilePlan(t)
	var plan bytes.Buffer
	meta := Meta{Host: "https://h\n::warning::h", Project: "1\x1b]0;x\x07", HostSource: "\u202eenv", ProjectSource: "--project"}
	if err := RenderText(&plan, p, TextOptions{Meta: &meta}); err != nil {
		t.Fatal(err)
	}
	var results bytes.Buffer
	api := &fakeAPI{errs: map[string]error{"delete 3": errors.New("PostHog said\n::warning::x \x1b[2J\u202e")}}
	forced := slices.Clone(p.Changes)
	for i := range forced {
		if forced[i].Name != "kept" {
			forced[i].Blocker = "" // one blocked result is shown, the others applied
		}
	}
	rep := Apply(context.Background(), api, Plan{Changes: forced}, ApplyOptions{OnResult: func(r Result) {
		if err := RenderResult(&results, r, TextOptions{Hint: func(error) string { return "hint\n::error::h" }}); err != nil {
			t.Error(err)
		}
	}})
	if rep.Count(Failed) == 0 {
		t.Fatalf("the scripted failure did not happen: %v", statuses(rep))
	}
	for name, out := range map[string]string{"plan": plan.String(), "results": results.String()} {
		for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if escape.IsCommand(line) {
				t.Errorf("%s line %d is a workflow command: %q", name, i+1, line)
			}
			if escape.HasUnsafe(line) {
				t.Errorf("%s line %d holds an unsafe character: %q", name, i+1, line)
			}
		}
	}
	if !strings.Contains(plan.String(), `\u202e`) || !strings.Contains(plan.String(), `\x1b`) {
		t.Errorf("the hostile characters are not shown escaped:\n%s", plan.String())
	}
	// The block scalar's lines are inert, not dropped.
	if !strings.Contains(plan.String(), `\x3a:notice::n`) {
		t.Errorf("the description's command-looking line is missing:\n%s", plan.String())
	}
}

// TestRenderersRunnerCommands: the hostile plan (a description with a
// line "\u3000::error …", a manifest named "\u3000::warning::x.yaml",
// ":\u200d:" and "#\u00ad#[") rendered as text, JSON and markdown, with
// apply results, holds no line the GitHub Actions runner (as
// runnertest ports it, every command name registered) takes for a
// workflow command.
func TestRenderersRunnerCommands(t *testing.T) {
	t.Parallel()
	p := hostilePlan(t)
	meta := Meta{Host: "https://h", Project: "1"}
	rep := &Report{Results: []Result{{Change: p.Changes[0], Status: Failed, Err: errors.New("PostHog said\n\u3000::warning::x")}}}
	outs := map[string]*bytes.Buffer{"text": {}, "json": {}, "markdown": {}, "result": {}}
	if err := RenderText(outs["text"], p, TextOptions{Meta: &meta}); err != nil {
		t.Fatal(err)
	}
	if err := RenderJSON(outs["json"], p, meta, rep); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(outs["markdown"], p, meta, rep, MarkdownOptions{Marker: "m"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if err := RenderResult(outs["result"], r, TextOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(outs["text"].String(), "\u3000\\x3a:warning::x.yaml") {
		t.Errorf("the file name is not in the text plan, inert:\n%s", outs["text"])
	}
	for name, out := range outs {
		if cmds := runnertest.Commands(out.String(), runnertest.AnyName); len(cmds) != 0 {
			t.Errorf("%s output holds the workflow commands %+v:\n%s", name, cmds, out)
		}
	}
}

// Headlines quote names so that bidi overrides and C1 controls show as
// escapes, not as themselves.
func TestHeadlineEscapes(t *testing.T) {
	for _, name := range []string{"a\u202eb", "a\u0085b", "a\u009bb", "a\x1bb", "a\u2066b", "a\nb"} {
		for _, c := range []Change{{Action: Create, Name: name}, {Action: Delete, Name: name, ID: 1}, {Action: Update, Name: name, ID: 1, Before: &State{Name: name}, After: &State{Name: "x"}}} {
			if h := Headline(c); escape.HasUnsafe(h) {
				t.Errorf("Headline(%q) = %q", name, h)
			}
		}
	}
}

// Markdown shows the same hostile text escaped too: no control character,
// bidi override or C1 control reaches a comment, in code blocks or out.
func TestRenderMarkdownHostileControls(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	meta := Meta{Host: "https://h", Project: "1\x1b]0;x\x07", ProjectSource: "\u202eenv"}
	rep := &Report{Results: []Result{{Change: hostilePlan(t).Changes[0], Status: Failed, Err: errors.New("boom\x1b[2J\u202e")}}}
	if err := RenderMarkdown(&buf, hostilePlan(t), meta, rep, MarkdownOptions{Marker: "m"}); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(buf.String(), "\n") {
		if escape.HasUnsafe(line) || escape.IsCommand(line) {
			t.Errorf("line %d: %q", i+1, line)
		}
	}
}
