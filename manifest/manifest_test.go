package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

// group is a filter group with only a rollout percentage.
func group(p float64) []FilterGroup { return []FilterGroup{{RolloutPercentage: p}} }

func TestLoadFS(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  []Holdout
	}{
		{
			name: "multi-document file with empty documents",
			files: fstest.MapFS{"a.yaml": {Data: []byte(`# leading comment
---
name: first
filters: [{rollout_percentage: 10}]
---
# only a comment
---
---
name: second
filters:
  - rollout_percentage: 20
...
`)}},
			want: []Holdout{
				{Name: "first", Filters: group(10), Pos: Pos{"a.yaml", 3, 7}},
				{Name: "second", Filters: group(20), Pos: Pos{"a.yaml", 9, 7}},
			},
		},
		{
			name: "percentages: fractional, bounds, integer written as float",
			files: fstest.MapFS{"p.yaml": {Data: []byte(`name: p
filters:
  - rollout_percentage: 0.5
  - rollout_percentage: 0
  - rollout_percentage: 100
  - rollout_percentage: 10.0
  - rollout_percentage: 1e1
  - rollout_percentage: -0
`)}},
			want: []Holdout{{Name: "p", Pos: Pos{"p.yaml", 1, 7}, Filters: []FilterGroup{
				{RolloutPercentage: 0.5}, {RolloutPercentage: 0}, {RolloutPercentage: 100},
				{RolloutPercentage: 10}, {RolloutPercentage: 10}, {RolloutPercentage: 0},
			}}},
		},
		{
			name: "properties passed through as JSON values",
			files: fstest.MapFS{"props.yaml": {Data: []byte(`name: props
filters:
  - rollout_percentage: 10
    properties:
      - key: country
        type: person
        operator: exact
        value: [US, CA]
      - key: n
        value: 3
        float: 2.5
        big: 9223372036854775807
        neg: -4
        bool: true
        "null": null
        quoted: "10"
        date: 2024-01-01
        nested: {a: [1, {b: ~}], "c": []}
        empty: {}
  - rollout_percentage: 20
    properties: []
  - rollout_percentage: 30
    properties:
  - rollout_percentage: 40
`)}},
			want: []Holdout{{Name: "props", Pos: Pos{"props.yaml", 1, 7}, Filters: []FilterGroup{
				{RolloutPercentage: 10, Properties: []map[string]any{
					{"key": "country", "type": "person", "operator": "exact", "value": []any{"US", "CA"}},
					{
						"key": "n", "value": int64(3), "float": 2.5, "big": int64(9223372036854775807),
						"neg": int64(-4), "bool": true, "null": nil, "quoted": "10", "date": "2024-01-01",
						"nested": map[string]any{"a": []any{int64(1), map[string]any{"b": nil}}, "c": []any{}},
						"empty":  map[string]any{},
					},
				}},
				{RolloutPercentage: 20, Properties: []map[string]any{}},
				{RolloutPercentage: 30},
				{RolloutPercentage: 40},
			}}},
		},
		{
			name: "descriptions: absent, null, empty, block scalar trimmed",
			files: fstest.MapFS{"d.yaml": {Data: []byte(`name: absent
filters: [{rollout_percentage: 1}]
---
name: null-desc
description: null
filters: [{rollout_percentage: 1}]
---
name: empty
description: ""
filters: [{rollout_percentage: 1}]
---
name: block
description: |
  Two lines,
  then a newline.
filters: [{rollout_percentage: 1}]
---
name: spaces
description: "  padded  "
filters: [{rollout_percentage: 1}]
`)}},
			want: []Holdout{
				{Name: "absent", Filters: group(1), Pos: Pos{"d.yaml", 1, 7}},
				{Name: "null-desc", Filters: group(1), Pos: Pos{"d.yaml", 4, 7}},
				{Name: "empty", Filters: group(1), Pos: Pos{"d.yaml", 8, 7}},
				{Name: "block", Description: "Two lines,\nthen a newline.", Filters: group(1), Pos: Pos{"d.yaml", 12, 7}},
				{Name: "spaces", Description: "padded", Filters: group(1), Pos: Pos{"d.yaml", 18, 7}},
			},
		},
		{
			name: "previous names, aggregation index, key order free",
			files: fstest.MapFS{"r.yaml": {Data: []byte(`filters:
  - aggregation_group_type_index: 2
    rollout_percentage: 15
  - rollout_percentage: 15
    aggregation_group_type_index: null
previous_names: [old-one, "old two"]
name: renamed
---
name: no-previous
previous_names: []
filters: [{rollout_percentage: 1, aggregation_group_type_index: 0}]
`)}},
			want: []Holdout{
				{
					Name: "renamed", PreviousNames: []string{"old-one", "old two"}, Pos: Pos{"r.yaml", 7, 7},
					Filters: []FilterGroup{{RolloutPercentage: 15, AggregationGroupTypeIndex: ptr(int64(2))}, {RolloutPercentage: 15}},
				},
				{Name: "no-previous", Pos: Pos{"r.yaml", 9, 7}, Filters: []FilterGroup{{RolloutPercentage: 1, AggregationGroupTypeIndex: ptr(int64(0))}}},
			},
		},
		{
			name: "which files: yaml and yml, sorted, hidden and other files skipped",
			files: fstest.MapFS{
				"b.yml":                   {Data: []byte("name: b\nfilters: [{rollout_percentage: 2}]\n")},
				"a.yaml":                  {Data: []byte("name: a\nfilters: [{rollout_percentage: 1}]\n")},
				"a/z.yaml":                {Data: []byte("name: a-z\nfilters: [{rollout_percentage: 3}]\n")},
				"c/d/e.yaml":              {Data: []byte("name: c-d-e\nfilters: [{rollout_percentage: 4}]\n")},
				".git/x.yaml":             {Data: []byte("not: [valid")},
				"c/.hidden/x.yaml":        {Data: []byte("not: [valid")},
				".hidden.yaml":            {Data: []byte("not: [valid")},
				"c/.also-hidden.yml":      {Data: []byte("not: [valid")},
				"README.md":               {Data: []byte("# not: [valid")},
				"a.yaml.bak":              {Data: []byte("not: [valid")},
				"schema.json":             {Data: []byte("{")},
				"c/yaml":                  {Data: []byte("not: [valid")},
				"folder.yaml/in.yaml":     {Data: []byte("name: in-folder\nfilters: [{rollout_percentage: 5}]\n")},
				"empty.yaml":              {Data: nil},
				"only-comments.yml":       {Data: []byte("# nothing here\n")},
				"link.yaml":               {Data: []byte("not: [valid"), Mode: fs.ModeSymlink},
				"dir-named-yml.yml/x.txt": {Data: []byte("not: [valid")},
			},
			// fs.WalkDir visits each folder's entries in lexical order, so
			// "a/" (its name is "a") comes before "a.yaml".
			want: []Holdout{
				{Name: "a-z", Filters: group(3), Pos: Pos{"a/z.yaml", 1, 7}},
				{Name: "a", Filters: group(1), Pos: Pos{"a.yaml", 1, 7}},
				{Name: "b", Filters: group(2), Pos: Pos{"b.yml", 1, 7}},
				{Name: "c-d-e", Filters: group(4), Pos: Pos{"c/d/e.yaml", 1, 7}},
				{Name: "in-folder", Filters: group(5), Pos: Pos{"folder.yaml/in.yaml", 1, 7}},
			},
		},
		{
			name:  "no manifests",
			files: fstest.MapFS{"README.md": {Data: []byte("hi")}},
			want:  []Holdout{},
		},
		{
			name:  "empty folder",
			files: fstest.MapFS{},
			want:  []Holdout{},
		},
		{
			name: "names: unicode, 400 characters, inner spaces",
			files: fstest.MapFS{"n.yaml": {Data: []byte("name: " + strings.Repeat("é", 400) + "\nfilters: [{rollout_percentage: 1}]\n" +
				"---\nname: 'with  inner  spaces'\nfilters: [{rollout_percentage: 1}]\n")}},
			want: []Holdout{
				{Name: strings.Repeat("é", 400), Filters: group(1), Pos: Pos{"n.yaml", 1, 7}},
				{Name: "with  inner  spaces", Filters: group(1), Pos: Pos{"n.yaml", 4, 7}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadFS(tt.files, "")
			if err != nil {
				t.Fatalf("LoadFS: %v", err)
			}
			if got == nil {
				t.Fatal("LoadFS returned a nil slice, want non-nil")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("holdouts differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadFSPrefix checks the display path of holdouts and problems.
func TestLoadFSPrefix(t *testing.T) {
	fsys := fstest.MapFS{"team/a.yaml": {Data: []byte("name: a\nfilters: [{rollout_percentage: 1}]\n")}}
	for prefix, want := range map[string]string{
		"":             "team/a.yaml",
		"manifests":    "manifests/team/a.yaml",
		"./manifests/": "manifests/team/a.yaml",
		"/abs/dir":     "/abs/dir/team/a.yaml",
	} {
		hs, err := LoadFS(fsys, prefix)
		if err != nil {
			t.Fatalf("LoadFS(%q): %v", prefix, err)
		}
		if got := hs[0].Pos.File; got != want {
			t.Errorf("LoadFS(%q): file %q, want %q", prefix, got, want)
		}
	}
}

// TestLoadFSReportsEveryFile checks that problems in several files come back
// together, sorted by file in load order, then line and column, and that
// valid files next to them do not produce holdouts.
func TestLoadFSReportsEveryFile(t *testing.T) {
	fsys := fstest.MapFS{
		"a/x.yaml": {Data: []byte("name: x\nfilters: [{rollout_percentage: 101}]\nfiltres: 1\n")},
		"a.yaml":   {Data: []byte("colour: 1\nname: [a]\nfilters: [{rollout_percentage: '5'}]\n")},
		"b.yaml":   {Data: []byte("name: fine\nfilters: [{rollout_percentage: 1}]\n")},
		"c.yaml":   {Data: []byte("name: [broken\n")},
		"d.yaml":   {Data: []byte("name: x\nfilters: [{rollout_percentage: 1}]\n")},
	}
	hs, err := LoadFS(fsys, "m")
	if hs != nil {
		t.Errorf("got holdouts %v, want nil", hs)
	}
	var list List
	if !errors.As(err, &list) {
		t.Fatalf("error %T %v, want List", err, err)
	}
	want := []string{
		"m/a/x.yaml:2:32 out-of-range",
		"m/a/x.yaml:3:1 unknown-key",
		"m/a.yaml:1:1 unknown-key",
		"m/a.yaml:2:7 wrong-type",
		"m/a.yaml:3:32 wrong-type",
		"m/c.yaml:1:1 yaml-syntax",
		"m/d.yaml:1:7 duplicate-name",
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Pos.String()+" "+e.Code)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems differ (-want +got):\n%s", diff)
	}
}

func TestLoadFSFileSize(t *testing.T) {
	valid := "name: big\nfilters: [{rollout_percentage: 1}]\n"
	pad := func(n int) []byte { // a valid manifest of exactly n bytes
		return []byte(valid + "#" + strings.Repeat("x", n-len(valid)-2) + "\n")
	}
	if hs, err := LoadFS(fstest.MapFS{"big.yaml": {Data: pad(MaxFileSize)}}, ""); err != nil || len(hs) != 1 {
		t.Errorf("file of exactly MaxFileSize: got %d holdouts, %v; want 1, nil", len(hs), err)
	}
	_, err := LoadFS(fstest.MapFS{
		"big.yaml":   {Data: pad(MaxFileSize + 1)},
		"other.yaml": {Data: []byte("name: other\nfilters: []\n")},
	}, "dir")
	want := []string{"dir/big.yaml file-too-large", "dir/other.yaml empty-filters"}
	if diff := cmp.Diff(want, codes(errList(t, err))); diff != "" {
		t.Errorf("file over MaxFileSize (-want +got):\n%s", diff)
	}
}

func TestLoadMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	_, err := Load(dir)
	if err == nil {
		t.Fatal("Load of a missing folder: no error")
	}
	var list List
	if errors.As(err, &list) {
		t.Errorf("Load of a missing folder gave a List, want a plain error: %v", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not match fs.ErrNotExist", err)
	}
	if want := `manifest directory "` + filepath.ToSlash(dir) + `": no such file or directory`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}

	file := filepath.Join(t.TempDir(), "file.yaml")
	if err := os.WriteFile(file, []byte("name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(file)
	if want := `manifest directory "` + filepath.ToSlash(file) + `": not a directory`; err == nil || err.Error() != want {
		t.Errorf("Load of a file: error %v, want %q", err, want)
	}
}

// TestLoadValid loads the realistic manifests of testdata/valid from disk.
func TestLoadValid(t *testing.T) {
	got, err := Load("testdata/valid")
	if err != nil {
		t.Fatal(err)
	}
	want := []Holdout{
		{
			Name:        "checkout-q4",
			Description: "Held out of checkout tests in Q4",
			Filters: []FilterGroup{{RolloutPercentage: 10, Properties: []map[string]any{
				{"key": "country", "type": "person", "operator": "exact", "value": []any{"US", "CA"}},
				{"key": "signup_count", "type": "person", "operator": "gt", "value": int64(3)},
			}}},
			PreviousNames: []string{"checkout-holdout"},
			Pos:           Pos{"testdata/valid/checkout.yaml", 2, 7},
		},
		{
			Name:        "checkout-experiments-2025",
			Description: "Users held out of every checkout experiment in 2025,\nso the team can measure the combined effect.",
			Filters: []FilterGroup{
				{RolloutPercentage: 2.5},
				{RolloutPercentage: 5, Properties: []map[string]any{
					{"key": "plan", "type": "person", "operator": "exact", "value": "enterprise"},
					{"key": "$browser", "type": "person", "operator": "is_set", "value": nil},
					{"key": "score", "type": "person", "operator": "gte", "value": 0.75},
				}},
			},
			Pos: Pos{"testdata/valid/checkout.yaml", 18, 7},
		},
		{
			Name: "search-companies",
			Filters: []FilterGroup{{RolloutPercentage: 20, AggregationGroupTypeIndex: ptr(int64(0)), Properties: []map[string]any{
				{"key": "industry", "type": "group", "group_type_index": int64(0), "operator": "icontains", "value": "retail"},
				{"key": "created", "type": "group", "group_type_index": int64(0), "operator": "is_date_after", "value": "2024-01-01"},
			}}},
			Pos: Pos{"testdata/valid/team/search.yml", 2, 7},
		},
		{
			Name:    "search-everyone",
			Filters: []FilterGroup{{RolloutPercentage: 0, Properties: []map[string]any{}}},
			Pos:     Pos{"testdata/valid/team/search.yml", 21, 7},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("holdouts differ (-want +got):\n%s", diff)
	}
}

// TestExamples loads the example manifests shipped with hogsync, so that a
// broken example fails here first.
func TestExamples(t *testing.T) {
	const dir = "../examples/manifests"
	if _, err := os.Stat(dir); err != nil {
		t.Skip(err)
	}
	if _, err := Load(dir); err != nil {
		t.Error(err)
	}
}

// TestExamplesHaveNoWarnings: a newcomer's first validate of the examples
// prints no warning (properties, which current PostHog stores but does
// not evaluate, are shown in docs/manifests.md instead), and they are
// read without one by YAML 1.1 tools too.
func TestExamplesHaveNoWarnings(t *testing.T) {
	t.Parallel()
	res, err := LoadDir("../examples/manifests")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Holdouts) == 0 {
		t.Fatal("no example holdouts")
	}
	for _, w := range res.Warnings {
		t.Errorf("%v [%s]", w, w.Code)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"filtres", "filters"},
		{"filter", "filters"},
		{"Name", "name"},
		{"nme", "name"},
		{"descripton", "description"},
		{"previous_name", "previous_names"},
		{"previousNames", "previous_names"},
		{"colour", ""},
		{"desc", ""},
		{"", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, holdoutKeys); got != tt.want {
			t.Errorf("suggest(%q, holdoutKeys) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for in, want := range map[string]string{
		"rollout-percentage":         "rollout_percentage",
		"rollout_percent":            "rollout_percentage",
		"propertes":                  "properties",
		"aggregation_group_type_idx": "aggregation_group_type_index",
		"variant":                    "",
	} {
		if got := suggest(in, groupKeys); got != want {
			t.Errorf("suggest(%q, groupKeys) = %q, want %q", in, got, want)
		}
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"name", "name", 0},
		{"filtres", "filters", 2},
		{"kitten", "sitting", 3},
		{"é", "e", 1}, // counted in runes, not bytes
		{"flaw", "lawn", 2},
	}
	for _, tt := range tests {
		if got := levenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := levenshtein(tt.b, tt.a); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

// TestSyntaxErrorLine checks that YAML syntax errors point at the right
// line whichever part of the YAML library found them.
func TestSyntaxErrorLine(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"a: 1\nb: {x: 1\n", "f.yaml:2:1: invalid YAML: did not find expected ',' or '}'"},
		{"a: 1\n- b\n", "f.yaml:2:1: invalid YAML: did not find expected key"},
		{"a: 1\n\n\nb: ]\n", "f.yaml:4:1: invalid YAML: did not find expected node content"},
		{"a: 1\nb: 2\nc 3\nd: 4\n", "f.yaml:3:1: invalid YAML: could not find expected ':'"},
		{"a: 1\nb: @x\n", "f.yaml:2:1: invalid YAML: found character that cannot start any token"},
		{"a: 1\n\tb: 2\n", "f.yaml:2:1: invalid YAML: found a tab character that violates indentation"},
		{"[", "f.yaml:1:1: invalid YAML: did not find expected node content"},
		{"a: 1\nb: [1,\n", "f.yaml:2:1: invalid YAML: did not find expected node content"},
		{"a: 1\nb: [1,", "f.yaml:2:1: invalid YAML: did not find expected node content"},
		{"a: \xff\n", "f.yaml:1:1: invalid YAML: invalid leading UTF-8 octet"},
	}
	for _, tt := range tests {
		_, err := LoadFS(fstest.MapFS{"f.yaml": {Data: []byte(tt.src)}}, "")
		if err == nil || err.Error() != tt.want {
			t.Errorf("LoadFS(%q): got %v, want %s", tt.src, err, tt.want)
		}
	}
}

func TestSourceIDFromExportComment(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte("# Exported by hogsync from https://us.posthog.com, project 1, holdout id 42.\n# hogsync-source-id: 42\nname: a\nfilters:\n  - rollout_percentage: 1\n---\n# hogsync-source-id: 7\nname: b\nfilters:\n  - rollout_percentage: 1\n---\nname: c\n# hogsync-source-id: 9\nfilters:\n  - rollout_percentage: 1\n---\n# hogsync-source-id: nope\nname: d\nfilters:\n  - rollout_percentage: 1\n")},
	}
	hs, err := LoadFS(fsys, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, h := range hs {
		got[h.Name] = h.SourceID
	}
	// Only a leading comment counts; a malformed id is no id.
	want := map[string]int64{"a": 42, "b": 7, "c": 0, "d": 0}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("source ids (-want +got):\n%s", d)
	}
}

func TestSourceIDRules(t *testing.T) {
	const doc = "name: a\nfilters:\n  - rollout_percentage: 1\n"
	tests := []struct {
		name, head string
		id         int64
	}{
		{"exported", "# Exported by hogsync from https://us.posthog.com, project 1, holdout id 42.\n# hogsync-source-id: 42\n", 42},
		{"CRLF and trailing space", "# hogsync-source-id: 9 \r\n", 9},
		{"after other comments", "# mine\n#\n# hogsync-source-id: 12\n", 12},
		{"first line wins", "# hogsync-source-id: 1\n# hogsync-source-id: 2\n", 1},
		{"largest id", "# hogsync-source-id: 9223372036854775807\n", 9223372036854775807},
		{"after a document marker", "---\n# hogsync-source-id: 5\n", 5},
		{"none", "", 0},
		{"zero", "# hogsync-source-id: 0\n", 0},
		{"sign", "# hogsync-source-id: +5\n", 0},
		{"negative", "# hogsync-source-id: -5\n", 0},
		{"not a number", "# hogsync-source-id: 5a\n", 0},
		{"missing", "# hogsync-source-id: \n", 0},
		{"overflow", "# hogsync-source-id: 9223372036854775808\n", 0},
		{"other spacing", "#hogsync-source-id: 5\n", 0},
		{"malformed first line wins", "# hogsync-source-id: x\n# hogsync-source-id: 5\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs, err := LoadFS(fstest.MapFS{"a.yaml": {Data: []byte(tt.head + doc)}}, "")
			if err != nil {
				t.Fatal(err)
			}
			if hs[0].SourceID != tt.id {
				t.Errorf("SourceID = %d, want %d", hs[0].SourceID, tt.id)
			}
		})
	}
}

func TestParse(t *testing.T) {
	hs, err := Parse("x.yaml", []byte("name: a\nfilters:\n  - rollout_percentage: 1\n"))
	if err != nil || len(hs) != 1 || hs[0].Pos != (Pos{"x.yaml", 1, 7}) {
		t.Errorf("Parse = %+v, %v", hs, err)
	}
	_, err = Parse("x.yaml", []byte("name: a\nfilters: []\n"))
	if list := errList(t, err); len(list) != 1 || list[0].Pos != (Pos{"x.yaml", 2, 10}) || list[0].Code != CodeEmptyFilters {
		t.Errorf("err = %v", err)
	}
}

// PostHog trims names as Python's str.strip() does, which removes the
// information separators U+001C–U+001F too; a name ending in one would be
// stored without it, and every sync would create it again.
func TestNameWithPythonWhiteSpaceIsRefused(t *testing.T) {
	for _, r := range []rune{0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x2003} {
		content := fmt.Sprintf("name: \"abc\\u%04x\"\nfilters:\n  - rollout_percentage: 1\n", r)
		_, err := Parse("a.yaml", []byte(content))
		if list := errList(t, err); len(list) != 1 || list[0].Code != CodeNameWhitespace {
			t.Errorf("U+%04X: err = %v", r, err)
		}
	}
}
