package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
	"github.com/hogsync/hogsync/manifest"
)

// export runs `hogsync export --out-dir out --host URL --project project args...`.
func (h *harness) export(out, project string, args ...string) result {
	return h.run(append([]string{"export", "--out-dir", out, "--host", h.srv.URL, "--project", project}, args...)...)
}

// syncDir runs `hogsync sync dir --host URL --project project args...`.
func (h *harness) syncDir(dir, project string, args ...string) result {
	return h.run(append([]string{"sync", dir, "--host", h.srv.URL, "--project", project}, args...)...)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dirFiles lists the files in dir, sorted.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// content is a holdout as the plan compares it: name, trimmed description
// (null and empty alike), and filters without variant or empty properties,
// numbers by value.
func content(x posthogtest.Holdout) string {
	d := ""
	if x.Description != nil {
		d = strings.TrimSpace(*x.Description)
	}
	groups := make([]map[string]any, len(x.Filters))
	for i, g := range x.Filters {
		c := map[string]any{}
		for k, v := range g {
			if l, ok := v.([]any); k == "variant" || v == nil || (ok && len(l) == 0 && k == "properties") {
				continue
			}
			c[k] = byValue(v)
		}
		groups[i] = c
	}
	f, err := json.Marshal(groups)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s | %s | %s", x.Name, d, f)
}

func byValue(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			panic(err)
		}
		return f
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = byValue(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = byValue(e)
		}
		return out
	}
	return v
}

func contents(hs []posthogtest.Holdout) []string {
	var out []string
	for _, x := range hs {
		out = append(out, content(x))
	}
	slices.Sort(out)
	return out
}

func prop(key, typ, op string, value any) map[string]any {
	return map[string]any{"key": key, "type": typ, "operator": op, "value": value}
}

// seedVaried stores holdouts in every form PostHog keeps them in.
func seedVaried(h *harness) {
	seed(h, "checkout-q4", sp("Held out of checkout tests in Q4"),
		map[string]any{"rollout_percentage": json.Number("10.0"), "properties": []any{prop("$geoip_country_code", "person", "exact", []any{"US", "CA"})}})
	seed(h, "pricing", nil, map[string]any{"rollout_percentage": 2.5, "properties": []any{}})
	seed(h, "Search v2 (beta)", sp(""),
		map[string]any{"rollout_percentage": 12.75},
		map[string]any{"rollout_percentage": 5, "aggregation_group_type_index": 0,
			"properties": []any{map[string]any{"key": "plan", "type": "group", "group_type_index": 0, "operator": "exact", "value": "enterprise"}}},
		map[string]any{"rollout_percentage": json.Number("100.0"), "properties": nil})
	seed(h, "onboarding-eu", sp("  Held out of onboarding\nin the EU  "),
		map[string]any{"properties": []any{
			map[string]any{"value": "@example.com", "operator": "icontains", "type": "person", "key": "email", "negation": true},
			prop("age", "person", "gt", json.Number("21.0")),
			prop("tags", "person", "exact", []any{"1", 2, true, nil, "null"}),
		}, "rollout_percentage": 0})
	seed(h, "Größe ✓", sp("unicode"), map[string]any{"rollout_percentage": json.Number("0.125")})
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	seedVaried(h)
	out := filepath.Join(h.dir, "export")

	r := h.export(out, "1").must(t, exitOK)
	if r.stderr != "" {
		t.Errorf("stderr on success:\n%s", r.stderr)
	}
	h.golden("export/round-trip.stdout.golden", r.stdout)
	h.golden("export/checkout-q4.yaml.golden", readFile(t, filepath.Join(out, "checkout-q4.yaml")))

	want := []string{"checkout-q4.yaml", "gr-e.yaml", "onboarding-eu.yaml", "pricing.yaml", "search-v2-beta.yaml"}
	if d := cmp.Diff(want, dirFiles(t, out)); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
	ids := map[int64]string{}
	for _, x := range h.emu.Holdouts(1) {
		ids[x.ID] = x.Name
	}
	for _, f := range want {
		c := readFile(t, filepath.Join(out, f))
		if strings.Contains(c, "variant") || strings.Contains(c, "created_") || strings.Contains(c, h.key) {
			t.Errorf("%s holds a server-managed field or the key:\n%s", f, c)
		}
		id, ok := exportedSourceID(t, c)
		if !ok || ids[id] == "" {
			t.Errorf("%s: source id %d, %v", f, id, ok)
		}
		delete(ids, id)
	}
	if len(ids) != 0 {
		t.Errorf("holdouts without a file: %v", ids)
	}
	if strings.Contains(r.stdout+r.stderr, h.key) {
		t.Error("the API key was printed")
	}

	// The promise: a sync right after shows no changes, and the files pass
	// validate.
	h.syncDir(out, "1", "--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
	h.run("validate", out).must(t, exitOK).contains(t, "5 holdouts are valid.")
}

func TestExportMigratesToAnotherProject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.emu.AddProject(2)
	for i := range 150 {
		g := map[string]any{"rollout_percentage": json.Number(fmt.Sprintf("%d.%d", i%100, []int{0, 25, 5, 75}[i%4]))}
		if i%3 == 0 {
			g["properties"] = []any{prop("country", "person", "exact", []any{"US", fmt.Sprintf("C%d", i)})}
		}
		groups := []map[string]any{g}
		if i%10 == 0 {
			groups = append(groups, map[string]any{"rollout_percentage": 1, "aggregation_group_type_index": 0})
		}
		var desc *string
		if i%2 == 0 {
			desc = sp(fmt.Sprintf("holdout number %d", i))
		}
		seed(h, fmt.Sprintf("holdout %03d", i), desc, groups...)
	}
	out := filepath.Join(h.dir, "export")

	h.emu.ResetRequests()
	h.export(out, "1").must(t, exitOK).contains(t, "Exported 150 holdouts to "+out+".")
	lists := 0
	for _, req := range h.emu.Requests() {
		if req.Method == http.MethodGet && strings.Contains(req.Path, "/experiment_holdouts/") {
			lists++
		}
	}
	if lists != 1 {
		t.Errorf("list requests = %d, want 1 (150 holdouts, pages of 1000)", lists)
	}
	if n := len(dirFiles(t, out)); n != 150 {
		t.Fatalf("%d files, want 150", n)
	}

	h.syncDir(out, "2", "--apply", "--rate", "1000", "--parallelism", "16").must(t, exitOK).
		contains(t, "Apply complete: 150 created, 0 updated, 0 deleted.")
	a, b := h.emu.Holdouts(1), h.emu.Holdouts(2)
	if len(b) != 150 {
		t.Fatalf("project 2 has %d holdouts, want 150", len(b))
	}
	if d := cmp.Diff(contents(a), contents(b)); d != "" {
		t.Errorf("project 2 differs from project 1 (-1 +2):\n%s", d)
	}
	h.syncDir(out, "2", "--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
	h.syncDir(out, "1", "--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}

func TestExportNeverOverwritesUnasked(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := seed(h, "a", nil, map[string]any{"rollout_percentage": 1})
	seed(h, "b", nil, map[string]any{"rollout_percentage": 2})
	out := filepath.Join(h.dir, "new", "dir") // created, parents too

	h.export(out, "@current").must(t, exitOK)
	aPath := filepath.Join(out, "a.yaml")
	// @current is resolved once: the header names the number.
	if c := readFile(t, aPath); !strings.Contains(c, ", project 1, holdout id 1.\n") {
		t.Errorf("header does not name the resolved project:\n%s", c)
	}
	const edited = "name: a\nfilters:\n  - rollout_percentage: 50 # edited by hand\n"
	if err := os.WriteFile(aPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	c := seed(h, "c", nil, map[string]any{"rollout_percentage": 3})

	r := h.export(out, "1").must(t, exitFailure)
	r.contains(t, "nothing was written: 2 files already exist: "+aPath+", "+filepath.Join(out, "b.yaml"),
		"pass --overwrite to replace them, or choose another --out-dir")
	if r.stdout != "" {
		t.Errorf("stdout of a refused export: %q", r.stdout)
	}
	if got := readFile(t, aPath); got != edited {
		t.Errorf("a.yaml was changed without --overwrite:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(out, "c.yaml")); !os.IsNotExist(err) {
		t.Errorf("a refused export wrote c.yaml (%v)", err)
	}

	r = h.export(out, "1", "--overwrite").must(t, exitOK)
	r.contains(t, fmt.Sprintf("wrote %s (id %d)", aPath, a.ID), fmt.Sprintf("wrote %s (id %d)", filepath.Join(out, "c.yaml"), c.ID), "Exported 3 holdouts to "+out+".")
	if got := readFile(t, aPath); !strings.Contains(got, "rollout_percentage: 1\n") || strings.Contains(got, "edited") {
		t.Errorf("a.yaml not rewritten with --overwrite:\n%s", got)
	}
	h.syncDir(out, "1", "--detailed-exitcode").must(t, exitOK)
}

func TestExportRefusesADirectoryInTheWay(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	seed(h, "a", nil, map[string]any{"rollout_percentage": 1})
	out := filepath.Join(h.dir, "export")
	if err := os.MkdirAll(filepath.Join(out, "a.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.export(out, "1", "--overwrite").must(t, exitFailure).contains(t, filepath.Join(out, "a.yaml")+" is a directory where export writes a file")
}

// PostHog allows two holdouts with one name; a manifest directory does not.
// Export writes both (nothing merged or dropped), says so, and exits 1.
func TestExportDuplicateNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	one := seed(h, "checkout", sp("first"), map[string]any{"rollout_percentage": 1})
	two := seed(h, "checkout", sp("second"), map[string]any{"rollout_percentage": 2})
	pp1 := seed(h, "Pricing Page", nil, map[string]any{"rollout_percentage": 3})
	pp2 := seed(h, "pricing-page", nil, map[string]any{"rollout_percentage": 4}) // another name, the same slug
	out := filepath.Join(h.dir, "export")

	r := h.export(out, "1").must(t, exitFailure)
	h.golden("export/duplicates.stdout.golden", r.stdout)
	h.golden("export/duplicates.stderr.golden", r.stderr)
	want := map[string]int64{
		"checkout.yaml":                              one.ID,
		fmt.Sprintf("checkout--%d.yaml", two.ID):     two.ID,
		"pricing-page.yaml":                          pp1.ID,
		fmt.Sprintf("pricing-page--%d.yaml", pp2.ID): pp2.ID,
	}
	got := map[string]int64{}
	for _, f := range dirFiles(t, out) {
		id, _ := exportedSourceID(t, readFile(t, filepath.Join(out, f)))
		got[f] = id
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files and their source ids (-want +got):\n%s", d)
	}
	if c := readFile(t, filepath.Join(out, fmt.Sprintf("checkout--%d.yaml", two.ID))); !strings.Contains(c, "description: second\n") {
		t.Errorf("the second checkout file is not the second holdout:\n%s", c)
	}

	// As the error says: the directory does not validate as it is.
	h.run("validate", out).must(t, exitFailure).contains(t, `duplicate name "checkout"`)
	// Deleting one file makes it valid, and sync on the source reports
	// the name as a conflict (two holdouts could be meant) until it is
	// renamed in PostHog.
	if err := os.Remove(filepath.Join(out, fmt.Sprintf("checkout--%d.yaml", two.ID))); err != nil {
		t.Fatal(err)
	}
	h.run("validate", out).must(t, exitOK)
	h.syncDir(out, "1").must(t, exitFailure).contains(t, "1 conflict")
}

func TestExportHoldoutTheManifestFormatRefuses(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	seed(h, "ok", nil, map[string]any{"rollout_percentage": 1})
	odd := seed(h, "odd", nil, map[string]any{"rollout_percentage": 1, "sort_key": "x"})
	out := filepath.Join(h.dir, "export")

	r := h.export(out, "1").must(t, exitFailure)
	r.contains(t, fmt.Sprintf(`%s: holdout "odd" (id %d) is not a valid manifest as PostHog stores it: line 7: unknown key "sort_key"`, filepath.Join(out, "odd.yaml"), odd.ID),
		"1 holdout was written as PostHog stores it, which is not a valid manifest",
		"Exported 2 holdouts to "+out+".")
	if c := readFile(t, filepath.Join(out, "odd.yaml")); !strings.Contains(c, "sort_key: x") {
		t.Errorf("odd.yaml does not hold what PostHog has:\n%s", c)
	}
}

func TestExportChecksTheWholeDirectory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	seed(h, "a", nil, map[string]any{"rollout_percentage": 1})
	out := filepath.Join(h.dir, "export")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(out, "other.yaml")
	if err := os.WriteFile(other, []byte("name: other\nfilters:\n  - rollout_percentage: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.export(out, "1").must(t, exitOK).contains(t, "also holds 1 holdout this export did not write")

	if err := os.WriteFile(other, []byte("name: a\nfilters:\n  - rollout_percentage: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.export(out, "1", "--overwrite").must(t, exitFailure).contains(t,
		`duplicate name "a"`, out+" does not validate: files that were there before the export clash")
}

func TestExportUsage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.run("export", "--host", h.srv.URL, "--project", "1").must(t, exitUsage).contains(t, "--out-dir")
	delete(h.env, "POSTHOG_PERSONAL_API_KEY")
	out := filepath.Join(h.dir, "export")
	h.export(out, "1").must(t, exitFailure).contains(t, "no API key")
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("out dir created without a key (%v)", err)
	}
}

func TestExportEmptyProject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	out := filepath.Join(h.dir, "export")
	r := h.export(out, "1").must(t, exitOK)
	if r.stdout != "Exported 0 holdouts to "+out+".\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	r.contains(t, "project 1 has no holdouts")
}

// exportedSourceID is the source id the manifest loader reads from an
// exported file.
func exportedSourceID(t *testing.T, content string) (int64, bool) {
	t.Helper()
	hs, err := manifest.LoadFS(fstest.MapFS{"a.yaml": {Data: []byte(content)}}, "")
	if err != nil || len(hs) != 1 {
		t.Fatalf("exported file does not load: %v", err)
	}
	return hs[0].SourceID, hs[0].SourceID != 0
}

// Acceptance (issue 8, item 9): export --overwrite over a symbolic link
// replaces the link with the exported file and leaves the link's target
// untouched; exported files are readable by their owner only.
func TestExportOverwriteNeverWritesThroughASymlink(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	seed(h, "a", nil, map[string]any{"rollout_percentage": 1})
	out := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim.txt")
	const precious = "not a manifest: must survive\n"
	if err := os.WriteFile(victim, []byte(precious), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(out, "a.yaml")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	h.export(out, "1").must(t, exitFailure).contains(t, "1 file already exists")
	h.export(out, "1", "--overwrite").must(t, exitOK)
	if got := readFile(t, victim); got != precious {
		t.Errorf("the link's target was written through:\n%s", got)
	}
	info, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Mode().IsRegular() {
		t.Errorf("%s is %v, want a regular file in place of the link", link, info.Mode())
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("exported file mode %v, want 0600", perm)
	}
	if c := readFile(t, link); !strings.Contains(c, "name: a\n") {
		t.Errorf("exported file:\n%s", c)
	}
}
