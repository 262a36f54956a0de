package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

// desired builds a manifest holdout with one filter group.
func desired(name string, pct float64, mods ...func(*manifest.Holdout)) manifest.Holdout {
	h := manifest.Holdout{
		Name:    name,
		Filters: []manifest.FilterGroup{{RolloutPercentage: pct}},
		Pos:     manifest.Pos{File: "m/" + name + ".yaml", Line: 1, Col: 7},
	}
	for _, m := range mods {
		m(&h)
	}
	return h
}

func withDescription(d string) func(*manifest.Holdout) {
	return func(h *manifest.Holdout) { h.Description = d }
}

func withPrevious(names ...string) func(*manifest.Holdout) {
	return func(h *manifest.Holdout) { h.PreviousNames = names }
}

func withProperties(props ...map[string]any) func(*manifest.Holdout) {
	return func(h *manifest.Holdout) { h.Filters[0].Properties = props }
}

// remote builds a holdout as PostHog returns it: variant set, numbers as
// json.Number.
func remote(id int64, name string, pct string, extra ...map[string]any) client.Holdout {
	g := map[string]any{"variant": "holdout-" + strconv.FormatInt(id, 10), "rollout_percentage": json.Number(pct)}
	for _, e := range extra {
		for k, v := range e {
			g[k] = v
		}
	}
	return client.Holdout{ID: id, Name: name, Filters: []map[string]any{g}, UpdatedAt: "2026-11-28T00:00:00Z"}
}

func str(s string) *string { return &s }

func state(name, desc string, groups ...map[string]any) *State {
	return &State{Name: name, Description: desc, Filters: groups}
}

func group(pct string, kv ...any) map[string]any {
	g := map[string]any{"rollout_percentage": json.Number(pct)}
	for i := 0; i+1 < len(kv); i += 2 {
		g[kv[i].(string)] = kv[i+1]
	}
	return g
}

func TestComputeNoDifference(t *testing.T) {
	country := map[string]any{"key": "country", "type": "person", "operator": "exact", "value": []any{"US", "CA"}}
	tests := []struct {
		name    string
		desired manifest.Holdout
		remote  client.Holdout
	}{
		{"variant is ignored", desired("a", 10), remote(1, "a", "10")},
		{"10 equals 10.0", desired("a", 10), remote(1, "a", "10.0")},
		{"fraction", desired("a", 5.5), remote(1, "a", "5.50")},
		{"null description equals absent", desired("a", 10), func() client.Holdout { r := remote(1, "a", "10"); r.Description = nil; return r }()},
		{"empty description equals absent", desired("a", 10), func() client.Holdout { r := remote(1, "a", "10"); r.Description = str(""); return r }()},
		{"surrounding white space of description", desired("a", 10, withDescription("held out\n")), func() client.Holdout { r := remote(1, "a", "10"); r.Description = str("held out"); return r }()},
		{"empty properties equal absent", desired("a", 10), remote(1, "a", "10", map[string]any{"properties": []any{}})},
		{"null keys equal absent", desired("a", 10), remote(1, "a", "10", map[string]any{"aggregation_group_type_index": nil})},
		{
			"property key order and numbers",
			desired("a", 10, withProperties(map[string]any{"key": "age", "type": "person", "operator": "gt", "value": int64(30)})),
			remote(1, "a", "10", map[string]any{"properties": []any{map[string]any{"value": json.Number("30.0"), "operator": "gt", "type": "person", "key": "age"}}}),
		},
		{"list values", desired("a", 10, withProperties(country)), remote(1, "a", "10", map[string]any{"properties": []any{map[string]any{"operator": "exact", "key": "country", "value": []any{"US", "CA"}, "type": "person"}}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute([]manifest.Holdout{tt.desired}, []client.Holdout{tt.remote}, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if p.HasChanges() || len(p.Conflicts) > 0 || len(p.Unmanaged) > 0 {
				t.Errorf("want no changes, got %+v", p)
			}
		})
	}
}

func TestComputeDifferences(t *testing.T) {
	country := map[string]any{"key": "country", "type": "person", "operator": "exact", "value": []any{"US"}}
	tests := []struct {
		name    string
		desired manifest.Holdout
		remote  client.Holdout
		before  *State
		after   *State
	}{
		{
			"percentage", desired("a", 20), remote(1, "a", "10"),
			state("a", "", group("10")), state("a", "", group("20")),
		},
		{
			"description", desired("a", 10, withDescription("new")), func() client.Holdout { r := remote(1, "a", "10"); r.Description = str("old"); return r }(),
			state("a", "old", group("10")), state("a", "new", group("10")),
		},
		{
			"properties added", desired("a", 10, withProperties(country)), remote(1, "a", "10"),
			state("a", "", group("10")), state("a", "", group("10", "properties", []any{map[string]any{"key": "country", "type": "person", "operator": "exact", "value": []any{"US"}}})),
		},
		{
			"unknown remote key is removed", desired("a", 10), remote(1, "a", "10", map[string]any{"foo": "bar"}),
			state("a", "", group("10", "foo", "bar")), state("a", "", group("10")),
		},
		{
			"rename through previous_names keeps the id", desired("b", 10, withPrevious("a")), remote(7, "a", "10"),
			state("a", "", group("10")), state("b", "", group("10")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute([]manifest.Holdout{tt.desired}, []client.Holdout{tt.remote}, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := []Change{{
				Action: Update, Name: tt.desired.Name, ID: tt.remote.ID, Before: tt.before, After: tt.after,
				Source: tt.desired.Pos, RemoteUpdatedAt: tt.remote.UpdatedAt,
			}}
			if d := cmp.Diff(want, p.Changes, ignoreDerived); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
		})
	}
}

// ignoreDerived leaves out of a comparison of changes what Compute derives
// from the two sides; tests of their own check it.
var ignoreDerived = cmp.Options{cmpopts.IgnoreFields(Change{}, "Warnings", "Fingerprint"), cmpopts.IgnoreUnexported(Change{})}

// A manifest whose filters hold more than current PostHog evaluates gets a
// warning on its create or update; one with a single plain group none.
func TestComputeWarnsOfUnevaluatedFilters(t *testing.T) {
	agg := int64(0)
	withGroups := func(h *manifest.Holdout) {
		h.Filters = append(h.Filters, manifest.FilterGroup{RolloutPercentage: 3})
	}
	withAgg := func(h *manifest.Holdout) { h.Filters[0].AggregationGroupTypeIndex = &agg }
	prop := map[string]any{"key": "country", "type": "person", "operator": "exact", "value": "US"}
	tests := []struct {
		name    string
		desired manifest.Holdout
		want    string // "" for no warning
	}{
		{"plain", desired("a", 20), ""},
		{"properties", desired("a", 20, withProperties(prop)), "its filters hold properties, but current PostHog uses only filters[0].rollout_percentage"},
		{"two groups", desired("a", 20, withGroups), "its filters hold 2 filter groups, but"},
		{"aggregation", desired("a", 20, withAgg), "its filters hold aggregation_group_type_index, but"},
		{"all", desired("a", 20, withProperties(prop), withAgg, withGroups), "properties and aggregation_group_type_index and 2 filter groups"},
		{"create", desired("new", 20, withGroups), "stored, not evaluated (older self-hosted PostHog evaluated every group)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute([]manifest.Holdout{tt.desired}, []client.Holdout{remote(1, "a", "10")}, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(p.Changes[0].Warnings, "\n")
			if !strings.Contains(got, tt.want) || (tt.want == "") != (got == "") {
				t.Errorf("warnings = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestComputePlanShape(t *testing.T) {
	exps := []client.Experiment{
		{ID: 30, Name: "pricing-page", StartDate: str("2026-11-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 2}},
		{ID: 31, Name: "old-checkout", StartDate: str("2026-01-01T00:00:00Z"), EndDate: str("2026-02-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 3}},
		{ID: 32, Name: "gone", Deleted: true, Holdout: &client.ExperimentHoldout{ID: 3}},
		{ID: 33, Name: "draft", Holdout: &client.ExperimentHoldout{ID: 4}},
		{ID: 34, Name: "no-holdout"},
	}
	manifests := []manifest.Holdout{
		desired("zeta-new", 10),
		desired("alpha-new", 10),
		desired("pricing", 20),
		desired("renamed", 10, withPrevious("old-name")),
		desired("same", 10),
		desired("dup", 10),
	}
	remotes := []client.Holdout{
		remote(2, "pricing", "10"),
		remote(3, "legacy", "5"),
		remote(4, "other", "5"),
		remote(5, "old-name", "10"),
		remote(6, "same", "10"),
		remote(8, "dup", "10"),
		remote(9, "dup", "15"),
	}
	t.Run("without prune", func(t *testing.T) {
		p, err := Compute(manifests, remotes, exps, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range p.Changes {
			got = append(got, Headline(c))
		}
		want := []string{
			`create holdout "alpha-new"`,
			`create holdout "zeta-new"`,
			`rename holdout "old-name" to "renamed" (id 5)`,
			`update holdout "pricing" (id 2)`,
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("apply order (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]Experiment{{ID: 30, Name: "pricing-page", State: "running"}}, p.Changes[3].Experiments); d != "" {
			t.Errorf("blast radius of pricing (-want +got):\n%s", d)
		}
		wantConflicts := []Conflict{{Name: "dup", IDs: []int64{8, 9}, Names: []string{"dup", "dup"}, Source: manifests[5].Pos}}
		if d := cmp.Diff(wantConflicts, p.Conflicts); d != "" {
			t.Errorf("conflicts (-want +got):\n%s", d)
		}
		wantUnmanaged := []Remote{
			{ID: 3, Name: "legacy", Experiments: []Experiment{{ID: 31, Name: "old-checkout", State: "stopped"}}},
			{ID: 4, Name: "other", Experiments: []Experiment{{ID: 33, Name: "draft", State: "draft"}}},
		}
		if d := cmp.Diff(wantUnmanaged, p.Unmanaged); d != "" {
			t.Errorf("unmanaged (-want +got):\n%s", d)
		}
		if !p.BlastRadiusKnown {
			t.Error("BlastRadiusKnown = false with experiments given")
		}
	})
	t.Run("with prune", func(t *testing.T) {
		p, err := Compute(manifests, remotes, exps, Options{Prune: true})
		if err != nil {
			t.Fatal(err)
		}
		var deletes []int64
		for _, c := range p.Changes {
			if c.Action == Delete {
				deletes = append(deletes, c.ID)
			}
		}
		// The conflicting "dup" holdouts are named by a manifest: never pruned.
		if d := cmp.Diff([]int64{3, 4}, deletes); d != "" {
			t.Errorf("deleted ids (-want +got):\n%s", d)
		}
		if len(p.Unmanaged) != 0 {
			t.Errorf("unmanaged with prune = %v, want none", p.Unmanaged)
		}
		if got := p.Changes[len(p.Changes)-1].Action; got != Delete {
			t.Errorf("last change is %v, want deletes last", got)
		}
		if err := p.CheckMaxDeletes(1); err == nil || !strings.Contains(err.Error(), "deletes 2 holdouts: --max-deletes allows 1") {
			t.Errorf("CheckMaxDeletes(1) = %v", err)
		}
		if err := p.CheckMaxDeletes(2); err != nil {
			t.Errorf("CheckMaxDeletes(2) = %v", err)
		}
		if err := p.CheckMaxDeletes(-1); err != nil {
			t.Errorf("CheckMaxDeletes(-1) = %v", err)
		}
	})
	t.Run("experiments unknown", func(t *testing.T) {
		p, err := Compute(manifests, remotes, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if p.BlastRadiusKnown {
			t.Error("BlastRadiusKnown = true without experiments")
		}
	})
}

func TestComputeConflictNewAndOldNameBothExist(t *testing.T) {
	p, err := Compute(
		[]manifest.Holdout{desired("new", 20, withPrevious("old"))},
		[]client.Holdout{remote(1, "old", "10"), remote(2, "new", "10")},
		nil, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 0 {
		t.Errorf("changes = %v, want none", p.Changes)
	}
	want := []Conflict{{Name: "new", IDs: []int64{1, 2}, Names: []string{"old", "new"}, Source: manifest.Pos{File: "m/new.yaml", Line: 1, Col: 7},
		RenamedID: 2, StaleNames: []string{"old"}}}
	if d := cmp.Diff(want, p.Conflicts); d != "" {
		t.Errorf("conflicts (-want +got):\n%s", d)
	}
}

// A finished rename whose old name reappeared: the advice says the rename
// is done and to drop the stale previous name, naming where it is. Two
// holdouts with the manifest's own name are a plain duplicate.
func TestConflictAdvice(t *testing.T) {
	tests := []struct {
		name    string
		remotes []client.Holdout
		want    []string
		notWant string
	}{
		{
			"old name reappeared", []client.Holdout{remote(1, "old", "10"), remote(2, "new", "10")},
			[]string{`the rename to "new" is done (id 2 has that name)`, `remove "old" from previous_names in m/new.yaml:1:7`}, "keep one",
		},
		{
			"two old names reappeared", []client.Holdout{remote(1, "old", "10"), remote(2, "new", "10"), remote(3, "older", "10")},
			[]string{`the old names "old", "older" were taken again`, `remove "old", "older" from previous_names`, "other holdouts are then left unmanaged"}, "keep one",
		},
		{
			"duplicate names", []client.Holdout{remote(1, "new", "10"), remote(2, "new", "10"), remote(3, "old", "10")},
			[]string{"keep one: rename or delete the others in PostHog"}, "previous_names",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute([]manifest.Holdout{desired("new", 20, withPrevious("old", "older"))}, tt.remotes, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Conflicts) != 1 {
				t.Fatalf("conflicts = %+v, want one", p.Conflicts)
			}
			var buf bytes.Buffer
			if err := RenderText(&buf, p, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("plan lacks %q:\n%s", w, buf.String())
				}
			}
			if strings.Contains(buf.String(), tt.notWant) {
				t.Errorf("plan holds %q:\n%s", tt.notWant, buf.String())
			}
		})
	}
}

func TestComputeRefusesPruneWithoutManifests(t *testing.T) {
	_, err := Compute(nil, []client.Holdout{remote(1, "a", "10")}, nil, Options{Prune: true})
	if !errors.Is(err, ErrPruneEverything) {
		t.Fatalf("err = %v, want ErrPruneEverything", err)
	}
}

func TestComputeTargets(t *testing.T) {
	manifests := []manifest.Holdout{desired("a", 20), desired("b", 20, withPrevious("b-old")), desired("c", 10), desired("a*", 30)}
	remotes := []client.Holdout{remote(1, "a", "10"), remote(2, "b-old", "10"), remote(3, "c", "10"), remote(4, "x", "1"), remote(5, "a*", "30"), remote(6, "ab", "1")}
	tests := []struct {
		targets []string
		want    []string
		wantErr string
	}{
		{targets: []string{"a"}, want: []string{`update holdout "a" (id 1)`}},
		{targets: []string{"b-old"}, want: []string{`rename holdout "b-old" to "b" (id 2)`}},
		{targets: []string{"b"}, want: []string{`rename holdout "b-old" to "b" (id 2)`}},
		{targets: []string{"*-old"}, want: []string{`rename holdout "b-old" to "b" (id 2)`}}, // by previous name
		{targets: []string{"c"}, want: nil},                                                  // unchanged, but a real name
		{targets: []string{"x"}, want: []string{`delete holdout "x" (id 4)`}},
		{targets: []string{"a*"}, want: []string{`update holdout "a" (id 1)`, `delete holdout "ab" (id 6)`}},
		{targets: []string{"name=a*"}, want: nil}, // the manifest named "a*", unchanged
		{targets: []string{`a\*`}, want: nil},     // the same, escaped
		{targets: []string{"?", "name=x"}, want: []string{`rename holdout "b-old" to "b" (id 2)`, `update holdout "a" (id 1)`, `delete holdout "x" (id 4)`}},
		{targets: []string{"[ab]*"}, want: []string{`rename holdout "b-old" to "b" (id 2)`, `update holdout "a" (id 1)`, `delete holdout "ab" (id 6)`}},
		{targets: []string{"a", "nope"}, wantErr: `--target "nope" matches no manifest`},
		{targets: []string{"name=a?"}, wantErr: `--target "name=a?" matches no manifest`},
		{targets: []string{"[a"}, wantErr: `--target "[a" is not a valid pattern`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.targets, ","), func(t *testing.T) {
			p, err := Compute(manifests, remotes, nil, Options{Prune: true, Targets: tt.targets})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Changes {
				got = append(got, Headline(c))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
			if !p.Partial || !slices.Equal(p.Targets, tt.targets) {
				t.Errorf("Partial = %v, Targets = %q", p.Partial, p.Targets)
			}
		})
	}
	p, err := Compute(manifests, remotes, nil, Options{Prune: true})
	if err != nil || p.Partial {
		t.Errorf("untargeted plan: partial = %v, err = %v", p.Partial, err)
	}
}

// --prune never deletes a holdout a protect pattern matches: the plan
// lists it as protected, not as unmanaged, with or without --prune. A
// managed holdout is updated whatever its name.
func TestComputeProtect(t *testing.T) {
	manifests := []manifest.Holdout{desired("manual-managed", 20)}
	remotes := []client.Holdout{remote(1, "manual-x", "1"), remote(2, "other", "1"), remote(3, "manual-managed", "10"), remote(4, "keep", "1")}
	for _, prune := range []bool{true, false} {
		p, err := Compute(manifests, remotes, nil, Options{Prune: prune, Protect: []string{"manual-*", "keep"}})
		if err != nil {
			t.Fatal(err)
		}
		var changes []string
		for _, c := range p.Changes {
			changes = append(changes, Headline(c))
		}
		want := []string{`update holdout "manual-managed" (id 3)`}
		if prune {
			want = append(want, `delete holdout "other" (id 2)`)
		}
		if d := cmp.Diff(want, changes); d != "" {
			t.Errorf("prune=%v: changes (-want +got):\n%s", prune, d)
		}
		wantProtected := []Remote{{ID: 4, Name: "keep", ProtectedBy: "keep"}, {ID: 1, Name: "manual-x", ProtectedBy: "manual-*"}}
		if d := cmp.Diff(wantProtected, p.Protected); d != "" {
			t.Errorf("prune=%v: protected (-want +got):\n%s", prune, d)
		}
		for _, r := range p.Unmanaged {
			if r.ID == 1 || r.ID == 4 {
				t.Errorf("protected holdout %d listed as unmanaged", r.ID)
			}
		}
	}
	if _, err := Compute(manifests, remotes, nil, Options{Protect: []string{"manual-["}}); err == nil || !strings.Contains(err.Error(), `protect pattern "manual-[" is not valid`) {
		t.Errorf("bad pattern: err = %v", err)
	}
}

// TestComputePatternsMatchSlash: in protect and --target, * matches any
// run of characters, "/" included (issue 17: path.Match's * stopped at
// "/", so protect: [legacy-*] let apply --prune delete legacy-growth/2024).
func TestComputePatternsMatchSlash(t *testing.T) {
	manifests := []manifest.Holdout{desired("team/a/b", 20), desired("keep", 10)}
	remotes := []client.Holdout{
		remote(1, "legacy-growth/2024", "1"), remote(2, "team/a/b", "10"), remote(3, "team/old", "1"),
		remote(4, "keep", "10"), remote(5, "teams", "1"),
	}
	tests := []struct {
		name             string
		targets, protect []string
		changes          []string
		protected        []string
		wantErr          string
	}{
		{
			name: "protect legacy-* keeps a name holding /", protect: []string{"legacy-*"},
			changes:   []string{`update holdout "team/a/b" (id 2)`, `delete holdout "team/old" (id 3)`, `delete holdout "teams" (id 5)`},
			protected: []string{"legacy-growth/2024"},
		},
		{
			name: "protect team/* reaches every depth", protect: []string{"team/*"},
			changes:   []string{`update holdout "team/a/b" (id 2)`, `delete holdout "legacy-growth/2024" (id 1)`, `delete holdout "teams" (id 5)`},
			protected: []string{"team/old"},
		},
		{
			name: "protect ? matches /", protect: []string{"team?old", "legacy-growth?2024"},
			changes:   []string{`update holdout "team/a/b" (id 2)`, `delete holdout "teams" (id 5)`},
			protected: []string{"legacy-growth/2024", "team/old"},
		},
		{
			name: "target team/* matches team/a/b", targets: []string{"team/*"},
			changes: []string{`update holdout "team/a/b" (id 2)`, `delete holdout "team/old" (id 3)`},
		},
		{
			name: "target *2024", targets: []string{"*2024"},
			changes: []string{`delete holdout "legacy-growth/2024" (id 1)`},
		},
		{
			name: "target and protect together", targets: []string{"*"}, protect: []string{"*/*"},
			changes:   []string{`update holdout "team/a/b" (id 2)`, `delete holdout "teams" (id 5)`},
			protected: []string{"legacy-growth/2024", "team/old"},
		},
		{
			name: "name=EXACT still matches literally", targets: []string{"name=team/*"},
			wantErr: `--target "name=team/*" matches no manifest`,
		},
		{
			name: "an invalid target says what is wrong and where", targets: []string{"team/[a"},
			wantErr: `--target "team/[a" is not a valid pattern: the character class "[" at offset 5 has no closing "]"`,
		},
		{
			name: "an invalid protect pattern says what is wrong and where", protect: []string{"x[z-a]"},
			wantErr: `protect pattern "x[z-a]" is not valid: the range z-a at offset 2 runs backwards`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute(manifests, remotes, nil, Options{Prune: true, Targets: tt.targets, Protect: tt.protect})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "path.Match") {
					t.Errorf("err = %v, still names path.Match", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got, protected []string
			for _, c := range p.Changes {
				got = append(got, Headline(c))
			}
			for _, r := range p.Protected {
				protected = append(protected, r.Name)
			}
			if d := cmp.Diff(tt.changes, got); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.protected, protected); d != "" {
				t.Errorf("protected (-want +got):\n%s", d)
			}
		})
	}
}

// Every launched, not-ended experiment blocks a change of its holdout's
// filters or a delete, archived or not; so does a status hogsync does not
// know (fail safe). Draft and stopped ones do not, and nothing blocks a
// new name or description.
func TestComputeBlocksChangesUnderLaunchedExperiments(t *testing.T) {
	exp := func(id int64, name, status string, archived bool) client.Experiment {
		return client.Experiment{ID: id, Name: name, Status: status, Archived: archived, Holdout: &client.ExperimentHoldout{ID: 1}}
	}
	running := client.Experiment{ID: 7, Name: "live", StartDate: str("2026-11-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 1}}
	stopped := client.Experiment{ID: 8, Name: "done", StartDate: str("2026-01-01T00:00:00Z"), EndDate: str("2026-02-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 1}}
	draft := client.Experiment{ID: 9, Name: "later", Holdout: &client.ExperimentHoldout{ID: 1}}
	filters := []manifest.Holdout{desired("a", 20)}
	del := []manifest.Holdout{desired("other", 1)}
	tests := []struct {
		name    string
		desired []manifest.Holdout
		exps    []client.Experiment
		force   bool
		blocked []string // names of the experiments that block, in order
		reason  string   // part of BlockedReason
	}{
		{"filters under a running experiment", filters, []client.Experiment{running}, false, []string{"live"}, `blocked: running experiment "live" (id 7) uses this holdout; it will not be applied without --force`},
		{"filters with --force", filters, []client.Experiment{running}, true, nil, ""},
		{"delete under a running experiment", del, []client.Experiment{running}, false, []string{"live"}, `running experiment "live"`},
		{"delete with --force", del, []client.Experiment{running}, true, nil, ""},
		{"description only", []manifest.Holdout{desired("a", 10, withDescription("new words"))}, []client.Experiment{running}, false, nil, ""},
		{"rename only", []manifest.Holdout{desired("b", 10, withPrevious("a"))}, []client.Experiment{running}, false, nil, ""},
		{"stopped and draft experiments", filters, []client.Experiment{stopped, draft}, false, nil, ""},
		{"status draft and stopped", filters, []client.Experiment{exp(1, "d", "draft", false), exp(2, "s", "stopped", true)}, false, nil, ""},
		{"paused", filters, []client.Experiment{exp(3, "p", "paused", false)}, false, []string{"p"}, `launched experiment "p" (id 3, paused) uses this holdout`},
		{"exposure_frozen", del, []client.Experiment{exp(4, "f", "exposure_frozen", false)}, false, []string{"f"}, `(id 4, exposure_frozen)`},
		{"unknown status", filters, []client.Experiment{exp(5, "u", "ramping", false)}, false, []string{"u"}, `(id 5, ramping)`},
		{"archived and running", filters, []client.Experiment{exp(6, "old", "running", true)}, false, []string{"old"}, `running experiment "old" (id 6, archived)`},
		{"unknown status with --force", filters, []client.Experiment{exp(5, "u", "ramping", false)}, true, nil, ""},
		{
			"mixed", filters, []client.Experiment{exp(3, "p", "paused", false), running, draft}, false, []string{"live", "p"},
			`launched experiments "live" (id 7, running), "p" (id 3, paused) use this holdout`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compute(tt.desired, []client.Holdout{remote(1, "a", "10")}, tt.exps, Options{Prune: true, Force: tt.force})
			if err != nil {
				t.Fatal(err)
			}
			var c *Change
			for i := range p.Changes {
				if p.Changes[i].ID == 1 {
					c = &p.Changes[i]
				}
			}
			if c == nil {
				t.Fatalf("no change to holdout 1: %+v", p.Changes)
			}
			var got []string
			for _, e := range c.BlockedBy {
				got = append(got, e.Name)
			}
			if d := cmp.Diff(tt.blocked, got); d != "" {
				t.Errorf("blocked by (-want +got):\n%s", d)
			}
			if c.Blocked() != (len(tt.blocked) > 0) {
				t.Errorf("Blocked() = %v", c.Blocked())
			}
			if r := BlockedReason(*c); !strings.Contains(r, tt.reason) || (tt.reason == "") != (r == "") {
				t.Errorf("BlockedReason = %q, want it to hold %q", r, tt.reason)
			}
		})
	}
}

// The blast radius lists archived experiments too, marked so, and an
// experiment listed by both of PostHog's listings only once.
func TestComputeBlastRadiusListsArchived(t *testing.T) {
	exps := []client.Experiment{
		{ID: 1, Name: "b-archived", Status: "stopped", Archived: true, Holdout: &client.ExperimentHoldout{ID: 1}},
		{ID: 2, Name: "a-live", Status: "draft", Holdout: &client.ExperimentHoldout{ID: 1}},
		{ID: 1, Name: "b-archived", Status: "stopped", Archived: true, Holdout: &client.ExperimentHoldout{ID: 1}},
		{ID: 3, Name: "gone", Status: "running", Deleted: true, Holdout: &client.ExperimentHoldout{ID: 1}},
	}
	p, err := Compute([]manifest.Holdout{desired("a", 20)}, []client.Holdout{remote(1, "a", "10")}, exps, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Experiment{{ID: 2, Name: "a-live", State: "draft"}, {ID: 1, Name: "b-archived", State: "stopped", Archived: true}}
	if d := cmp.Diff(want, p.Changes[0].Experiments); d != "" {
		t.Errorf("experiments (-want +got):\n%s", d)
	}
	var buf bytes.Buffer
	if err := RenderText(&buf, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `#   "b-archived" (id 1, stopped, archived)`) {
		t.Errorf("text plan does not mark the archived experiment:\n%s", buf.String())
	}
}

// Without experiment:read nothing shows what a filter change or a delete
// would disturb: every such change is blocked unless --force, with a
// reason naming the missing scope; creates, renames and description edits
// are not.
func TestComputeBlocksWhenExperimentsUnreadable(t *testing.T) {
	const why = "the key lacks the experiment:read scope"
	manifests := []manifest.Holdout{
		desired("new", 10),
		desired("filters", 20),
		desired("renamed", 10, withPrevious("rename-me")),
		desired("described", 10, withDescription("words")),
	}
	remotes := []client.Holdout{remote(1, "filters", "10"), remote(2, "rename-me", "10"), remote(3, "described", "10"), remote(4, "pruned", "10")}
	tests := []struct {
		force bool
		want  []string
	}{
		{false, []string{`update holdout "filters" (id 1)`, `delete holdout "pruned" (id 4)`}},
		{true, nil},
	}
	for _, tt := range tests {
		p, err := Compute(manifests, remotes, nil, Options{Prune: true, Force: tt.force, ExperimentsUnreadable: why})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range p.Changes {
			if c.Blocked() {
				got = append(got, Headline(c))
				r := BlockedReason(c)
				if !strings.Contains(r, "experiment:read") || !strings.Contains(r, "--force applies it anyway") {
					t.Errorf("reason %q does not name the scope and --force", r)
				}
			}
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("force=%v: blocked (-want +got):\n%s", tt.force, d)
		}
		if p.BlastRadiusKnown {
			t.Error("BlastRadiusKnown with unreadable experiments")
		}
		var buf bytes.Buffer
		if err := RenderText(&buf, p, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(buf.String(), "# experiments using it: unknown"); n != 4 {
			t.Errorf("%d blast-radius lines say unknown, want 4 (every update and delete):\n%s", n, buf.String())
		}
	}
}
