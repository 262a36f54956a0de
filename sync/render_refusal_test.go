package sync

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

// A workflow reading the JSON plan tells a plan to apply from one that
// will change nothing: summary.has_changes says the plan holds changes
// (also when it is refused, or every change is blocked), summary.to_apply
// how many an apply of it sends to PostHog, and refused why none.
func TestRenderJSONToApply(t *testing.T) {
	unchanged, err := Compute([]manifest.Holdout{desired("a", 10)}, []client.Holdout{remote(1, "a", "10")}, []client.Experiment{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	refused := sampleMeta
	refused.Refused = "refusing a plan that deletes 1 holdouts: --max-deletes allows 0; check the deletions above, then raise --max-deletes if they are intended. Nothing was changed"
	tests := []struct {
		name       string
		p          Plan
		meta       Meta
		hasChanges bool
		toApply    int
		refused    bool
	}{
		{"a plan to apply", samplePlan(t), sampleMeta, true, 4, false},
		{"one change blocked", blockedPlan(t), sampleMeta, true, 3, false},
		{"refused over --max-deletes", samplePlan(t), refused, true, 0, true},
		{"refused and blocked", blockedPlan(t), refused, true, 0, true},
		{"no changes", unchanged, sampleMeta, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderJSON(&buf, tt.p, tt.meta, nil); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Refused *string `json:"refused"`
				Summary struct {
					HasChanges *bool `json:"has_changes"`
					ToApply    *int  `json:"to_apply"`
				} `json:"summary"`
			}
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Summary.HasChanges == nil || *doc.Summary.HasChanges != tt.hasChanges {
				t.Errorf("has_changes = %v, want %v", doc.Summary.HasChanges, tt.hasChanges)
			}
			if doc.Summary.ToApply == nil || *doc.Summary.ToApply != tt.toApply {
				t.Errorf("to_apply = %v, want %d", doc.Summary.ToApply, tt.toApply)
			}
			if (doc.Refused != nil) != tt.refused || (tt.refused && *doc.Refused != tt.meta.Refused) {
				t.Errorf("refused = %v, want %q", doc.Refused, tt.meta.Refused)
			}
		})
	}
}
