package sync

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/manifest"
)

// unsafeText holds every kind of rune escape.Unsafe refuses that a
// renderer might pass on: C0 (ESC, BEL), DEL, C1, a bidi override and
// isolate, and a line separator.
const unsafeText = "a\x1b[31m\x07\x7f\u0085\u009b\u202eb\u2066c\u2069\u2028d"

// rawUnsafe reports the first rune of s that escape.Unsafe refuses, other
// than the line breaks and tabs of a document.
func rawUnsafe(s string) (rune, bool) {
	for _, r := range s {
		if escape.Unsafe(r) && r != '\n' && r != '\t' {
			return r, true
		}
	}
	return 0, false
}

// Canonical YAML (the plan's diffs, export's files) escapes every unsafe
// rune, the bidi ones that yaml.v3 writes raw included, and still reads
// back as the same holdout.
func TestCanonicalYAMLEscapesUnsafeRunes(t *testing.T) {
	t.Parallel()
	for _, s := range []State{
		{Name: unsafeText, Filters: []map[string]any{{"rollout_percentage": json.Number("1")}}},
		{Name: "only\u202ebidi", Description: "rtl\u2067x", Filters: []map[string]any{{"rollout_percentage": json.Number("1")}}},
		{Name: "in filters", Filters: []map[string]any{{"rollout_percentage": json.Number("1"), "properties": []any{
			map[string]any{"key": "k\u202e", "type": "person", "operator": "exact", "value": []any{"v\u202e", unsafeText}},
		}}}},
	} {
		y := CanonicalYAML(s)
		if r, ok := rawUnsafe(y); ok {
			t.Errorf("CanonicalYAML(%q) holds a raw %U:\n%s", s.Name, r, y)
		}
	}
	// Export checks that what it wrote reads back as the holdout.
	desc := "rtl \u202eevil"
	h := client.Holdout{ID: 7, Name: unsafeText, Description: &desc,
		Filters: filtersJSON(map[string]any{"rollout_percentage": json.Number("5"), "properties": []any{
			map[string]any{"key": "zip\u2066", "type": "person", "operator": "exact", "value": "v\u202e"},
		}})}
	b, err := ExportManifest(h, exportSrc)
	if err != nil {
		t.Fatalf("ExportManifest: %v\n%s", err, b)
	}
	if r, ok := rawUnsafe(string(b)); ok {
		t.Errorf("exported manifest holds a raw %U:\n%s", r, b)
	}
}

// The JSON plan and the id map carry names as they are, but with every
// unsafe rune as a \u escape, which encoding/json does not do for DEL, C1
// and bidi runes.
func TestJSONEscapesUnsafeRunes(t *testing.T) {
	t.Parallel()
	p, err := Compute([]manifest.Holdout{desired("other", 1)}, []client.Holdout{remote(9, unsafeText, "1")}, []client.Experiment{}, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	var plan bytes.Buffer
	if err := RenderJSON(&plan, p, sampleMeta, nil); err != nil {
		t.Fatal(err)
	}
	if r, ok := rawUnsafe(plan.String()); ok {
		t.Errorf("the JSON plan holds a raw %U:\n%s", r, plan.String())
	}
	var doc struct {
		Changes []struct{ Name string } `json:"changes"`
	}
	if err := json.Unmarshal(plan.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]struct{ Name string }{{"other"}, {unsafeText}}, doc.Changes); d != "" {
		t.Errorf("names in the JSON plan (-want +got):\n%s", d)
	}

	var idmap bytes.Buffer
	if err := WriteIDMap(&idmap, IDMap{FormatVersion: "1", Holdouts: []IDMapEntry{{Name: unsafeText, SourceID: 1, Status: "created"}}}); err != nil {
		t.Fatal(err)
	}
	if r, ok := rawUnsafe(idmap.String()); ok {
		t.Errorf("the id map holds a raw %U:\n%s", r, idmap.String())
	}
	var m IDMap
	if err := json.Unmarshal(idmap.Bytes(), &m); err != nil || len(m.Holdouts) != 1 || m.Holdouts[0].Name != unsafeText {
		t.Errorf("the id map reads back as %+v (%v)", m, err)
	}
	if !strings.Contains(idmap.String(), `\u202e`) {
		t.Errorf("the id map does not escape U+202E:\n%s", idmap.String())
	}
}
