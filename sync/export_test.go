package sync

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

var exportSrc = ExportSource{Host: "https://us.posthog.com", Project: "1"}

// wireHoldout decodes a holdout as the client does (UseNumber), so tests
// see the json.Number values the server's text gives.
func wireHoldout(t *testing.T, raw string) client.Holdout {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var h client.Holdout
	if err := dec.Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func exportOK(t *testing.T, h client.Holdout) string {
	t.Helper()
	b, err := ExportManifest(h, exportSrc)
	if err != nil {
		t.Fatalf("ExportManifest: %v\n%s", err, b)
	}
	return string(b)
}

func TestExportManifestGolden(t *testing.T) {
	h := wireHoldout(t, `{
		"id": 42, "name": "checkout-q4", "description": "  Held out of checkout tests in Q4\n",
		"created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z",
		"created_by": {"id": 1}, "user_access_level": "editor",
		"filters": [
			{"variant": "holdout-42", "properties": [
				{"value": ["US", "CA"], "operator": "exact", "type": "person", "key": "$geoip_country_code"},
				{"value": 21, "operator": "gte", "key": "age", "type": "person", "negation": false, "group_type_index": null}
			], "rollout_percentage": 10.0},
			{"variant": "holdout-42", "aggregation_group_type_index": 0, "rollout_percentage": 12.75, "properties": []},
			{"variant": "holdout-42", "rollout_percentage": 2.5, "properties": null, "aggregation_group_type_index": null}
		]
	}`)
	golden(t, "export/checkout-q4.yaml.golden", []byte(exportOK(t, h)))
}

func TestExportManifest(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string // the content after the two header lines
	}{
		{
			name: "variant dropped, 10.0 is 10",
			raw:  `{"id": 7, "name": "a", "filters": [{"variant": "holdout-7", "rollout_percentage": 10.0}]}`,
			want: "name: a\nfilters:\n  - rollout_percentage: 10\n",
		},
		{
			name: "fractions kept",
			raw:  `{"id": 7, "name": "a", "filters": [{"rollout_percentage": 2.50}, {"rollout_percentage": 1e1}, {"rollout_percentage": 0.125}]}`,
			want: "name: a\nfilters:\n  - rollout_percentage: 2.5\n  - rollout_percentage: 10\n  - rollout_percentage: 0.125\n",
		},
		{
			name: "null description omitted",
			raw:  `{"id": 7, "name": "a", "description": null, "filters": [{"rollout_percentage": 1}]}`,
			want: "name: a\nfilters:\n  - rollout_percentage: 1\n",
		},
		{
			name: "empty description omitted",
			raw:  `{"id": 7, "name": "a", "description": "", "filters": [{"rollout_percentage": 1}]}`,
			want: "name: a\nfilters:\n  - rollout_percentage: 1\n",
		},
		{
			name: "blank description omitted",
			raw:  `{"id": 7, "name": "a", "description": " \n ", "filters": [{"rollout_percentage": 1}]}`,
			want: "name: a\nfilters:\n  - rollout_percentage: 1\n",
		},
		{
			name: "group and property key order",
			raw: `{"id": 7, "name": "a", "description": "d", "filters": [{"aggregation_group_type_index": 1, "properties": [
				{"value": "x", "negation": true, "operator": "exact", "type": "group", "key": "plan", "group_type_index": 1}
			], "rollout_percentage": 5}]}`,
			want: "name: a\ndescription: d\nfilters:\n  - rollout_percentage: 5\n    properties:\n      - key: plan\n        type: group\n        operator: exact\n        value: x\n        group_type_index: 1\n        negation: true\n    aggregation_group_type_index: 1\n",
		},
		{
			name: "empty properties omitted",
			raw:  `{"id": 7, "name": "a", "filters": [{"rollout_percentage": 1, "properties": []}]}`,
			want: "name: a\nfilters:\n  - rollout_percentage: 1\n",
		},
		{
			name: "strings that look like other types stay strings",
			raw:  `{"id": 7, "name": "10", "description": "true", "filters": [{"rollout_percentage": 1, "properties": [{"key": "k", "type": "person", "operator": "exact", "value": ["null", "1.5", null]}]}]}`,
			want: "name: \"10\"\ndescription: \"true\"\nfilters:\n  - rollout_percentage: 1\n    properties:\n      - key: k\n        type: person\n        operator: exact\n        value: [\"null\", \"1.5\", null]\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := wireHoldout(t, tt.raw)
			got := exportOK(t, h)
			header := manifest.SchemaComment + "\n# Exported by hogsync from https://us.posthog.com, project 1, holdout id 7.\n# hogsync-source-id: 7\n"
			body, ok := strings.CutPrefix(got, header)
			if !ok {
				t.Fatalf("header missing:\n%s", got)
			}
			if d := cmp.Diff(tt.want, body); d != "" {
				t.Errorf("content (-want +got):\n%s", d)
			}
			// The invariant export exists for: the file, loaded as a
			// manifest, plans no change against the holdout.
			hs, err := manifest.LoadFS(fstest.MapFS{"a.yaml": {Data: []byte(got)}}, "")
			if err != nil {
				t.Fatalf("exported file does not load: %v", err)
			}
			p, err := Compute(hs, []client.Holdout{h}, nil, Options{Prune: true})
			if err != nil {
				t.Fatal(err)
			}
			if p.HasChanges() {
				t.Errorf("plan against the source has changes: %+v", p.Changes)
			}
			if id, ok := sourceIDOf(t, []byte(got)); !ok || id != 7 {
				t.Errorf("source id = %d, %v; want 7, true", id, ok)
			}
		})
	}
}

func TestExportManifestNotRepresentable(t *testing.T) {
	tests := []struct {
		name, raw, wantErr, wantContent string
	}{
		{"unknown group key",
			`{"id": 3, "name": "a", "filters": [{"rollout_percentage": 1, "sort_key": "x"}]}`,
			`line 7: unknown key "sort_key"`, "    sort_key: x\n"},
		{"no filters",
			`{"id": 3, "name": "a", "filters": []}`,
			"line 5: filters is empty", "filters: []\n"},
		{"name with surrounding space",
			`{"id": 3, "name": " a", "filters": [{"rollout_percentage": 1}]}`,
			"line 4: name \" a\" has leading or trailing white space", `name: ' a'`},
		{"rollout_percentage out of range",
			`{"id": 3, "name": "a", "filters": [{"rollout_percentage": 150}]}`,
			"rollout_percentage is 150", "rollout_percentage: 150"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ExportManifest(wireHoldout(t, tt.raw), exportSrc)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
			// The holdout is still rendered as PostHog stores it, for a
			// person to fix.
			if !strings.Contains(string(b), tt.wantContent) {
				t.Errorf("content lacks %q:\n%s", tt.wantContent, b)
			}
		})
	}
}

// sourceIDOf is the source id the manifest loader reads from an exported file.
func sourceIDOf(t *testing.T, content []byte) (int64, bool) {
	t.Helper()
	hs, err := manifest.LoadFS(fstest.MapFS{"a.yaml": {Data: content}}, "")
	if err != nil || len(hs) != 1 {
		return 0, false
	}
	return hs[0].SourceID, hs[0].SourceID != 0
}

func TestExportSourceIDRoundTrip(t *testing.T) {
	for _, id := range []int64{1, 42, 1 << 40, 9223372036854775807} {
		b := exportOK(t, client.Holdout{ID: id, Name: "a", Filters: []map[string]any{{"rollout_percentage": json.Number("1")}}})
		if got, ok := sourceIDOf(t, []byte(b)); !ok || got != id {
			t.Errorf("round trip of id %d: got %d, %v", id, got, ok)
		}
	}
}

func TestExportSlug(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"checkout-q4", "checkout-q4"},
		{"Checkout Q4", "checkout-q4"},
		{"  Checkout -- Q4 (US & CA)!  ", "checkout-q4-us-ca"},
		{"checkout_q4.v2", "checkout-q4-v2"},
		{"Größe/Preis", "gr-e-preis"},
		{"ünï", "n"},
		{"日本語", "holdout-5"},
		{"---", "holdout-5"},
		{"", "holdout-5"},
		{strings.Repeat("a", 100), strings.Repeat("a", 80)},
		{strings.Repeat("a", 79) + " b", strings.Repeat("a", 79)}, // no trailing "-" after the cut
		// Never a config file's name (issue 17: "hogsync" was exported
		// to hogsync.yaml, and --overwrite replaced the real config).
		{"hogsync", "hogsync-holdout"},
		{"HogSync", "hogsync-holdout"},
		{"  HOGSYNC!", "hogsync-holdout"},
		{"hog sync", "hog-sync"},
		{"hogsync yaml", "hogsync-yaml"},
	}
	for _, tt := range tests {
		if got := ExportSlug(tt.name, 5); got != tt.want {
			t.Errorf("ExportSlug(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestExportNamesEveryHoldoutApart(t *testing.T) {
	pct := []map[string]any{{"rollout_percentage": json.Number("1")}}
	hs := []client.Holdout{
		{ID: 9, Name: "Checkout", Filters: pct},
		{ID: 3, Name: "checkout", Filters: pct}, // slugs like id 9
		{ID: 4, Name: "dup", Filters: pct},
		{ID: 12, Name: "dup", Filters: pct},
		{ID: 7, Name: "dup", Filters: pct},
		{ID: 5, Name: "!!!", Filters: pct},
		{ID: 1, Name: "holdout 5", Filters: pct}, // slugs like id 5's fallback
		{ID: 2, Name: "solo", Filters: pct},
	}
	files := Export(hs, exportSrc)
	type row struct {
		Name, Holdout string
		ID            int64
		SameName      []int64
	}
	var got []row
	for _, f := range files {
		if f.Err != nil {
			t.Errorf("%s: %v", f.Name, f.Err)
		}
		if id, ok := sourceIDOf(t, f.Content); !ok || id != f.ID {
			t.Errorf("%s: source id %d, %v; want %d", f.Name, id, ok, f.ID)
		}
		if !strings.Contains(string(f.Content), fmt.Sprintf("name: %s\n", yamlName(f.Holdout))) {
			t.Errorf("%s does not hold holdout %q:\n%s", f.Name, f.Holdout, f.Content)
		}
		got = append(got, row{f.Name, f.Holdout, f.ID, f.SameName})
	}
	want := []row{
		{"checkout.yaml", "checkout", 3, nil},
		{"checkout--9.yaml", "Checkout", 9, nil},
		{"dup.yaml", "dup", 4, []int64{7, 12}},
		{"dup--7.yaml", "dup", 7, []int64{4, 12}},
		{"dup--12.yaml", "dup", 12, []int64{4, 7}},
		{"holdout-5.yaml", "holdout 5", 1, nil},
		{"holdout-5--5.yaml", "!!!", 5, nil},
		{"solo.yaml", "solo", 2, nil},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
}

// TestExportNeverWritesConfigName: whatever a holdout is called, no
// exported file gets a name the loader reads as a unit's config, in any
// letter case, and every file loads back as the holdout it holds.
func TestExportNeverWritesConfigName(t *testing.T) {
	pct := []map[string]any{{"rollout_percentage": json.Number("1")}}
	hs := []client.Holdout{
		{ID: 3, Name: "hogsync", Filters: pct},
		{ID: 4, Name: "HOGSYNC", Filters: pct},
		{ID: 1, Name: "hogsync-holdout", Filters: pct}, // the stem a config-named holdout gets
		{ID: 5, Name: "hogsync.yml", Filters: pct},
		{ID: 6, Name: "Hogsync", Filters: pct},
	}
	files := Export(hs, exportSrc)
	fsys := fstest.MapFS{}
	var got []string
	for _, f := range files {
		if manifest.IsConfigFileName(f.Name) {
			t.Errorf("holdout %q is exported to %s, a config file's name", f.Holdout, f.Name)
		}
		if _, dup := fsys[f.Name]; dup {
			t.Errorf("two files named %s", f.Name)
		}
		fsys[f.Name] = &fstest.MapFile{Data: f.Content}
		got = append(got, f.Name+" "+f.Holdout)
	}
	want := []string{
		"hogsync-holdout.yaml hogsync-holdout",
		"hogsync-holdout--3.yaml hogsync",
		"hogsync-holdout--4.yaml HOGSYNC",
		"hogsync-holdout--6.yaml Hogsync",
		"hogsync-yml.yaml hogsync.yml",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
	loaded, err := manifest.LoadFS(fsys, "")
	if err != nil || len(loaded) != len(hs) {
		t.Fatalf("loading the export back: %d holdouts, %v; want %d", len(loaded), err, len(hs))
	}
	for _, c := range []string{"hogsync.yaml", "hogsync.yml", "HogSync.YAML", "HOGSYNC.YML"} {
		if !manifest.IsConfigFileName(c) {
			t.Errorf("IsConfigFileName(%q) = false", c)
		}
	}
	for _, c := range []string{"hogsync-holdout.yaml", "hogsync.yaml.bak", "xhogsync.yaml", "hogsync.json"} {
		if manifest.IsConfigFileName(c) {
			t.Errorf("IsConfigFileName(%q) = true", c)
		}
	}
}

func yamlName(s string) string {
	if s == "!!!" {
		return `'!!!'`
	}
	return s
}
