package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// `validate a.yaml b.yaml -o json` on broken files prints every problem
// of both files, errors and warnings, in file, line and column order, as
// one JSON array on stdout, and exits 1.
func TestValidateJSONOnBrokenFiles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", "name: a\n"+
		"colour: red\n"+ // unknown key
		"filters:\n"+
		"  - rollout_percentage: 5\n"+
		"  - rollout_percentage: 6\n") // a second group: stored, not evaluated
	h.write("b.yaml", "name: b\n"+
		"description: no filters\n"+ // missing filters
		"---\n"+
		"name: c\n"+
		"filters:\n"+
		"  - rollout_percentage: 150\n") // out of range
	a, b := filepath.Join(h.dir, "a.yaml"), filepath.Join(h.dir, "b.yaml")
	r := h.run("validate", a, b, "-o", "json").must(t, exitFailure)

	type problem struct {
		File     string `json:"file"`
		Line     int    `json:"line"`
		Col      int    `json:"col"`
		Code     string `json:"code"`
		Severity string `json:"severity"`
		Message  string `json:"message"`
	}
	var got []problem
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not a JSON array of problems: %v\n%s", err, r.stdout)
	}
	for i := range got {
		if got[i].Message == "" {
			t.Errorf("problem %d has no message: %+v", i, got[i])
		}
		got[i].Message = ""
	}
	want := []problem{
		{File: a, Line: 2, Col: 1, Code: "unknown-key", Severity: "error"},
		{File: a, Line: 5, Col: 5, Code: "ignored-by-flags", Severity: "warning"},
		{File: b, Line: 1, Col: 1, Code: "missing-filters", Severity: "error"},
		{File: b, Line: 6, Col: 25, Code: "out-of-range", Severity: "error"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
}
