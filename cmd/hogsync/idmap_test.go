package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Acceptance: after exporting project 1 and applying into project 2 with
// --id-map, the map covers every holdout and each source id points at the
// holdout of the same name in project 2.
func TestIDMapAfterMigration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.emu.AddProject(2)
	const n = 150 // more than one page
	for i := 0; i < n; i++ {
		g := map[string]any{"rollout_percentage": float64(i%40) + 0.25}
		if i%3 == 0 {
			g["properties"] = []any{map[string]any{"key": "country", "type": "person", "operator": "exact", "value": []any{"US", fmt.Sprint(i)}}}
		}
		seed(h, fmt.Sprintf("holdout-%03d", i), sp(fmt.Sprintf("number %d", i)), g)
	}
	// Project 2 already has one of them, drifted: it is matched, not created.
	existing := h.emu.Seed(2, posthogtest.Holdout{Name: "holdout-007", Filters: []map[string]any{{"rollout_percentage": 99}}})

	out := filepath.Join(t.TempDir(), "exported")
	h.run("export", "--out-dir", out, "--host", h.srv.URL, "--project", "1").must(t, exitOK)
	mapFile := filepath.Join(t.TempDir(), "ids.json")
	h.run("sync", out, "--host", h.srv.URL, "--project", "2", "--apply", "--id-map", mapFile, "--rate", "1000").must(t, exitOK).
		contains(t, fmt.Sprintf("Apply complete: %d created, 1 updated, 0 deleted.", n-1), "wrote the id map of 150 holdouts")

	raw, err := os.ReadFile(mapFile)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		FormatVersion string           `json:"format_version"`
		Project       string           `json:"project"`
		IDs           map[string]int64 `json:"ids"`
		Holdouts      []struct {
			Name     string `json:"name"`
			SourceID int64  `json:"source_id"`
			TargetID *int64 `json:"target_id"`
			Status   string `json:"status"`
		} `json:"holdouts"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.FormatVersion != "1" || m.Project != "2" || len(m.IDs) != n || len(m.Holdouts) != n {
		t.Fatalf("id map: version %q project %q, %d ids, %d entries; want %d", m.FormatVersion, m.Project, len(m.IDs), len(m.Holdouts), n)
	}
	source := map[int64]string{}
	for _, x := range h.emu.Holdouts(1) {
		source[x.ID] = x.Name
	}
	target := map[int64]string{}
	for _, x := range h.emu.Holdouts(2) {
		target[x.ID] = x.Name
	}
	for src, dst := range m.IDs {
		var sid int64
		fmt.Sscan(src, &sid)
		if source[sid] == "" || source[sid] != target[dst] {
			t.Errorf("source %s (%q) maps to %d (%q)", src, source[sid], dst, target[dst])
		}
	}
	for _, e := range m.Holdouts {
		if e.Name == "holdout-007" && (e.Status != "matched" || e.TargetID == nil || *e.TargetID != existing.ID) {
			t.Errorf("existing holdout entry: %+v", e)
		}
	}
}

func TestIDMapNeedsApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
	h.sync("--id-map", filepath.Join(t.TempDir(), "m.json")).must(t, exitUsage).contains(t, "--id-map needs --apply")
}

// Issue 10, item 7: the id map (and the saved plan) may hold project data,
// so hogsync leaves them readable by their owner only — also when the
// file was already there, readable by everyone, before the run.
func TestOutputFilesAreOwnerOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		flag     string
		existing bool
	}{
		{"new id map", "--id-map", false},
		{"id map that was 0644", "--id-map", true},
		{"new saved plan", "--plan-out", false},
		{"saved plan that was 0644", "--plan-out", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
			path := filepath.Join(t.TempDir(), "out.json")
			if tc.existing {
				if err := os.WriteFile(path, []byte("{}\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				// Whatever the umask, the file starts readable by all.
				if err := os.Chmod(path, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{tc.flag, path}
			if tc.flag == "--id-map" {
				args = append(args, "--apply")
			}
			h.sync(args...).must(t, exitOK)
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s file mode %#o, want 0600", tc.flag, perm)
			}
			if info.Size() <= int64(len("{}\n")) {
				t.Errorf("%s file was not written: %d bytes", tc.flag, info.Size())
			}
		})
	}
}
