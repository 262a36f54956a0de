package sync

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

func savedFrom(t *testing.T, p Plan, meta Meta) SavedPlan {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderJSON(&buf, p, meta, nil); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSavedPlan(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A stale saved plan says what moved: which field of which holdout, in
// PostHog or in a manifest, with both values; which experiment's status
// changed; which planned name PostHog now holds.
func TestSavedPlanStale(t *testing.T) {
	meta := Meta{Host: "https://us.posthog.com", Project: "1", Prune: true}
	saved := savedFrom(t, samplePlan(t), meta)
	type inputs struct {
		manifests []manifest.Holdout
		remotes   []client.Holdout
		exps      []client.Experiment
	}
	edit := func(f func(*inputs)) Plan {
		var in inputs
		in.manifests, in.remotes, in.exps = sampleInputs()
		f(&in)
		p, err := Compute(in.manifests, in.remotes, in.exps, Options{Prune: true, Force: true})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		now  Plan
		meta Meta
		want []string
	}{
		{"nothing moved", samplePlan(t), meta, nil},
		{
			"a percentage edited in PostHog", edit(func(in *inputs) { in.remotes[0].Filters[0]["rollout_percentage"] = json.Number("15.0") }), meta,
			[]string{`holdout "pricing" (id 2): filters[0].rollout_percentage is 15 in PostHog, the plan saw 10`},
		},
		{
			"a description edited in PostHog", edit(func(in *inputs) { in.remotes[0].Description = str("by hand") }), meta,
			[]string{`holdout "pricing" (id 2): description is "by hand" in PostHog, the plan saw "Pricing page holdout"`},
		},
		{
			"properties added in PostHog", edit(func(in *inputs) {
				in.remotes[2].Filters[0]["properties"] = []any{map[string]any{"key": "k", "value": "v"}}
			}), meta,
			[]string{`holdout "search-v2" (id 4): filters[0].properties is [{"key":"k","value":"v"}] in PostHog, the plan saw absent`},
		},
		{
			"a manifest edited since", edit(func(in *inputs) { in.manifests[1].Filters[0].RolloutPercentage = 25 }), meta,
			[]string{`holdout "pricing" (id 2): the manifest (m/pricing.yaml:1:7) was edited since: filters[0].rollout_percentage is 25 now, the plan saw 20`},
		},
		{
			"an experiment launched since", edit(func(in *inputs) { in.exps[1].StartDate = str("2026-12-01T00:00:00Z") }), meta,
			[]string{`experiment "annual-plan-banner" (id 8) is now running, the plan saw draft`},
		},
		{
			"an experiment archived and one added", edit(func(in *inputs) {
				in.exps[0].Archived = true
				in.exps = append(in.exps, client.Experiment{ID: 20, Name: "late", Status: "paused", Holdout: &client.ExperimentHoldout{ID: 4}})
			}), meta,
			[]string{
				`experiment "late" (id 20, paused) now uses holdout "search-v2" (id 4), the plan did not show it`,
				`experiment "new-pricing-page" (id 7) is now archived`,
			},
		},
		{
			"a planned name taken in PostHog", edit(func(in *inputs) { in.remotes = append(in.remotes, remote(50, "checkout-q4", "1")) }), meta,
			[]string{
				`holdout "checkout-q4": PostHog now has a holdout with this name (id 50), so the planned create no longer applies`,
				`the plan made now also would update holdout "checkout-q4" (id 50), which the saved plan does not show`,
			},
		},
		{
			"a planned name taken twice", edit(func(in *inputs) {
				in.remotes = append(in.remotes, remote(50, "checkout-q4", "1"), remote(51, "checkout-q4", "1"))
			}), meta,
			[]string{`holdout "checkout-q4": PostHog now has 2 holdouts this manifest could mean (ids 50, 51), so the planned create no longer applies`},
		},
		{
			"a holdout to delete is gone", edit(func(in *inputs) {
				in.remotes = slices.DeleteFunc(in.remotes, func(h client.Holdout) bool { return h.ID == 3 })
			}), meta,
			[]string{`no longer needed or no longer possible: delete holdout "legacy" (id 3)`},
		},
		{
			"another project", samplePlan(t), Meta{Host: meta.Host, Project: "2"},
			[]string{"the plan was made for project 1 at https://us.posthog.com, not project 2 at https://us.posthog.com"},
		},
		{
			"another host", samplePlan(t), Meta{Host: "https://eu.posthog.com", Project: meta.Project, Prune: meta.Prune},
			[]string{"the plan was made for project 1 at https://us.posthog.com, not project 1 at https://eu.posthog.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, saved.Stale(tt.now, tt.meta)); d != "" {
				t.Errorf("stale (-want +got):\n%s", d)
			}
		})
	}
}

// A plan written before fingerprints were stored still compares by its
// two sides and experiments.
func TestSavedPlanWithoutFingerprints(t *testing.T) {
	meta := Meta{Host: "h", Project: "1"}
	var buf bytes.Buffer
	if err := RenderJSON(&buf, samplePlan(t), meta, nil); err != nil {
		t.Fatal(err)
	}
	old := regexp.MustCompile(`(?m),\n\s*"fingerprint": "[^"]*"`).ReplaceAllString(buf.String(), "")
	if strings.Contains(old, "fingerprint") {
		t.Fatal("fingerprints left in")
	}
	s, err := ReadSavedPlan(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	if d := s.Stale(samplePlan(t), meta); len(d) != 0 {
		t.Errorf("stale: %v", d)
	}
	if d := s.Stale(blockedPlan(t), meta); len(d) != 0 {
		t.Errorf("blocking is not what a fingerprint covers: %v", d)
	}
}

// The fingerprint Compute stores is the one a plan read back from JSON
// gives, and saved plans are byte-stable: the same inputs, listed in any
// order, give the same file.
func TestSavedPlanByteStable(t *testing.T) {
	render := func(seed uint64) []byte {
		manifests, remotes, exps := sampleInputs()
		r := rand.New(rand.NewPCG(seed, seed))
		r.Shuffle(len(remotes), func(i, j int) { remotes[i], remotes[j] = remotes[j], remotes[i] })
		r.Shuffle(len(exps), func(i, j int) { exps[i], exps[j] = exps[j], exps[i] })
		p, err := Compute(manifests, remotes, exps, Options{Prune: true})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := RenderJSON(&buf, p, sampleMeta, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	first := render(1)
	for seed := uint64(2); seed <= 20; seed++ {
		if d := cmp.Diff(string(first), string(render(seed))); d != "" {
			t.Fatalf("seed %d renders differently (-first +now):\n%s", seed, d)
		}
	}
	s, err := ReadSavedPlan(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range s.Changes {
		if c.Fingerprint == "" || c.Fingerprint != fingerprint(c.Before, c.After, c.Experiments) {
			t.Errorf("change %d: stored fingerprint %q is not the one its fields give", i, c.Fingerprint)
		}
	}
}

func TestSavedPlanNumbersCompareByValue(t *testing.T) {
	p, err := Compute([]manifest.Holdout{desired("a", 10)}, []client.Holdout{remote(1, "a", "5.50")}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	meta := Meta{Host: "h", Project: "1"}
	if d := savedFrom(t, p, meta).Stale(p, meta); len(d) != 0 {
		t.Errorf("stale after a JSON round trip: %v", d)
	}
}

func TestReadSavedPlanRefusesOtherVersions(t *testing.T) {
	if _, err := ReadSavedPlan(strings.NewReader(`{"format_version":"2"}`)); err == nil || !strings.Contains(err.Error(), `format_version "2"`) {
		t.Errorf("err = %v", err)
	}
	if _, err := ReadSavedPlan(strings.NewReader(`nope`)); err == nil {
		t.Error("garbage accepted")
	}
}

// A new experiment using the holdout changes what the change does to
// experiments: the saved plan, which did not show it, is stale.
func TestSavedPlanStaleWhenExperimentsChange(t *testing.T) {
	meta := Meta{Host: "h", Project: "1"}
	p, err := Compute([]manifest.Holdout{desired("a", 20)}, []client.Holdout{remote(1, "a", "10")}, []client.Experiment{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	saved := savedFrom(t, p, meta)
	now, err := Compute([]manifest.Holdout{desired("a", 20)}, []client.Holdout{remote(1, "a", "10")},
		[]client.Experiment{{ID: 9, Name: "new-one", Holdout: &client.ExperimentHoldout{ID: 1}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := saved.Stale(now, meta); len(d) != 1 || d[0] != `experiment "new-one" (id 9, draft) now uses holdout "a" (id 1), the plan did not show it` {
		t.Errorf("stale = %v", d)
	}
}

// A saved plan whose fields were edited after it was written, under the
// fingerprint hogsync wrote for the original fields, is refused when it is
// read: the fingerprint must not vouch for fields it was not made from.
func TestReadSavedPlanRefusesEditedFields(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderJSON(&buf, samplePlan(t), sampleMeta, nil); err != nil {
		t.Fatal(err)
	}
	orig := buf.String()
	// The "after" of the update of "pricing" (id 2) holds 20.
	afterPricing := regexp.MustCompile(`("after": \{\s*"name": "pricing",[^\]]*"rollout_percentage": )20`)
	tests := []struct {
		name, edit string
		wantErr    string // "" when the file must be accepted
	}{
		{"as written", orig, ""},
		{
			"rollout_percentage 99 under the original fingerprint", afterPricing.ReplaceAllString(orig, "${1}99"),
			`change 3 (update holdout "pricing" (id 2)) does not match its fingerprint: the file was edited after hogsync wrote it; make a fresh plan`,
		},
		{
			"an experiment's status edited", strings.Replace(orig, `"status": "running"`, `"status": "stopped"`, 1),
			`change 3 (update holdout "pricing" (id 2)) does not match its fingerprint`,
		},
		{
			"the fingerprint removed: compared by fields", regexp.MustCompile(`(?m),\n\s*"fingerprint": "[^"]*"`).ReplaceAllString(afterPricing.ReplaceAllString(orig, "${1}99"), ""),
			"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.edit == orig && tt.name != "as written" {
				t.Fatal("the edit changed nothing")
			}
			_, err := ReadSavedPlan(strings.NewReader(tt.edit))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want it to hold %q", err, tt.wantErr)
			}
		})
	}
}

// A file whose fingerprint was removed is compared by its fields, so the
// doctored percentage makes it stale rather than trusted.
func TestSavedPlanWithoutFingerprintIsComparedByFields(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderJSON(&buf, samplePlan(t), sampleMeta, nil); err != nil {
		t.Fatal(err)
	}
	doctored := regexp.MustCompile(`("after": \{\s*"name": "pricing",[^\]]*"rollout_percentage": )20`).ReplaceAllString(buf.String(), "${1}99")
	doctored = regexp.MustCompile(`(?m),\n\s*"fingerprint": "[^"]*"`).ReplaceAllString(doctored, "")
	s, err := ReadSavedPlan(strings.NewReader(doctored))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`holdout "pricing" (id 2): the manifest (m/pricing.yaml:1:7) was edited since: filters[0].rollout_percentage is 20 now, the plan saw 99`}
	if d := cmp.Diff(want, s.Stale(samplePlan(t), sampleMeta)); d != "" {
		t.Errorf("stale (-want +got):\n%s", d)
	}
}

// A saved plan goes through the caller's redactor on its way to the file:
// a secret in a field (an API key pasted into a description) is written
// as RedactedMark, so those fields no longer give the fingerprint. Such a
// plan is still applied when the plan made now has the same fingerprint
// and the same fields wherever the file shows no mark; a mark does not
// excuse any other edit.
func TestSavedPlanRedactedFields(t *testing.T) {
	const secret = "phx_0123456789abcdefghijKLMN"
	inputs := func() ([]manifest.Holdout, []client.Holdout, []client.Experiment) {
		return []manifest.Holdout{desired("a", 20, withDescription("the key: "+secret+" (oops)")), desired("b", 5)},
			[]client.Holdout{remote(1, "a", "10"), remote(2, "b", "1")},
			[]client.Experiment{{ID: 9, Name: "exp", Holdout: &client.ExperimentHoldout{ID: 1}}}
	}
	m, r, e := inputs()
	now, err := Compute(m, r, e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := RenderJSON(&buf, now, sampleMeta, nil); err != nil {
		t.Fatal(err)
	}
	redacted := strings.ReplaceAll(buf.String(), secret, RedactedMark)
	if redacted == buf.String() {
		t.Fatal("the secret is not in the plan")
	}
	tests := []struct {
		name, file string
		stale      bool
	}{
		{"as redacted", redacted, false},
		{"a percentage edited beside the mark", strings.Replace(redacted, `"rollout_percentage": 20`, `"rollout_percentage": 99`, 1), true},
		{"another description edited to hold a mark", strings.Replace(redacted, `"description": "",`, `"description": "`+RedactedMark+`",`, 1), true},
		{"a mark standing for more than the secret", strings.Replace(redacted, RedactedMark+" (oops)", RedactedMark, 1), true},
		{"an experiment renamed, a mark in its name", strings.Replace(redacted, `"name": "exp"`, `"name": "`+RedactedMark+`"`, 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file == redacted && tt.name != "as redacted" {
				t.Fatal("the edit changed nothing")
			}
			s, err := ReadSavedPlan(strings.NewReader(tt.file))
			if err != nil {
				t.Fatalf("refused on reading: %v", err)
			}
			diffs := s.Stale(now, sampleMeta)
			if got := len(diffs) > 0; got != tt.stale {
				t.Errorf("stale = %v, want %v: %q", got, tt.stale, diffs)
			}
			for _, d := range diffs {
				if strings.Contains(d, secret) {
					t.Errorf("a stale line shows the secret: %s", d)
				}
			}
		})
	}
}
