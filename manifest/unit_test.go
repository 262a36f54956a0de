package manifest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// unitLines shows units as the tests want them: one line per unit,
// "Dir [project] holdout@file ... | file:line code ...".
func unitLines(t *testing.T, units []Unit) []string {
	t.Helper()
	var out []string
	for _, u := range units {
		s := u.Dir
		if u.Config != nil {
			s += " [" + u.Config.Project + "]"
			if u.Config != u.Result.Config {
				t.Errorf("%s: Config and Result.Config differ", u.Dir)
			}
		}
		for _, h := range u.Result.Holdouts {
			s += " " + h.Name + "@" + h.Pos.File
		}
		var list List
		if u.Err != nil && !errors.As(u.Err, &list) {
			t.Errorf("%s: Err %v is not a List", u.Dir, u.Err)
		}
		if len(list) > 0 || len(u.Result.Warnings) > 0 {
			s += " |"
		}
		for _, e := range list {
			s += fmt.Sprintf(" %s:%d %s", e.Pos.File, e.Pos.Line, e.Code)
		}
		for _, e := range u.Result.Warnings {
			s += fmt.Sprintf(" %s:%d %s", e.Pos.File, e.Pos.Line, e.Code)
		}
		out = append(out, s)
	}
	return out
}

const cfg1, cfg2 = "project: 1\n", "project: 2\n"

// TestLoadUnits: every folder holding hogsync.yaml is a unit, names are
// unique within a unit and never across units, and the walk of a unit
// stops at a unit below it (issue 17).
func TestLoadUnits(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"x.yaml": manifestOf("outside")})
	tests := []struct {
		name  string
		files map[string]string
		root  string
		want  []string
	}{
		{
			name:  "us and eu hold the same name; the root holding only them is no unit",
			files: map[string]string{"us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"), "eu/hogsync.yaml": cfg2, "eu/a.yaml": manifestOf("a")},
			root:  ".",
			want:  []string{"eu [2] a@eu/a.yaml", "us [1] a@us/a.yaml"},
		},
		{
			name:  "display paths are as the root was given",
			files: map[string]string{"holdouts/us/hogsync.yaml": cfg1, "holdouts/us/a.yaml": manifestOf("a"), "holdouts/eu/hogsync.yml": cfg2, "holdouts/eu/a.yaml": manifestOf("a")},
			root:  "holdouts",
			want:  []string{"holdouts/eu [2] a@holdouts/eu/a.yaml", "holdouts/us [1] a@holdouts/us/a.yaml"},
		},
		{
			name:  "a root with a config is a unit beside the one below it",
			files: map[string]string{"hogsync.yaml": cfg1, "a.yaml": manifestOf("a"), "team/b.yaml": manifestOf("b"), "eu/hogsync.yaml": cfg2, "eu/a.yaml": manifestOf("a")},
			root:  ".",
			want:  []string{". [1] a@a.yaml b@team/b.yaml", "eu [2] a@eu/a.yaml"},
		},
		{
			name:  "a root without a config but with manifests is a unit without Config",
			files: map[string]string{"a.yaml": manifestOf("a"), "eu/hogsync.yaml": cfg2, "eu/a.yaml": manifestOf("a")},
			root:  ".",
			want:  []string{". a@a.yaml", "eu [2] a@eu/a.yaml"},
		},
		{
			name:  "an empty root is one empty unit",
			files: map[string]string{"notes.txt": "x"},
			root:  ".",
			want:  []string{"."},
		},
		{
			name: "one unit's problems do not hide another's holdouts",
			files: map[string]string{
				"us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"), "us/b.yaml": manifestOf("a"),
				"eu/hogsync.yaml": "project: x\n", "eu/a.yaml": manifestOf("a"),
				"ap/hogsync.yaml": cfg1, "ap/a.yaml": manifestOf("a"),
			},
			root: ".",
			want: []string{"ap [1] a@ap/a.yaml", "eu | eu/hogsync.yaml:1 invalid-project", "us | us/b.yaml:1 duplicate-name"},
		},
		{
			name: "units nest: a unit's walk stops at the unit below it",
			files: map[string]string{
				"us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"),
				"us/team/hogsync.yaml": cfg2, "us/team/a.yaml": manifestOf("a"), "us/team/deep/b.yaml": manifestOf("b"),
			},
			root: "us",
			want: []string{"us [1] a@us/a.yaml", "us/team [2] a@us/team/a.yaml b@us/team/deep/b.yaml"},
		},
		{
			name: "a config's name in other letters is a manifest, and misplaced with config keys",
			files: map[string]string{
				"us/hogsync.yaml": cfg1, "us/x/HOGSYNC.YAML": "project: 3\n" + manifestOf("x"), "us/y/Hogsync.yml": manifestOf("z"),
			},
			root: ".",
			want: []string{"us | us/x/HOGSYNC.YAML:1 misplaced-config"},
		},
		{
			name:  "both config names in a nested unit",
			files: map[string]string{"us/hogsync.yaml": cfg1, "us/hogsync.yml": cfg2, "us/a.yaml": manifestOf("a"), "a.yaml": manifestOf("a")},
			root:  ".",
			want:  []string{". a@a.yaml", "us | us/hogsync.yml:1 duplicate-config"},
		},
		{
			name: "warnings of a root that is no unit go with the first unit",
			files: map[string]string{
				".github/workflows/ci.yml": "on: push\n", "us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"), "us/a.yaml.bak": "x",
			},
			root: ".",
			want: []string{"us [1] a@us/a.yaml | .github/workflows/ci.yml:1 skipped-file us/a.yaml.bak:1 skipped-file"},
		},
		{
			name: "links: inside the root they are followed across units, outside refused",
			files: map[string]string{
				"us/hogsync.yaml": cfg1, "us/shared.yaml": "->../common/s.yaml", "common/s.yaml": manifestOf("s"),
				"eu/hogsync.yaml": cfg2, "eu/out.yaml": "->" + filepath.Join(outside, "x.yaml"),
			},
			root: ".",
			want: []string{". s@common/s.yaml", "eu | eu/out.yaml:1 symlink-outside", "us [1] s@us/shared.yaml"},
		},
		{
			name: "a unit reached again through a link is read once",
			files: map[string]string{
				"us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"), "alias": "->us",
			},
			root: ".",
			want: []string{". | us:1 duplicate-folder", "alias [1] a@alias/a.yaml"},
		},
		{
			name: "a config that is a link outside the root is refused, and the folder still a unit",
			files: map[string]string{
				"us/hogsync.yaml": "->" + filepath.Join(outside, "x.yaml"), "us/a.yaml": manifestOf("a"), "eu/hogsync.yaml": cfg2,
			},
			root: ".",
			want: []string{"eu [2]", "us | us/hogsync.yaml:1 symlink-outside"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tt.files)
			t.Chdir(dir)
			units, err := LoadUnits(tt.root)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, unitLines(t, units)); d != "" {
				t.Errorf("units (-want +got):\n%s", d)
			}
			for _, u := range units {
				if info, err := os.Stat(u.OSDir); err != nil || !info.IsDir() {
					t.Errorf("%s: OSDir %q is not a folder: %v", u.Dir, u.OSDir, err)
				}
			}
		})
	}
}

// TestLoadUnitsRootErrors: only the root itself gives an error.
func TestLoadUnitsRootErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f.yaml": manifestOf("f")})
	var list List
	for _, root := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "f.yaml")} {
		if units, err := LoadUnits(root); err == nil || errors.As(err, &list) || units != nil {
			t.Errorf("LoadUnits(%s) = %v, %v; want a plain error", root, units, err)
		}
	}
	if _, err := LoadUnits(dir + "/a\u202eb"); !errors.As(err, &list) || list[0].Code != CodeUnsafePath {
		t.Errorf("unsafe root: %v", err)
	}
}

// TestLoadUnitsAPIKeyEnv: each unit has its own config, key variable
// included.
func TestLoadUnitsAPIKeyEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"us/hogsync.yaml": "host: https://us.posthog.com\nproject: 1\napi_key_env: POSTHOG_US_KEY\n",
		"eu/hogsync.yaml": "host: https://eu.posthog.com\nproject: 2\napi_key_env: POSTHOG_EU_KEY\n",
	})
	units, err := LoadUnits(dir)
	if err != nil || len(units) != 2 {
		t.Fatalf("%v, %v", units, err)
	}
	got := []string{units[0].Config.APIKeyEnv, units[1].Config.APIKeyEnv}
	if d := cmp.Diff([]string{"POSTHOG_EU_KEY", "POSTHOG_US_KEY"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestLoadPathUnits is `hogsync validate FILE... DIR...`: each file is
// judged inside its unit (issue 17).
func TestLoadPathUnits(t *testing.T) {
	twoUnits := map[string]string{
		"us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"),
		"eu/hogsync.yaml": cfg2, "eu/a.yaml": manifestOf("a"),
	}
	withDup := map[string]string{
		"us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"), "us/b.yaml": manifestOf("a"),
		"us/broken.yaml": "name: [\n", "us/team/c.yaml": manifestOf("a"), "us/ok.yaml": manifestOf("ok"),
	}
	tests := []struct {
		name  string
		files map[string]string
		args  []string
		want  []string
	}{
		{name: "validate us eu", files: twoUnits, args: []string{"us", "eu"}, want: []string{"eu [2] a@eu/a.yaml", "us [1] a@us/a.yaml"}},
		{name: "validate .", files: twoUnits, args: []string{"."}, want: []string{"eu [2] a@eu/a.yaml", "us [1] a@us/a.yaml"}},
		{name: "validate us/a.yaml eu/a.yaml", files: twoUnits, args: []string{"us/a.yaml", "eu/a.yaml"}, want: []string{"eu [2] a@eu/a.yaml", "us [1] a@us/a.yaml"}},
		{
			name: "validate us/b.yaml: a.yaml already holds its name", files: withDup, args: []string{"us/b.yaml"},
			want: []string{"us | us/b.yaml:1 duplicate-name"},
		},
		{
			name: "validate us/a.yaml: the later file holding its name is named too", files: withDup, args: []string{"us/a.yaml"},
			want: []string{"us | us/b.yaml:1 duplicate-name us/team/c.yaml:1 duplicate-name"},
		},
		{
			name: "a file in a folder of the unit", files: withDup, args: []string{"us/team/c.yaml"},
			want: []string{"us | us/team/c.yaml:1 duplicate-name"},
		},
		{
			name: "the problems of files not named are not reported", files: withDup, args: []string{"us/ok.yaml"},
			want: []string{"us [1] ok@us/ok.yaml"},
		},
		{
			name: "a folder inside a unit is judged inside it", files: withDup, args: []string{"us/team"},
			want: []string{"us | us/team/c.yaml:1 duplicate-name"},
		},
		{
			name: "a file and its unit's folder give the unit once, whole", files: withDup, args: []string{"us/ok.yaml", "us"},
			want: []string{"us | us/broken.yaml:1 yaml-syntax us/b.yaml:1 duplicate-name us/team/c.yaml:1 duplicate-name"},
		},
		{
			name: "a duplicate source id is found as a duplicate name is",
			files: map[string]string{
				"us/hogsync.yaml": cfg1, "us/a.yaml": "# hogsync-source-id: 7\n" + manifestOf("a"), "us/b.yaml": "# hogsync-source-id: 7\n" + manifestOf("b"),
			},
			args: []string{"us/b.yaml"},
			want: []string{"us | us/b.yaml:2 duplicate-source-id"},
		},
		{
			name:  "misplaced-config agrees: the file",
			files: map[string]string{"d/hogsync.yaml": cfg1, "d/x/HOGSYNC.YAML": "project: 3\n" + manifestOf("x")},
			args:  []string{"d/x/HOGSYNC.YAML"},
			want:  []string{"d | d/x/HOGSYNC.YAML:1 misplaced-config"},
		},
		{
			name:  "misplaced-config agrees: the folder",
			files: map[string]string{"d/hogsync.yaml": cfg1, "d/x/HOGSYNC.YAML": "project: 3\n" + manifestOf("x")},
			args:  []string{"d"},
			want:  []string{"d | d/x/HOGSYNC.YAML:1 misplaced-config"},
		},
		{
			name:  "a nested hogsync.yaml is a config: the file",
			files: map[string]string{"d/hogsync.yaml": cfg1, "d/x/hogsync.yaml": "project: 3\nname: x\n"},
			args:  []string{"d/x/hogsync.yaml"},
			want:  []string{"d/x | d/x/hogsync.yaml:2 misplaced-key"},
		},
		{
			name:  "a nested hogsync.yaml is a config: the folder",
			files: map[string]string{"d/hogsync.yaml": cfg1, "d/x/hogsync.yaml": "project: 3\nname: x\n"},
			args:  []string{"d"},
			want:  []string{"d [1]", "d/x | d/x/hogsync.yaml:2 misplaced-key"},
		},
		{
			name: "the search for a unit stops at the repository's root",
			files: map[string]string{
				"hogsync.yaml": cfg1, "x.yaml": manifestOf("a"),
				"repo/.git/HEAD": "ref: x\n", "repo/m/a.yaml": manifestOf("a"),
			},
			args: []string{"repo/m/a.yaml"},
			want: []string{"repo/m a@repo/m/a.yaml"},
		},
		{
			name:  "without any config, a file's unit is its folder",
			files: map[string]string{"repo/.git/HEAD": "x", "repo/m/a.yaml": manifestOf("a"), "repo/m/b.yaml": manifestOf("a"), "repo/other.yaml": manifestOf("a")},
			args:  []string{"repo/m/b.yaml"},
			want:  []string{"repo/m | repo/m/b.yaml:1 duplicate-name"},
		},
		{
			name:  "a file named is read whatever its extension",
			files: map[string]string{"us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"), "us/notes.txt": manifestOf("a")},
			args:  []string{"us/notes.txt"},
			want:  []string{"us | us/notes.txt:1 duplicate-name"},
		},
		{
			name: "a path through ..",
			files: map[string]string{
				"us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"), "us/team/b.yaml": manifestOf("a"),
			},
			args: []string{"us/team/../team/b.yaml"},
			want: []string{"us | us/team/b.yaml:1 duplicate-name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tt.files)
			t.Chdir(dir)
			units, err := LoadPathUnits(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, unitLines(t, units)); d != "" {
				t.Errorf("units (-want +got):\n%s", d)
			}
		})
	}
}

// TestLoadPathUnitsNamesBothFiles: the duplicate's message names the other
// file, and a path that does not exist is a plain error.
func TestLoadPathUnitsNamesBothFiles(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"us/hogsync.yaml": cfg1, "us/a.yaml": manifestOf("a"), "us/b.yaml": manifestOf("a")})
	t.Chdir(dir)
	units, err := LoadPathUnits([]string{"us/b.yaml"})
	if err != nil || len(units) != 1 {
		t.Fatalf("%v, %v", units, err)
	}
	if msg := units[0].Err.Error(); !strings.Contains(msg, "us/b.yaml:1:7") || !strings.Contains(msg, "also declared at us/a.yaml:1:7") {
		t.Errorf("message %q does not name both files", msg)
	}
	var list List
	if _, err := LoadPathUnits([]string{"us/nope.yaml"}); err == nil || errors.As(err, &list) {
		t.Errorf("missing path: %v, want a plain error", err)
	}
}
