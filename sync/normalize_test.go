package sync

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/canon"
	"github.com/hogsync/hogsync/manifest"
)

// checkSameContent fails t when sameContent(d, r) gives an answer that
// differs from comparing the two normalised states, or when it knows no
// answer for a plain manifest and filters PostHog could send.
func checkSameContent(t *testing.T, d manifest.Holdout, r client.Holdout, mustKnow bool) {
	t.Helper()
	same, known := sameContent(d, r)
	have, err := decodeRemote(r)
	switch {
	case err != nil && known && same:
		t.Fatalf("sameContent says a holdout whose filters are not groups (%v) is the manifest", err)
	case err != nil:
	case known && same != equal(desiredState(d), have):
		t.Fatalf("sameContent = %v, comparing the states says %v\nmanifest: %s\nremote: %s",
			same, !same, canon.JSON(desiredState(d).Filters), r.Filters)
	case !known && mustKnow:
		t.Fatalf("sameContent cannot tell for %s against %s", canon.JSON(desiredState(d).Filters), r.Filters)
	}
	if want, ok := appendDesiredFilters(nil, d.Filters); ok && !bytes.Equal(want, canon.JSON(desiredState(d).Filters)) {
		t.Fatalf("appendDesiredFilters = %s, canon.JSON of the state's = %s", want, canon.JSON(desiredState(d).Filters))
	}
}

// sameContent, the plan's quick comparison, answers as comparing the
// normalised states does: the same cases TestComputeNoDifference and
// TestComputeDifferences plan, and the rules of canon.Group one by one.
func TestSameContent(t *testing.T) {
	t.Parallel()
	agg := int64(0)
	withAgg := func(h *manifest.Holdout) { h.Filters[0].AggregationGroupTypeIndex = &agg }
	twoGroups := func(h *manifest.Holdout) {
		h.Filters = append(h.Filters, manifest.FilterGroup{RolloutPercentage: 1})
	}
	country := map[string]any{"key": "country", "type": "person", "operator": "exact", "value": []any{"US", "CA"}, "negation": nil}
	for _, tt := range []struct {
		name string
		d    manifest.Holdout
		raw  string
		same bool
	}{
		{"as PostHog sends it", desired("a", 10), `[{"variant": "holdout-1", "properties": [], "rollout_percentage": 10}]`, true},
		{"10.0", desired("a", 10), `[{"rollout_percentage": 10.0}]`, true},
		{"1e1", desired("a", 10), `[{"rollout_percentage": 1e1}]`, true},
		{"fraction", desired("a", 7.5), `[{"rollout_percentage": 7.50}]`, true},
		{"another percentage", desired("a", 10), `[{"rollout_percentage": 10.5}]`, false},
		{"a string for a number", desired("a", 10), `[{"rollout_percentage": "10"}]`, false},
		{"a null group key is absent", desired("a", 10), `[{"rollout_percentage": 10, "aggregation_group_type_index": null}]`, true},
		{"group type index", desired("a", 10, withAgg), `[{"aggregation_group_type_index": 0, "rollout_percentage": 10}]`, true},
		{"group type index missing", desired("a", 10, withAgg), `[{"rollout_percentage": 10}]`, false},
		{"an unknown key", desired("a", 10), `[{"rollout_percentage": 10, "foo": "bar"}]`, false},
		{"two groups", desired("a", 10, twoGroups), `[{"rollout_percentage": 10}, {"rollout_percentage": 1.0}]`, true},
		{"groups in another order", desired("a", 10, twoGroups), `[{"rollout_percentage": 1}, {"rollout_percentage": 10}]`, false},
		{"one group fewer", desired("a", 10, twoGroups), `[{"rollout_percentage": 10}]`, false},
		{"no groups", desired("a", 10), `[]`, false},
		{"null filters", desired("a", 10), `null`, false},
		{"properties", desired("a", 10, withProperties(country)),
			`[{"variant": "holdout-1", "properties": [{"key": "country", "type": "person", "value": ["US", "CA"], "operator": "exact", "group_type_index": null}], "rollout_percentage": 10}]`, true},
		{"properties in another order", desired("a", 10, withProperties(country, map[string]any{"key": "k"})),
			`[{"properties": [{"key": "k"}, {"key": "country", "type": "person", "value": ["US", "CA"], "operator": "exact"}], "rollout_percentage": 10}]`, false},
		{"a null inside a value is data", desired("a", 10, withProperties(map[string]any{"key": "k", "value": []any{"x"}})),
			`[{"properties": [{"key": "k", "value": ["x", null]}], "rollout_percentage": 10}]`, false},
		{"the last of a repeated key", desired("a", 10), `[{"rollout_percentage": 5, "rollout_percentage": 10}]`, true},
		{"not filter groups", desired("a", 10), `{"rollout_percentage": 10}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := client.Holdout{ID: 1, Name: "a", Filters: json.RawMessage(tt.raw)}
			if same, _ := sameContent(tt.d, r); same != tt.same {
				t.Errorf("sameContent = %v, want %v", same, tt.same)
			}
			checkSameContent(t, tt.d, r, tt.name != "not filter groups")
		})
	}
	t.Run("name and description", func(t *testing.T) {
		r := remote(1, "a", "10")
		for _, c := range []struct {
			d    manifest.Holdout
			desc *string
			same bool
		}{
			{desired("a", 10), nil, true},
			{desired("a", 10), str(""), true},
			{desired("a", 10, withDescription(" held out\n")), str("held out"), true},
			{desired("a", 10, withDescription("new")), str("old"), false},
			{desired("b", 10), nil, false},
			{desired("b", 10, withPrevious("a")), nil, false}, // a rename
		} {
			r.Description = c.desc
			if same, known := sameContent(c.d, r); same != c.same || !known {
				t.Errorf("%s %q against %s %v: sameContent = %v, %v; want %v", c.d.Name, c.d.Description, r.Name, c.desc, same, known, c.same)
			}
			checkSameContent(t, c.d, r, true)
		}
	})
}

// FuzzSameContent: for any manifest the loader takes and any filters,
// sameContent answers as comparing the normalised states does whenever
// it answers, and it answers whenever the filters are filter groups (a
// loaded manifest holds only what canon.AppendJSON writes).
func FuzzSameContent(f *testing.F) {
	f.Add([]byte("name: a\nfilters:\n  - rollout_percentage: 10\n"), []byte(`[{"variant":"holdout-1","properties":[],"rollout_percentage":10.0}]`), true, "")
	f.Add([]byte("name: a\ndescription: d\nfilters:\n  - rollout_percentage: 5.5\n    properties:\n      - {key: k, type: person, operator: exact, value: [\"true\", 1.5, null], negation: null}\n    aggregation_group_type_index: 0\n  - rollout_percentage: 0.1\n"),
		[]byte(`[{"aggregation_group_type_index":0,"properties":[{"key":"k","type":"person","operator":"exact","value":["true",1.50,null]}],"rollout_percentage":5.5},{"rollout_percentage":1e-1}]`), true, " d ")
	f.Add([]byte("name: a\nfilters:\n  - rollout_percentage: 10\n    properties:\n      - {key: k, value: {x: [1, {y: null}]}}\n"), []byte(`[{"rollout_percentage":10,"properties":[{"value":{"x":[1.0,{"y":null}]},"key":"k"}]}]`), true, "")
	f.Fuzz(func(t *testing.T, manifestText, filters []byte, sameName bool, desc string) {
		hs, err := manifest.Parse("in.yaml", manifestText)
		if err != nil {
			return
		}
		for _, h := range hs {
			r := client.Holdout{ID: 1, Name: "other", Description: &desc, Filters: filters}
			if sameName {
				r.Name = h.Name
			}
			_, derr := decodeRemote(r)
			checkSameContent(t, h, r, derr == nil)
		}
	})
}
