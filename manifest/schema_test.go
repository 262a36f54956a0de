package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/hogsync/hogsync/internal/golden"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
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

// yamlDoc is one non-empty document of a YAML file: where it starts, and
// the JSON value an editor's schema check sees (nil when JSON cannot hold
// it, as with .nan).
type yamlDoc struct {
	line  int
	value any
}

func yamlDocuments(t *testing.T, data []byte) []yamlDoc {
	t.Helper()
	var docs []yamlDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := n.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if v == nil {
			continue
		}
		d := yamlDoc{line: n.Content[0].Line}
		if js, err := json.Marshal(v); err == nil {
			if d.value, err = jsonschema.UnmarshalJSON(bytes.NewReader(js)); err != nil {
				t.Fatal(err)
			}
		}
		docs = append(docs, d)
	}
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
		for i, doc := range yamlDocuments(t, data) {
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
		docs := yamlDocuments(t, data)
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
			if doc.value == nil {
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

// TestConfigSchemaAgreesWithLoader checks the config schema on configs the
// loader takes and refuses.
func TestConfigSchemaAgreesWithLoader(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t, ConfigSchema, ConfigSchemaURL)
	for _, tt := range []struct {
		src   string
		valid bool
	}{
		{"host: https://eu.posthog.com\nproject: 12345\nprotect: [manual-*]\nmax_deletes: 5\n", true},
		{"project: \"0042\"\nmax_deletes: 0\nprotect: []\nhost: http://localhost:8000\n", true},
		{"host:\nproject:\n", true},
		{"hots: https://x.example\n", false},
		{"project: \"@current\"\n", false},
		{"project: 0\n", false},
		{"project: -3\n", false},
		{"project: 1.5\n", false},
		{"project: \"1234567890123456789\"\n", false},
		{"host: us.posthog.com\n", false},
		{"host: ftp://x.example\n", false},
		{"protect: manual-*\n", false},
		{"protect: ['']\n", false},
		{"max_deletes: -1\n", false},
		{"max_deletes: '5'\n", false},
		{"name: a\n", false},
		{"api_key_env: POSTHOG_EU_KEY\n", true},
		{"api_key_env: _k9\n", true},
		{"api_key_env:\n", true},
		{"api_key_env: POSTHOG-EU-KEY\n", false},
		{"api_key_env: 9KEY\n", false},
		{"api_key_env: ''\n", false},
		{"api_key_env: 7\n", false},
		{"api_key_env: phx_0123456789abcdef\n", false},
	} {
		p := parseConfig("hogsync.yaml", []byte(tt.src))
		if (p.config != nil) != tt.valid {
			t.Errorf("%q: the loader gives %v, want valid %v", tt.src, p.errs, tt.valid)
		}
		docs := yamlDocuments(t, []byte(tt.src))
		if len(docs) == 0 {
			docs = []yamlDoc{{}} // an empty config is null
		}
		if err := schema.Validate(docs[0].value); (err == nil) != tt.valid {
			t.Errorf("%q: the schema says %v, want valid %v", tt.src, err, tt.valid)
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
