package sync

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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
			if d := cmp.Diff(want, p.Changes); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
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
	want := []Conflict{{Name: "new", IDs: []int64{1, 2}, Names: []string{"old", "new"}, Source: manifest.Pos{File: "m/new.yaml", Line: 1, Col: 7}}}
	if d := cmp.Diff(want, p.Conflicts); d != "" {
		t.Errorf("conflicts (-want +got):\n%s", d)
	}
}

func TestComputeRefusesPruneWithoutManifests(t *testing.T) {
	_, err := Compute(nil, []client.Holdout{remote(1, "a", "10")}, nil, Options{Prune: true})
	if !errors.Is(err, ErrPruneEverything) {
		t.Fatalf("err = %v, want ErrPruneEverything", err)
	}
}

func TestComputeTargets(t *testing.T) {
	manifests := []manifest.Holdout{desired("a", 20), desired("b", 20, withPrevious("b-old")), desired("c", 10)}
	remotes := []client.Holdout{remote(1, "a", "10"), remote(2, "b-old", "10"), remote(3, "c", "10"), remote(4, "x", "1")}
	tests := []struct {
		targets []string
		want    []string
		wantErr string
	}{
		{targets: []string{"a"}, want: []string{`update holdout "a" (id 1)`}},
		{targets: []string{"b-old"}, want: []string{`rename holdout "b-old" to "b" (id 2)`}},
		{targets: []string{"c"}, want: nil}, // unchanged, but a real name
		{targets: []string{"x"}, want: []string{`delete holdout "x" (id 4)`}},
		{targets: []string{"a", "nope"}, wantErr: `--target "nope" matches no manifest`},
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
		})
	}
}

// A running experiment blocks a change to its holdout's filters and its
// deletion, not a rename or a new description; Force lifts the block.
func TestComputeBlocksChangesUnderRunningExperiments(t *testing.T) {
	running := client.Experiment{ID: 7, Name: "live", StartDate: str("2026-11-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 1}}
	stopped := client.Experiment{ID: 8, Name: "done", StartDate: str("2026-01-01T00:00:00Z"), EndDate: str("2026-02-01T00:00:00Z"), Holdout: &client.ExperimentHoldout{ID: 1}}
	draft := client.Experiment{ID: 9, Name: "later", Holdout: &client.ExperimentHoldout{ID: 1}}
	tests := []struct {
		name    string
		desired []manifest.Holdout
		exps    []client.Experiment
		force   bool
		blocked bool
	}{
		{"filters under a running experiment", []manifest.Holdout{desired("a", 20)}, []client.Experiment{running}, false, true},
		{"filters with --force", []manifest.Holdout{desired("a", 20)}, []client.Experiment{running}, true, false},
		{"delete under a running experiment", []manifest.Holdout{desired("other", 1)}, []client.Experiment{running}, false, true},
		{"delete with --force", []manifest.Holdout{desired("other", 1)}, []client.Experiment{running}, true, false},
		{"description only", []manifest.Holdout{desired("a", 10, withDescription("new words"))}, []client.Experiment{running}, false, false},
		{"rename only", []manifest.Holdout{desired("b", 10, withPrevious("a"))}, []client.Experiment{running}, false, false},
		{"stopped and draft experiments", []manifest.Holdout{desired("a", 20)}, []client.Experiment{stopped, draft}, false, false},
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
			if c.Blocked() != tt.blocked {
				t.Errorf("blocked = %v (by %v), want %v", c.Blocked(), c.BlockedBy, tt.blocked)
			}
			if tt.blocked && (len(c.BlockedBy) != 1 || c.BlockedBy[0].Name != "live") {
				t.Errorf("blocked by %v, want the running experiment", c.BlockedBy)
			}
		})
	}
}
