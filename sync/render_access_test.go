package sync

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

// PostHog's experiments list leaves out experiments the key's user may
// not see (access control) and soft-deleted ones, while a change of a
// holdout's filters or its deletion rewrites the flags of every linked
// experiment (instance.experiment_set.all()). A plan that makes such a
// change says so once, in every format; a plan that rewrites no flag, or
// that could not read experiments at all (it says that instead), does not.
func TestRenderHiddenExperimentsNote(t *testing.T) {
	exps := []client.Experiment{{ID: 9, Name: "seen", Holdout: &client.ExperimentHoldout{ID: 1}}}
	plan := func(manifests []manifest.Holdout, remotes []client.Holdout, exps []client.Experiment, opts Options) Plan {
		t.Helper()
		p, err := Compute(manifests, remotes, exps, opts)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		p    Plan
		want bool
	}{
		{"an update of filters", plan([]manifest.Holdout{desired("a", 20)}, []client.Holdout{remote(1, "a", "10")}, exps, Options{Force: true}), true},
		{"an update of filters no listed experiment uses", plan([]manifest.Holdout{desired("a", 20)}, []client.Holdout{remote(1, "a", "10")}, []client.Experiment{}, Options{}), true},
		{"a delete", plan([]manifest.Holdout{desired("b", 10)}, []client.Holdout{remote(1, "a", "10"), remote(2, "b", "10")}, exps, Options{Prune: true, Force: true}), true},
		{"two such changes: said once", samplePlan(t), true},
		{"a create", plan([]manifest.Holdout{desired("a", 20)}, nil, exps, Options{}), false},
		{"a description only", plan([]manifest.Holdout{desired("a", 10, withDescription("new"))}, []client.Holdout{remote(1, "a", "10")}, exps, Options{}), false},
		{"a rename only", plan([]manifest.Holdout{desired("b", 10, withPrevious("a"))}, []client.Holdout{remote(1, "a", "10")}, exps, Options{}), false},
		{"no changes", plan([]manifest.Holdout{desired("a", 10)}, []client.Holdout{remote(1, "a", "10")}, exps, Options{}), false},
		{"experiments unreadable", plan([]manifest.Holdout{desired("a", 20)}, []client.Holdout{remote(1, "a", "10")}, nil, Options{Force: true}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var text, md, js bytes.Buffer
			if err := RenderText(&text, tt.p, TextOptions{Meta: &sampleMeta}); err != nil {
				t.Fatal(err)
			}
			if err := RenderMarkdown(&md, tt.p, sampleMeta, nil, MarkdownOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := RenderJSON(&js, tt.p, sampleMeta, nil); err != nil {
				t.Fatal(err)
			}
			want := 0
			if tt.want {
				want = 1
			}
			for format, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
				if n := strings.Count(out, "access control"); n != want {
					t.Errorf("%s says %d times that access control hides experiments, want %d:\n%s", format, n, want, out)
				}
				if tt.want && !strings.Contains(out, "soft-deleted") {
					t.Errorf("%s does not name soft-deleted experiments:\n%s", format, out)
				}
			}
			var doc map[string]any
			if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			note, has := doc["blast_radius_note"].(string)
			if has != tt.want || (has && !strings.Contains(note, "access control")) {
				t.Errorf("JSON blast_radius_note = %q (present %v), want present %v", note, has, tt.want)
			}
		})
	}
}
