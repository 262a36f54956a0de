package manifest

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

// FuzzLoad feeds arbitrary bytes to LoadFS as one manifest file. Whatever
// the input, LoadFS must not panic, and must return either holdouts that
// keep the Holdout invariants or a List of well-formed problems.
func FuzzLoad(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f.Add(data)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("name: a\nfilters: [{rollout_percentage: 1}]\nprevious_names: [a, b, b]\n---\nname: b\nfilters: [{rollout_percentage: 1}]\n"))

	known := codeConstants(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		w := newFSWalker(fstest.MapFS{"dir/f.yaml": {Data: data}}, "fuzz")
		w.walk()
		res, err := load(w.items, w.skipped, false)
		hs := res.Holdouts
		for _, e := range res.Warnings {
			if e.Pos.File != "fuzz/dir/f.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 || e.Msg == "" || e.Severity != SeverityWarning || known[e.Code] == "" {
				t.Errorf("malformed warning %#v", e)
			}
		}
		if err != nil {
			var list List
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want List: %v", err, err)
			}
			if hs != nil {
				t.Errorf("got %d holdouts along with the error", len(hs))
			}
			if len(list) == 0 {
				t.Fatal("empty List returned as an error")
			}
			for _, e := range list {
				if e.Pos.File != "fuzz/dir/f.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 || e.Msg == "" || e.Severity != SeverityError || known[e.Code] == "" {
					t.Errorf("malformed problem %#v", e)
				}
			}
			return
		}
		names := map[string]bool{}
		for _, h := range hs {
			if h.Name == "" || strings.TrimSpace(h.Name) != h.Name || utf8.RuneCountInString(h.Name) > MaxNameLength {
				t.Errorf("invalid name %q", h.Name)
			}
			if names[h.Name] {
				t.Errorf("duplicate name %q", h.Name)
			}
			names[h.Name] = true
			if utf8.RuneCountInString(h.Description) > MaxDescriptionLength || strings.TrimSpace(h.Description) != h.Description {
				t.Errorf("invalid description %q", h.Description)
			}
			if len(h.Filters) == 0 {
				t.Errorf("holdout %q has no filter group", h.Name)
			}
			for _, g := range h.Filters {
				if p := g.RolloutPercentage; math.IsNaN(p) || p < 0 || p > 100 {
					t.Errorf("holdout %q: rollout_percentage %v", h.Name, p)
				}
				if i := g.AggregationGroupTypeIndex; i != nil && *i < 0 {
					t.Errorf("holdout %q: aggregation_group_type_index %d", h.Name, *i)
				}
				if _, err := json.Marshal(g.Properties); err != nil {
					t.Errorf("holdout %q: properties are not JSON: %v", h.Name, err)
				}
			}
			for _, p := range h.PreviousNames {
				if p == h.Name || p == "" || strings.TrimSpace(p) != p || utf8.RuneCountInString(p) > MaxNameLength {
					t.Errorf("holdout %q: invalid previous name %q", h.Name, p)
				}
			}
		}
	})
}

// FuzzConfig feeds arbitrary bytes to the hogsync.yaml parser. Whatever
// the input, it must not panic, and must return either a config that keeps
// the Config invariants or well-formed problems, never both.
func FuzzConfig(f *testing.F) {
	for _, s := range []string{
		"host: https://eu.posthog.com\nproject: 12345\nprotect: [manual-*, 'legacy [a-c]']\nmax_deletes: 5\n",
		"project: \"0042\"\nmax_deletes: 0\nprotect: []\n",
		"project: \"@current\"\nhost: ftp://x\n",
		"protect: ['[a-', '']\nmax_deletes: -1\n",
		"project: &p 1\nmax_deletes: *p\n---\nhost: x\n",
		"hots: 1\nname: a\n",
	} {
		f.Add([]byte(s))
	}
	known := codeConstants(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := parseConfig("m/hogsync.yaml", data)
		if (p.config == nil) == (len(p.errs) == 0) {
			t.Fatalf("config %v with %d problems", p.config, len(p.errs))
		}
		for _, e := range p.errs {
			if e.Pos.File != "m/hogsync.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 || e.Msg == "" || e.Severity != SeverityError || known[e.Code] == "" {
				t.Errorf("malformed problem %#v", e)
			}
		}
		c := p.config
		if c == nil {
			return
		}
		if c.Project != "" && (strings.Trim(c.Project, "0123456789") != "" || strings.HasPrefix(c.Project, "0") || len(c.Project) > maxProjectDigits) {
			t.Errorf("project %q", c.Project)
		}
		if c.MaxDeletes != nil && *c.MaxDeletes < 0 {
			t.Errorf("max_deletes %d", *c.MaxDeletes)
		}
		for _, pat := range c.Protect {
			if pat == "" || patternError(pat) != nil {
				t.Errorf("protect pattern %q", pat)
			}
		}
		if c.Host != "" && !strings.HasPrefix(strings.ToLower(c.Host), "http") {
			t.Errorf("host %q", c.Host)
		}
		for k := range c.Pos {
			if !contains(configKeys, k) {
				t.Errorf("position for key %q", k)
			}
		}
	})
}
