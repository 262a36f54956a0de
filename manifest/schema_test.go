package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hogsync/hogsync/internal/golden"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFiles are the checked-in copies of the generated schemas.
var schemaFiles = []struct {
	path string
	gen  func() []byte
	url  string
}{
	{"../schema/holdout.schema.json", Schema, SchemaURL},
	{"../schema/config.schema.json", ConfigSchema, ConfigSchemaURL},
}

// TestSchemaFiles fails when a checked-in schema differs from the one the
// package makes; go test ./manifest -update rewrites them.
func TestSchemaFiles(t *testing.T) {
	t.Parallel()
	for _, f := range schemaFiles {
		got := f.gen()
		golden.Check(t, f.path, got)
		if !strings.HasSuffix(string(got), "}\n") {
			t.Errorf("%s does not end in a newline", f.path)
		}
		for _, b := range got {
			if b >= 0x80 {
				t.Errorf("%s holds a non-ASCII byte", f.path)
				break
			}
		}
	}
}

// compileSchema compiles a generated schema with a JSON Schema library,
// which also checks it against the draft 2020-12 meta-schema.
func compileSchema(t *testing.T, gen func() []byte, url string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(gen()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchemaAgreesWithLoader: every example and valid manifest passes the
// schema and the loader; invalid cases the schema can see fail it.
func TestSchemaAgreesWithLoader(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t, Schema, SchemaURL)
	var valid []string
	for _, pattern := range []string{"../examples/manifests/*.yaml", "testdata/valid/*.yaml", "testdata/valid/*/*.yml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		valid = append(valid, m...)
	}
	if len(valid) < 5 {
		t.Fatalf("only %d valid manifests found: %v", len(valid), valid)
	}
	for _, p := range valid {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(p, data); err != nil {
			t.Errorf("%s: the loader refuses it: %v", p, err)
		}
		for i, doc := range editorDocuments(t, data) {
			if err := schema.Validate(doc.value); err != nil {
				t.Errorf("%s, document %d: the schema refuses it: %v", p, i+1, err)
			}
		}
	}
	if _, err := Load("../examples/manifests"); err != nil {
		t.Errorf("Load(examples): %v", err)
	}

	// Cases of testdata/invalid whose every problem is one the schema can
	// express: the schema refuses exactly the documents the loader
	// refuses (the cases hold valid documents too, at the limits).
	for _, name := range []string{
		"aggregation-index.yaml", "description-long.yaml", "description-type.yaml", "filter-group-type.yaml",
		"filters-empty.yaml", "filters-missing.yaml", "filters-type.yaml", "name-empty.yaml", "name-long.yaml",
		"name-missing.yaml", "name-nul.yaml", "name-space.yaml", "name-type.yaml", "not-mapping.yaml",
		"previous-names-long.yaml", "previous-names-type.yaml", "properties-type.yaml", "rollout-missing.yaml",
		"rollout-range.yaml", "rollout-type.yaml", "unknown-key-misplaced.yaml", "unknown-key.yaml", "variant-set.yaml",
	} {
		data, err := os.ReadFile(filepath.Join(invalidDir, name))
		if err != nil {
			t.Fatal(err)
		}
		docs := editorDocuments(t, data)
		// The loader's problems, by the document they stand in.
		loaderRefuses := map[int]bool{}
		for _, e := range parseFile(name, data).errs {
			i := len(docs) - 1
			for i > 0 && docs[i].line > e.Pos.Line {
				i--
			}
			loaderRefuses[i] = true
		}
		for i, doc := range docs {
			if !doc.json {
				continue // JSON cannot hold it (.nan): the schema cannot see it
			}
			err := schema.Validate(doc.value)
			if (err != nil) != loaderRefuses[i] {
				t.Errorf("%s, document at line %d: the loader refuses it: %v; the schema: %v", name, doc.line, loaderRefuses[i], err)
			}
		}
		if len(loaderRefuses) == 0 {
			t.Errorf("%s: the loader refuses no document", name)
		}
	}
}

// TestExamplesNameTheSchema: every example manifest starts with the line
// that points editors at the schema.
func TestExamplesNameTheSchema(t *testing.T) {
	t.Parallel()
	examples, err := filepath.Glob("../examples/manifests/*.yaml")
	if err != nil || len(examples) == 0 {
		t.Fatalf("examples: %v, %v", examples, err)
	}
	for _, p := range examples {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if first, _, _ := strings.Cut(string(data), "\n"); first != SchemaComment {
			t.Errorf("%s starts with %q, want %q", p, first, SchemaComment)
		}
	}
}

// schemaKeys are the JSON pointers, in each schema, of the keys a user
// writes, by schema.
var schemaKeys = map[string][]string{
	SchemaURL: {
		"/properties/name", "/properties/description", "/properties/filters", "/properties/previous_names",
		"/$defs/filterGroup/properties/rollout_percentage", "/$defs/filterGroup/properties/properties",
		"/$defs/filterGroup/properties/aggregation_group_type_index",
	},
	ConfigSchemaURL: {
		"/properties/host", "/properties/project", "/properties/api_key_env", "/properties/protect", "/properties/max_deletes",
	},
}

// TestSchemaDescribesEveryKey: hover in an editor explains every key, and
// its completion offers examples that are themselves valid.
func TestSchemaDescribesEveryKey(t *testing.T) {
	t.Parallel()
	for _, f := range schemaFiles {
		var doc map[string]any
		if err := json.Unmarshal(f.gen(), &doc); err != nil {
			t.Fatal(err)
		}
		keys := schemaKeys[f.url]
		if want := len(holdoutKeys) + len(groupKeys); f.url == SchemaURL && len(keys) != want {
			t.Fatalf("schemaKeys lists %d manifest keys, the rules have %d", len(keys), want)
		}
		if f.url == ConfigSchemaURL && len(keys) != len(configKeys) {
			t.Fatalf("schemaKeys lists %d config keys, the rules have %d", len(keys), len(configKeys))
		}
		for _, ptr := range keys {
			node := any(doc)
			for _, part := range strings.Split(ptr[1:], "/") {
				node = node.(map[string]any)[part]
			}
			prop, _ := node.(map[string]any)
			if d, _ := prop["description"].(string); len(d) < 20 {
				t.Errorf("%s%s has no description", f.url, ptr)
			}
			examples, _ := prop["examples"].([]any)
			if len(examples) == 0 {
				t.Errorf("%s%s has no examples", f.url, ptr)
				continue
			}
			sub := compileSchemaAt(t, f.gen, f.url, ptr)
			for _, ex := range examples {
				js, err := json.Marshal(ex)
				if err != nil {
					t.Fatal(err)
				}
				v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
				if err != nil {
					t.Fatal(err)
				}
				if err := sub.Validate(v); err != nil {
					t.Errorf("%s%s: example %s is not valid: %v", f.url, ptr, js, err)
				}
			}
		}
	}
}

// compileSchemaAt compiles the subschema at the JSON pointer ptr.
func compileSchemaAt(t *testing.T, gen func() []byte, url, ptr string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(gen()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url + "#" + ptr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// failedKeywords are the schema locations of the leaf errors of err, as
// "keyword" or "$defs/name/keyword", relative to the schema's root.
func failedKeywords(err error, url string) []string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := strings.TrimPrefix(e.SchemaURL, url+"#")
			kw := strings.Join(e.ErrorKind.KeywordPath(), "/")
			out = append(out, strings.TrimPrefix(loc+"/"+kw, "/"))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	slices.Sort(out)
	return out
}

// TestSchemaNamesTheRuleBroken: an editor explains a value by the rule it
// breaks: a length by maxLength ("longer than 400 characters"), not by a
// pattern full of control characters; white space and NUL by rules of
// their own, whose descriptions say why.
func TestSchemaNamesTheRuleBroken(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t, Schema, SchemaURL)
	long := strings.Repeat("a", MaxDescriptionLength+1)
	tests := []struct {
		doc  string
		want []string
	}{
		{`{"name": "` + long + `", "filters": [{"rollout_percentage": 1}]}`, []string{"$defs/name/maxLength"}},
		{`{"name": "a", "description": "` + long + `", "filters": [{"rollout_percentage": 1}]}`, []string{"properties/description/else/maxLength"}},
		{`{"name": "a", "description": "` + long + `\n", "filters": [{"rollout_percentage": 1}]}`, []string{"properties/description/then/pattern"}},
		{`{"name": " a", "filters": [{"rollout_percentage": 1}]}`, []string{"$defs/trimmed/pattern"}},
		{`{"name": "a\u0000b", "filters": [{"rollout_percentage": 1}]}`, []string{"$defs/noNUL/pattern"}},
		{`{"name": "a", "description": "a\u0000b", "filters": [{"rollout_percentage": 1}]}`, []string{"$defs/noNUL/pattern"}},
		{`{"name": "", "filters": [{"rollout_percentage": 1}]}`, []string{"$defs/name/minLength"}},
	}
	for _, tt := range tests {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		got := failedKeywords(schema.Validate(v), SchemaURL)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%.60s...: the schema fails %q, want %q", tt.doc, got, tt.want)
		}
	}
}

// typeKeywords are the keywords that apply to one JSON type: ajv's strict
// mode (strictTypes) refuses a schema reached by $ref that uses one
// without saying "type".
var typeKeywords = []string{"pattern", "minLength", "maxLength", "minimum", "maximum", "items", "minItems", "uniqueItems", "properties", "required", "additionalProperties"}

// TestSchemaDefsNameTheirType: every schema under $defs and every key's
// schema that uses a type's keywords names the type, so that ajv 8 in
// strict mode compiles the schemas (TestSchemaAndLoaderAgree runs
// santhosh-tekuri/jsonschema, which does not check this).
func TestSchemaDefsNameTheirType(t *testing.T) {
	t.Parallel()
	for _, f := range schemaFiles {
		var doc map[string]any
		if err := json.Unmarshal(f.gen(), &doc); err != nil {
			t.Fatal(err)
		}
		check := func(where string, s map[string]any) {
			if _, ok := s["type"]; ok {
				return
			}
			for _, k := range typeKeywords {
				if _, ok := s[k]; ok {
					t.Errorf("%s%s uses %q without a type", f.url, where, k)
				}
			}
		}
		defs, _ := doc["$defs"].(map[string]any)
		for name, d := range defs {
			check("#/$defs/"+name, d.(map[string]any))
		}
		for _, ptr := range schemaKeys[f.url] {
			node := any(doc)
			for _, part := range strings.Split(ptr[1:], "/") {
				node = node.(map[string]any)[part]
			}
			check("#"+ptr, node.(map[string]any))
		}
	}
}
