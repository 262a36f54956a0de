package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// The differential test: one corpus of boundary cases, each a manifest
// file or a hogsync.yaml, goes through the loader and through a JSON
// Schema validator that reads YAML as a YAML 1.2 editor does; every
// document the two judge differently must be listed, with its reason, in
// docs/manifests.md.
const (
	differentialDir = "testdata/differential"
	disagreementDoc = "../docs/manifests.md"
)

// corpusCase is one file of a corpus archive.
type corpusCase struct {
	name string // the archive's base name and the file's: "holdouts/name-yes"
	data []byte
	// codes are the codes the loader must report for the file, errors
	// and warnings, sorted and without repeats; none for "valid".
	codes []string
}

var caseHeader = regexp.MustCompile(`^-- ([A-Za-z0-9][A-Za-z0-9.+-]*): ([a-z0-9 -]+) --$`)

// readCorpus reads an archive of cases: each starts with a line
// "-- NAME: CODES --", CODES being the loader's codes for it or "valid",
// and holds the lines up to the next such line, each ending in a newline.
func readCorpus(t *testing.T, archive string) []corpusCase {
	t.Helper()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(archive[strings.LastIndex(archive, "/")+1:], ".txtar")
	var cases []corpusCase
	seen := map[string]bool{}
	for i, line := range strings.SplitAfter(string(data), "\n") {
		m := caseHeader.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
		switch {
		case m != nil:
			c := corpusCase{name: base + "/" + m[1]}
			if seen[c.name] {
				t.Fatalf("%s:%d: case %s twice", archive, i+1, m[1])
			}
			seen[c.name] = true
			if m[2] != "valid" {
				c.codes = strings.Fields(m[2])
				if !slices.IsSorted(c.codes) || len(slices.Compact(slices.Clone(c.codes))) != len(c.codes) {
					t.Fatalf("%s:%d: codes %q are not sorted and distinct", archive, i+1, m[2])
				}
			}
			cases = append(cases, c)
		case strings.HasPrefix(line, "-- "):
			t.Fatalf("%s:%d: %q is not a case header (-- name: codes --)", archive, i+1, line)
		case len(cases) == 0:
			if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#") {
				t.Fatalf("%s:%d: text before the first case", archive, i+1)
			}
		default:
			cases[len(cases)-1].data = append(cases[len(cases)-1].data, line...)
		}
	}
	if len(cases) == 0 {
		t.Fatalf("%s holds no case", archive)
	}
	return cases
}

// editorDoc is one YAML document as an editor's schema check sees it.
type editorDoc struct {
	line  int // where it starts
	value any // its JSON value, as jsonschema.UnmarshalJSON would give it
	// json is false when JSON cannot hold the value (.nan, .inf): the
	// schema cannot judge it.
	json bool
}

// editorDocuments reads data as a YAML 1.2 editor (yaml-language-server)
// does: every document, the empty ones as null, plain scalars resolved by
// the YAML 1.2 core schema (where 010 is 10, 1_000 and 2026-01-01 are
// strings, yes is a string), aliases expanded, "<<" an ordinary key.
func editorDocuments(t *testing.T, data []byte) []editorDoc {
	t.Helper()
	var docs []editorDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("invalid YAML in the corpus: %v", err)
		}
		d := editorDoc{line: n.Line, json: true}
		if len(n.Content) > 0 {
			d.value, d.json = editorValue(n.Content[0])
		}
		docs = append(docs, d)
	}
}

var (
	core12Null  = regexp.MustCompile(`^(?:~|[Nn]ull|NULL|)$`)
	core12Bool  = regexp.MustCompile(`^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$`)
	core12Int   = regexp.MustCompile(`^[-+]?[0-9]+$`)
	core12Oct   = regexp.MustCompile(`^0o[0-7]+$`)
	core12Hex   = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)
	core12Float = regexp.MustCompile(`^([-+]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([-+]?[0-9]+))?$`)
	core12Inf   = regexp.MustCompile(`^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
)

// editorValue is n as a YAML 1.2 core schema reader gives it in JSON; ok
// is false when JSON cannot hold it.
func editorValue(n *yaml.Node) (v any, ok bool) {
	switch n.Kind {
	case yaml.AliasNode:
		return editorValue(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		ok = true
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, _ := editorValue(n.Content[i])
			v, vok := editorValue(n.Content[i+1])
			m[fmt.Sprint(k)] = v
			ok = ok && vok
		}
		return m, ok
	case yaml.SequenceNode:
		s := []any{}
		ok = true
		for _, e := range n.Content {
			v, eok := editorValue(e)
			s = append(s, v)
			ok = ok && eok
		}
		return s, ok
	}
	tag := ""
	switch {
	case n.Style&yaml.TaggedStyle != 0:
		tag = n.ShortTag()
	case n.Style == 0: // plain: resolved by its text
		tag = core12Tag(n.Value)
	}
	switch tag {
	case "!!null":
		return nil, true
	case "!!bool":
		return strings.EqualFold(n.Value, "true"), true
	case "!!int", "!!float":
		return core12Number(n.Value)
	}
	return n.Value, true
}

func core12Tag(s string) string {
	switch {
	case core12Null.MatchString(s):
		return "!!null"
	case core12Bool.MatchString(s):
		return "!!bool"
	case core12Int.MatchString(s), core12Oct.MatchString(s), core12Hex.MatchString(s):
		return "!!int"
	case core12Inf.MatchString(s):
		return "!!float"
	}
	if m := core12Float.FindStringSubmatch(s); m != nil && (m[2] != "" || m[3] != "") {
		return "!!float"
	}
	return "!!str"
}

// core12Number is the JSON number a YAML 1.2 number's text stands for,
// exactly (a json.Number, as the validator reads JSON).
func core12Number(s string) (any, bool) {
	var i big.Int
	switch {
	case core12Oct.MatchString(s):
		i.SetString(s[2:], 8)
		return json.Number(i.String()), true
	case core12Hex.MatchString(s):
		i.SetString(s[2:], 16)
		return json.Number(i.String()), true
	case core12Inf.MatchString(s):
		return nil, false
	}
	m := core12Float.FindStringSubmatch(s)
	if m == nil {
		return s, true // a tag on text that is not a number: leave it a string
	}
	sign, whole, frac, exp := m[1], strings.TrimLeft(m[2], "0"), m[3], m[4]
	if sign == "+" {
		sign = ""
	}
	if whole == "" {
		whole = "0"
	}
	out := sign + whole
	if frac != "" {
		out += "." + frac
	}
	if exp != "" {
		out += "e" + exp
	}
	return json.Number(out), true
}

// loaderVerdict is what the loader made of a case: every problem, and
// which documents (by the editor's numbering) hold an error.
func loaderVerdict(c corpusCase, config bool, docs []editorDoc) (problems List, refused map[int]bool) {
	l := newLoader()
	if config {
		l.addFile(parseConfig(c.name, c.data))
	} else {
		l.addFile(parseFile(c.name, c.data))
	}
	_, warns := l.result()
	refused = map[int]bool{}
	for _, e := range l.errs.list() {
		i := len(docs) - 1
		for i > 0 && docs[i].line > e.Pos.Line {
			i--
		}
		refused[max(i, 0)] = true
	}
	return append(l.errs.list(), warns...), refused
}

// listedDisagreement is one row of the table in docs/manifests.md.
type listedDisagreement struct {
	schemaAccepts bool
	used          bool
}

var disagreementRow = regexp.MustCompile("^\\| `((?:holdouts|configs)/[A-Za-z0-9.+-]+)` \\| (accepts|refuses) \\| (accepts|refuses)[^|]* \\| [^|]*\\S[^|]* \\|$")

// listedDisagreements reads the table of cases where the schema and the
// loader differ, with the reason, from docs/manifests.md.
func listedDisagreements(t *testing.T) map[string]*listedDisagreement {
	t.Helper()
	data, err := os.ReadFile(disagreementDoc)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]*listedDisagreement{}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `holdouts/") && !strings.HasPrefix(line, "| `configs/") {
			continue
		}
		m := disagreementRow.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("%s: a row that is not | `case` | accepts/refuses | accepts/refuses ... | why |: %s", disagreementDoc, line)
			continue
		}
		if m[2] == m[3] {
			t.Errorf("%s: %s is listed as a disagreement where both %s", disagreementDoc, m[1], m[2])
		}
		listed[m[1]] = &listedDisagreement{schemaAccepts: m[2] == "accepts"}
	}
	return listed
}

// TestSchemaAndLoaderAgree is the differential test: every case of
// testdata/differential, through the loader and through the JSON Schema
// (compiled and run by santhosh-tekuri/jsonschema, over the YAML as an
// editor reads it). Each document both judge alike, or the case is in
// the table of docs/manifests.md, which says which side accepts it and
// why; a row for a case that no longer differs fails too. The loader's
// codes for each case are checked against the case's header.
func TestSchemaAndLoaderAgree(t *testing.T) {
	t.Parallel()
	listed := listedDisagreements(t)
	schemas := map[string]*jsonschema.Schema{
		"holdouts": compileSchema(t, Schema, SchemaURL),
		"configs":  compileSchema(t, ConfigSchema, ConfigSchemaURL),
	}
	total, compared, differ := 0, 0, 0
	for _, kind := range []string{"holdouts", "configs"} {
		for _, c := range readCorpus(t, differentialDir+"/"+kind+".txtar") {
			total++
			docs := editorDocuments(t, c.data)
			problems, refused := loaderVerdict(c, kind == "configs", docs)
			var codes []string
			for _, p := range problems {
				codes = append(codes, p.Code)
			}
			slices.Sort(codes)
			if d := slices.Compact(codes); !slices.Equal(d, c.codes) {
				t.Errorf("%s: the loader reports codes %q, the corpus says %q:\n%s", c.name, d, c.codes, render(problems))
			}
			for i, d := range docs {
				if !d.json {
					continue // JSON cannot hold it: the schema cannot judge it
				}
				compared++
				err := schemas[kind].Validate(d.value)
				if (err == nil) == !refused[i] {
					continue
				}
				differ++
				row := listed[c.name]
				switch {
				case row == nil:
					t.Errorf("%s, document %d (line %d): the schema %s, the loader %s; make them agree, or list the case with its reason in %s\nschema: %v\nloader:\n%s",
						c.name, i+1, d.line, verdict(err == nil), verdict(!refused[i]), disagreementDoc, err, render(problems))
				case row.schemaAccepts != (err == nil):
					t.Errorf("%s: %s says the schema %s it, but it %s it", c.name, disagreementDoc, verdict(row.schemaAccepts), verdict(err == nil))
				default:
					row.used = true
				}
			}
		}
	}
	for name, row := range listed {
		if !row.used {
			t.Errorf("%s lists %s as a disagreement, but the schema and the loader agree on it (or it is not in the corpus): remove the row", disagreementDoc, name)
		}
	}
	if compared < 100 {
		t.Errorf("only %d documents of %d cases compared", compared, total)
	}
	t.Logf("%d cases, %d documents compared, %d listed disagreements", total, compared, differ)
}

func verdict(accepts bool) string {
	if accepts {
		return "accepts"
	}
	return "refuses"
}
