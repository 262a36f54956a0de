package sync

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/canon"
	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/manifest"
)

// FuzzRenderMarkdown: whatever names, descriptions, file names and values
// a plan holds, its markdown never breaks out of a code block or a
// <details>, never shows a marker it was not given on its first line, and
// never exceeds its limit. Seeds are in testdata/fuzz/FuzzRenderMarkdown.
func FuzzRenderMarkdown(f *testing.F) {
	f.Add("checkout-q4", "Held out of checkout tests", "m/a.yaml", "legacy", "US", "hogsync-plan:x", 65000)
	f.Add("x` </details> <!-- m -->", "```\n</details>\n````", "m/```.yaml", "<!-- m -->", "````` </summary>", "m", 3000)
	f.Fuzz(func(t *testing.T, name, desc, file, remoteName, value, marker string, limit int) {
		limit = 1500 + abs(limit)%70000
		if strings.ContainsAny(marker, "<>-\n\r") || strings.TrimSpace(marker) != marker {
			marker = "" // the marker is the caller's constant, not input
		}
		name, remoteName = canon.Strip(name), canon.Strip(remoteName)
		if name == "" || remoteName == "" || name == remoteName {
			return
		}
		h := desired(name, 10, withDescription(desc), withProperties(map[string]any{"key": "k", "type": "person", "operator": "exact", "value": value}))
		h.Pos.File = file
		rs := []client.Holdout{remote(1, remoteName, "5"), remote(2, name+"-old", "5")}
		h.PreviousNames = []string{name + "-old", remoteName}
		other := desired(name+"-2", 1)
		other.Pos.File = file
		p, err := Compute([]manifest.Holdout{h, other}, rs, []client.Experiment{{ID: 3, Name: value, Status: desc, Holdout: &client.ExperimentHoldout{ID: 1}}}, Options{Prune: true})
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := RenderMarkdown(&buf, p, Meta{Project: value, Host: file, ProjectSource: desc}, nil, MarkdownOptions{Marker: marker, Limit: limit}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if len(out) > limit {
			t.Fatalf("%d bytes over the limit of %d", len(out), limit)
		}
		first, _, _ := strings.Cut(out, "\n")
		switch {
		case marker != "" && first != MarkerComment(marker):
			t.Fatalf("first line %q is not the marker", first)
		case marker == "" && strings.Contains(first, "<!--"):
			t.Fatalf("first line %q holds a comment", first)
		}
		checkMarkdownStructure(t, out)
	})
}

// checkMarkdownStructure fails when text outside hogsync's own code
// blocks opens or closes a <details> or an HTML comment, or when a code
// block is left open (a cut output may end inside one only after "…").
func checkMarkdownStructure(t *testing.T, out string) {
	t.Helper()
	var outside strings.Builder
	fence := ""
	for line := range strings.SplitSeq(out, "\n") {
		if fence != "" {
			if line == fence {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(line, "```") {
			fence = strings.TrimRight(line, "abcdefghijklmnopqrstuvwxyz")
			continue
		}
		outside.WriteString(line)
		outside.WriteByte('\n')
	}
	o := outside.String()
	if fence != "" && !strings.HasSuffix(out, "…\n") {
		t.Fatalf("a code block is left open:\n%s", out)
	}
	if strings.Count(o, "<details>") != strings.Count(o, "</details>") && !strings.HasSuffix(out, "…\n") {
		t.Fatalf("<details> and </details> do not pair up outside code blocks:\n%s", o)
	}
	if n := strings.Count(o, "<!--"); n > 1 || (n == 1 && !strings.HasPrefix(out, "<!-- ")) {
		t.Fatalf("an HTML comment opened outside code blocks:\n%s", o)
	}
	for _, bad := range []string{"<script", "</summary><", "<summary><"} {
		if strings.Contains(o, bad) {
			t.Fatalf("%q outside code blocks:\n%s", bad, o)
		}
	}
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // the smallest int
			return 0
		}
		return -n
	}
	return n
}

// FuzzReadSavedPlan: no input makes ReadSavedPlan, Stale or Enforce
// panic, and a plan it accepts reads back the same after being written
// out again.
func FuzzReadSavedPlan(f *testing.F) {
	now := samplePlanFor(f)
	var buf bytes.Buffer
	if err := RenderJSON(&buf, now, sampleMeta, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"format_version":"1","changes":[{"action":"update","name":"a","id":1,"before":{"name":"a","filters":[{"rollout_percentage":1e400}]},"after":null,"experiments":[{"id":1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadSavedPlan(bytes.NewReader(data))
		if err != nil {
			return
		}
		_ = s.Stale(now, sampleMeta)
		_ = s.Enforce(now)
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("an accepted plan does not encode: %v", err)
		}
		s2, err := ReadSavedPlan(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("an accepted plan, written out, is refused: %v\n%s", err, again)
		}
		if d := cmp.Diff(s, s2); d != "" {
			t.Fatalf("the plan reads back differently (-first +again):\n%s", d)
		}
	})
}

// samplePlanFor is samplePlan for any test or fuzz target.
func samplePlanFor(tb testing.TB) Plan {
	tb.Helper()
	manifests, remotes, exps := sampleInputs()
	p, err := Compute(manifests, remotes, exps, Options{Prune: true, Force: true})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// FuzzNormalizeRoundTrip: a manifest that loads, written in canonical form,
// loads back as itself: manifest.Parse → desiredState → CanonicalYAML →
// manifest.Parse gives an equal state (what export relies on).
func FuzzNormalizeRoundTrip(f *testing.F) {
	f.Add([]byte("name: a\nfilters:\n  - rollout_percentage: 10\n"))
	f.Add([]byte("name: \"10\"\ndescription: |\n  two\n  lines\nfilters:\n  - rollout_percentage: 5.5\n    properties:\n      - {key: k, type: person, operator: exact, value: [\"true\", 1.5, null]}\n    aggregation_group_type_index: 0\n  - rollout_percentage: 0.1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, err := manifest.Parse("in.yaml", data)
		if err != nil {
			return
		}
		for _, h := range hs {
			want := desiredState(h)
			y := CanonicalYAML(want)
			back, err := manifest.Parse("canonical.yaml", []byte(y))
			if err != nil {
				t.Fatalf("the canonical form of a loaded manifest does not load: %v\n%s", err, y)
			}
			if len(back) != 1 {
				t.Fatalf("the canonical form holds %d holdouts:\n%s", len(back), y)
			}
			if got := desiredState(back[0]); !equal(got, want) {
				t.Fatalf("the canonical form loads back differently:\n%s\n(-want +got):\n%s", y, cmp.Diff(want, got))
			}
		}
	})
}

// FuzzCanonicalYAML: for any state, the emitter writes yaml.v3's bytes
// whenever it writes anything; no line of the YAML is one the GitHub
// Actions runner would read as a workflow command; and the name and
// description read back as they were.
func FuzzCanonicalYAML(f *testing.F) {
	f.Add("a", "", []byte(`[{"rollout_percentage":10,"properties":[{"key":"k","type":"person","operator":"exact","value":["US","CA"]}]}]`))
	f.Add("n ##[add-mask]k", "d ###[set-output name=a]b", []byte(`[{"rollout_percentage":1,"##[x]":"##[y]"}]`))
	f.Add("yes", "two words", []byte(`[{"rollout_percentage":1e-7,"x":{"y":[1,{"z":null}]},"b":true}]`))
	f.Fuzz(func(t *testing.T, name, desc string, filters []byte) {
		dec := json.NewDecoder(bytes.NewReader(filters))
		dec.UseNumber()
		var gs []map[string]any
		if dec.Decode(&gs) != nil {
			return
		}
		for _, g := range gs {
			if g == nil {
				return
			}
		}
		s := State{Name: name, Description: desc, Filters: canon.Groups(gs)}
		if got, ok := emitState(s); ok {
			if want := encodeState(s); got != want {
				t.Fatalf("emitter differs from yaml.v3 (-want +got):\n%s", cmp.Diff(want, got))
			}
		}
		doc := CanonicalYAML(s)
		for _, line := range strings.Split(doc, "\n") {
			if escape.IsCommand(line) {
				t.Fatalf("line %q of\n%s is a workflow command", line, doc)
			}
		}
		var back struct{ Name, Description string }
		if err := yaml.Unmarshal([]byte(doc), &back); err != nil {
			t.Fatalf("%v in\n%s", err, doc)
		}
		if want := strings.ToValidUTF8(name, "\uFFFD"); back.Name != want {
			t.Fatalf("name reads back as %q, want %q, from\n%s", back.Name, want, doc)
		}
	})
}
