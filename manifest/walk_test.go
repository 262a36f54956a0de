package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hogsync/hogsync/internal/escape"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// manifestOf is a valid manifest of one holdout.
func manifestOf(name string) string {
	return "name: " + name + "\nfilters:\n  - rollout_percentage: 1\n"
}

// writeTree creates files under dir: a value starting with "->" makes a
// symbolic link to the rest, "fifo" a named pipe, "dir" an empty folder;
// anything else is the file's content.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasPrefix(content, "->"):
			err = os.Symlink(filepath.FromSlash(strings.TrimPrefix(content, "->")), p)
		case content == "fifo":
			err = mkfifo(t, p)
		case content == "dir":
			err = os.MkdirAll(p, 0o755)
		default:
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// names lists the holdouts' names and files, in order.
func names(hs []Holdout) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Name+" @ "+h.Pos.File)
	}
	return out
}

// codes lists problems as "file code", in order.
func codes(l List) []string {
	var out []string
	for _, e := range l {
		out = append(out, e.Pos.File+" "+e.Code)
	}
	return out
}

// errList is err as a List; it fails the test when err is something else.
func errList(t *testing.T, err error) List {
	t.Helper()
	if err == nil {
		return nil
	}
	var list List
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want List: %v", err, err)
	}
	return list
}

// TestLoadDirFiles checks which files a load reads, follows, refuses and
// skips, in a real directory with real links.
func TestLoadDirFiles(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{
		"secret.yaml": manifestOf("secret"),
		"README.md":   "# outside",
		"team/x.yaml": manifestOf("outside-x"),
	})
	tests := []struct {
		name      string
		files     map[string]string
		want      []string // holdouts, when the load succeeds
		errs      []string // "file code", when it fails
		warns     []string
		skipped   int
		filesRead int
	}{
		{
			name: "extensions in any letter case",
			files: map[string]string{
				"a.YAML": manifestOf("a"),
				"b.Yml":  manifestOf("b"),
				"c.yaml": manifestOf("c"),
				"d.YmL":  manifestOf("d"),
			},
			want:      []string{"a @ m/a.YAML", "b @ m/b.Yml", "c @ m/c.yaml", "d @ m/d.YmL"},
			filesRead: 4,
		},
		{
			name: "links inside the directory are followed",
			files: map[string]string{
				"store/a.txt":  manifestOf("a"),
				"a.yaml":       "->store/a.txt",
				".team/b.yaml": manifestOf("b"),
				"team":         "->.team",
			},
			want:      []string{"a @ m/a.yaml", "b @ m/team/b.yaml"},
			warns:     []string{"m/.team/b.yaml skipped-file"},
			skipped:   2,
			filesRead: 2,
		},
		{
			name: "a file reached by two paths is read at both",
			files: map[string]string{
				"a.yaml":   manifestOf("a"),
				"b/a.yaml": "->../a.yaml",
			},
			errs:      []string{"m/b/a.yaml duplicate-name"},
			filesRead: 2,
		},
		{
			name: "a folder reached twice is an error: link first",
			files: map[string]string{
				"a-link":   "->b",
				"b/x.yaml": manifestOf("x"),
			},
			// The link comes first in path order, so the real folder is
			// the second way in.
			errs:      []string{"m/b duplicate-folder"},
			filesRead: 1,
		},
		{
			name: "a folder reached twice is an error: link last",
			files: map[string]string{
				"a/x.yaml": manifestOf("x"),
				"b-link":   "->a",
			},
			errs:      []string{"m/b-link duplicate-folder"},
			filesRead: 1,
		},
		{
			name: "links outside the directory are refused, never skipped",
			files: map[string]string{
				"ok.yaml":     manifestOf("ok"),
				"secret.yaml": "->" + filepath.Join(outside, "secret.yaml"),
				"team":        "->" + filepath.Join(outside, "team"),
				"README.md":   "->" + filepath.Join(outside, "README.md"),
			},
			errs:      []string{"m/secret.yaml symlink-outside", "m/team symlink-outside"},
			skipped:   1,
			filesRead: 1,
		},
		{
			name: "dangling links and loops",
			files: map[string]string{
				"ok.yaml":     manifestOf("ok"),
				"gone.yaml":   "->nowhere.yaml",
				"gone-folder": "->nowhere",
				"loop1.yaml":  "->loop2.yaml",
				"loop2.yaml":  "->loop1.yaml",
				"sub/up":      "->..",
				"sub/self":    "->.",
			},
			errs: []string{
				"m/gone-folder symlink-dangling",
				"m/gone.yaml symlink-dangling",
				"m/loop1.yaml symlink-loop",
				"m/loop2.yaml symlink-loop",
				"m/sub/self symlink-loop",
				"m/sub/up symlink-loop",
			},
			filesRead: 1,
		},
		{
			name: "skipped files are counted, look-alikes named",
			files: map[string]string{
				"ok.yaml":              manifestOf("ok"),
				".hidden.yaml":         "x",
				".drafts/x.yaml":       "x",
				".drafts/deeper/y.yml": "x",
				".drafts/notes.txt":    "x",
				".cache/data.bin":      "x",
				".git/config":          "x",
				".git/objects/a.yaml":  "x",
				"x.yaml.bak":           "x",
				"x.yaml~":              "x",
				"x.yml.orig":           "x",
				"pipe.yaml":            "fifo",
				"README.md":            "x",
				"schema.json":          "x",
				"empty-folder":         "dir",
				"link.yaml.txt":        "->ok.yaml",
			},
			want: []string{"ok @ m/ok.yaml"},
			warns: []string{
				"m/.drafts/deeper/y.yml skipped-file",
				"m/.hidden.yaml skipped-file",
				"m/link.yaml.txt skipped-file",
				"m/pipe.yaml skipped-file",
				"m/x.yaml.bak skipped-file",
				"m/x.yaml~ skipped-file",
				"m/x.yml.orig skipped-file",
			},
			// .hidden.yaml, 3 in .drafts, 1 in .cache, .git, x.yaml.bak,
			// x.yaml~, x.yml.orig, pipe.yaml, README.md, schema.json,
			// link.yaml.txt.
			skipped:   13,
			filesRead: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			dir := filepath.Join(root, "m")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			writeTree(t, dir, tt.files)
			res, err := loadDirAs(t, root, "m")
			list := errList(t, err)
			if diff := cmp.Diff(tt.errs, codes(list)); diff != "" {
				t.Errorf("errors (-want +got):\n%s\n%v", diff, list)
			}
			if diff := cmp.Diff(tt.want, names(res.Holdouts)); diff != "" {
				t.Errorf("holdouts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warns, codes(res.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s\n%v", diff, res.Warnings)
			}
			if tt.errs == nil || tt.skipped != 0 {
				if res.Skipped != tt.skipped {
					t.Errorf("Skipped = %d, want %d", res.Skipped, tt.skipped)
				}
			}
			if tt.filesRead != 0 && res.Files != tt.filesRead {
				t.Errorf("Files = %d, want %d", res.Files, tt.filesRead)
			}
		})
	}
}

// loadDirAs runs LoadDir on root/rel and shows positions relative to
// root, as if LoadDir(rel) had run in root.
func loadDirAs(t *testing.T, root, rel string) (Result, error) {
	t.Helper()
	res, err := LoadDir(filepath.Join(root, rel))
	trim := func(l List) {
		for _, e := range l {
			e.Pos.File = strings.TrimPrefix(e.Pos.File, filepath.ToSlash(root)+"/")
		}
	}
	trim(res.Warnings)
	var list List
	if errors.As(err, &list) {
		trim(list)
	}
	for i := range res.Holdouts {
		res.Holdouts[i].Pos.File = strings.TrimPrefix(res.Holdouts[i].Pos.File, filepath.ToSlash(root)+"/")
	}
	return res, err
}

// TestLoadParallelIsSequential loads a directory of many files, valid and
// not, with one worker, with several, and with files parsed while the walk
// goes on: the outcome is the same.
func TestLoadParallelIsSequential(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 200 {
		name := fmt.Sprintf("d%d/h%03d.yaml", i%7, i)
		switch i % 10 {
		case 3:
			files[name] = "name: h" + strconv.Itoa(i) + "\nfilters: [{rollout_percentage: 101}]\ncolour: 1\n"
		case 5:
			files[name] = manifestOf("h" + strconv.Itoa(i-1)) // a duplicate name
		case 7:
			files[name] = "name: [broken\n"
		default:
			files[name] = manifestOf("h"+strconv.Itoa(i)) + "    properties: [{key: v, value: 1.10}]\n"
		}
	}
	// Entries that are not plain manifests, among those that are.
	for name, content := range map[string]string{
		"hogsync.yaml": "project: 1\n", "hogsync.yml": "project: 2\n", ".hidden.yaml": manifestOf("hidden"),
		".cache/x.yaml": manifestOf("cached"), "d1/hogsync.yaml": manifestOf("sub-config"), "notes.txt": "x",
		"d2/a.yaml.bak": "x", "folder.yaml/inner.yml": manifestOf("inner"), "d3/UPPER.YAML": manifestOf("upper"),
	} {
		files[name] = content
	}
	writeTree(t, dir, files)
	if err := os.Symlink("d1", filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("d3/UPPER.YAML", filepath.Join(dir, "d4.yaml")); err != nil {
		t.Fatal(err)
	}
	w, err := newOSWalker(dir, "m")
	if err != nil {
		t.Fatal(err)
	}
	w.walk()
	seqRes, seqErr := loadWith(w.items, w.skipped, false, 1)
	parRes, parErr := loadWith(w.items, w.skipped, false, 8)
	if diff := cmp.Diff(seqRes, parRes); diff != "" {
		t.Errorf("results differ (-sequential +parallel):\n%s", diff)
	}
	if diff := cmp.Diff(errList(t, seqErr), errList(t, parErr)); diff != "" {
		t.Errorf("errors differ (-sequential +parallel):\n%s", diff)
	}
	// As LoadDir does: each file parsed as soon as the walk finds it.
	w, err = newOSWalker(dir, "m")
	if err != nil {
		t.Fatal(err)
	}
	w.parser = newFileParser(4)
	w.walk()
	w.parser.wait()
	walkRes, walkErr := load(w.items, w.skipped, false)
	if diff := cmp.Diff(seqRes, walkRes); diff != "" {
		t.Errorf("results differ (-sequential +parsed while walking):\n%s", diff)
	}
	if diff := cmp.Diff(errList(t, seqErr), errList(t, walkErr)); diff != "" {
		t.Errorf("errors differ (-sequential +parsed while walking):\n%s", diff)
	}
	if len(errList(t, seqErr)) < 60 || len(seqRes.Warnings) < 100 {
		t.Errorf("%d errors and %d warnings, want the test's many", len(errList(t, seqErr)), len(seqRes.Warnings))
	}
}

// TestLoadPaths loads files and folders named on a command line.
func TestLoadPaths(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"secret.yaml": manifestOf("secret")})
	writeTree(t, root, map[string]string{
		"m/a.yaml":         manifestOf("a"),
		"m/team/b.yml":     manifestOf("b"),
		"m/hogsync.yaml":   "project: 1\n",
		"m/.hidden.yaml":   "x",
		"other/c.yaml":     manifestOf("c"),
		"other/dup.yaml":   manifestOf("a"),
		"notes.txt":        manifestOf("from-txt"),
		"link.yaml":        "->other/c.yaml",
		"leak.yaml":        "->" + filepath.Join(outside, "secret.yaml"),
		"other/config.yml": "->../m/hogsync.yaml",
	})
	p := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	tests := []struct {
		name    string
		paths   []string
		want    []string
		errs    []string
		warns   []string
		files   int
		skipped int
		config  bool
	}{
		{
			name:    "a folder, as LoadDir reads it, with its config",
			paths:   []string{p("m")},
			want:    []string{"a @ m/a.yaml", "b @ m/team/b.yml"},
			warns:   []string{"m/.hidden.yaml skipped-file"},
			files:   2,
			skipped: 1,
			config:  true,
		},
		{
			name:  "files in any order come back in path order; one given twice is read once",
			paths: []string{p("other/c.yaml"), p("m/team/b.yml"), p("m/a.yaml"), p("m/../m/a.yaml")},
			want:  []string{"a @ m/a.yaml", "b @ m/team/b.yml", "c @ other/c.yaml"},
			files: 3,
		},
		{
			name:  "a folder and a file inside it",
			paths: []string{p("m/team/b.yml"), p("m")},
			want:  []string{"a @ m/a.yaml", "b @ m/team/b.yml"},
			warns: []string{"m/.hidden.yaml skipped-file"},
			files: 2, skipped: 1, config: true,
		},
		{
			name:  "a file named on the command line is read whatever its extension",
			paths: []string{p("notes.txt")},
			want:  []string{"from-txt @ notes.txt"},
			files: 1,
		},
		{
			name:  "rules across files apply across paths",
			paths: []string{p("other/dup.yaml"), p("m/a.yaml")},
			errs:  []string{"other/dup.yaml duplicate-name"},
			files: 2,
		},
		{
			name:  "a link given is read when it stays in its folder",
			paths: []string{p("link.yaml")},
			want:  []string{"c @ link.yaml"},
			files: 1,
		},
		{
			name:  "a link given that leaves its folder is refused",
			paths: []string{p("leak.yaml")},
			errs:  []string{"leak.yaml symlink-outside"},
		},
		{
			name:   "a config given as a file is checked as one",
			paths:  []string{p("m/hogsync.yaml")},
			config: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := LoadPaths(tt.paths)
			list := errList(t, err)
			rel := func(s string) string { return strings.TrimPrefix(s, filepath.ToSlash(root)+"/") }
			for _, e := range append(list, res.Warnings...) {
				e.Pos.File = rel(e.Pos.File)
			}
			for i := range res.Holdouts {
				res.Holdouts[i].Pos.File = rel(res.Holdouts[i].Pos.File)
			}
			if diff := cmp.Diff(tt.errs, codes(list)); diff != "" {
				t.Errorf("errors (-want +got):\n%s\n%v", diff, list)
			}
			if diff := cmp.Diff(tt.want, names(res.Holdouts)); diff != "" {
				t.Errorf("holdouts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warns, codes(res.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if res.Files != tt.files || res.Skipped != tt.skipped {
				t.Errorf("Files, Skipped = %d, %d; want %d, %d", res.Files, res.Skipped, tt.files, tt.skipped)
			}
			if (res.Config != nil) != tt.config {
				t.Errorf("Config = %+v, want one: %v", res.Config, tt.config)
			}
		})
	}
}

// TestLoadPathsMissing: a path that does not exist is a plain error.
func TestLoadPathsMissing(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := LoadPaths([]string{missing})
	var list List
	if err == nil || errors.As(err, &list) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadPaths(missing) = %v, want a plain not-exist error", err)
	}
}

// TestUnsafePath: a file whose name could forge log lines or workflow
// commands is refused, and no problem line shows it raw.
func TestUnsafePath(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	evil := "a\n::add-mask::x\n.yaml"
	writeTree(t, root, map[string]string{
		"m/" + evil:              manifestOf("a"),
		"m/ok.yaml":              manifestOf("ok"),
		"m/bidi\u202e/x.yaml":    manifestOf("x"),
		"m/bell\a.yaml":          "->ok.yaml",
		"m/notes\n.txt":          "not read, not refused",
		"m/.hidden\x1b[31m.yaml": "skipped, named escaped",
		"unsafe\u2028dir/a.yaml": manifestOf("a"),
		"m2/" + evil:             manifestOf("a"),
	})
	res, err := loadDirAs(t, root, "m")
	list := errList(t, err)
	want := []string{"m/a\n::add-mask::x\n.yaml unsafe-path", "m/bell\a.yaml unsafe-path", "m/bidi\u202e unsafe-path"}
	if diff := cmp.Diff(want, codes(list)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if res.Skipped != 2 {
		t.Errorf("Skipped = %d, want 2", res.Skipped)
	}
	_, err = LoadDir(filepath.Join(root, "unsafe\u2028dir"))
	if diff := cmp.Diff([]string{filepath.ToSlash(root) + "/unsafe\u2028dir unsafe-path"}, codes(errList(t, err))); diff != "" {
		t.Errorf("unsafe root (-want +got):\n%s", diff)
	}
	_, err = LoadPaths([]string{filepath.Join(root, "m2", evil)})
	if diff := cmp.Diff([]string{filepath.ToSlash(root) + "/m2/" + evil + " unsafe-path"}, codes(errList(t, err))); diff != "" {
		t.Errorf("unsafe file argument (-want +got):\n%s", diff)
	}

	// Every line printed, and every JSON problem, is free of raw control
	// characters and workflow commands.
	all := append(list, res.Warnings...)
	text := all.Error()
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") || escape.HasUnsafe(line) {
			t.Errorf("unsafe line %q", line)
		}
	}
	if !strings.Contains(text, `m/a\n::add-mask::x\n.yaml:1:1: the path holds a control character`) {
		t.Errorf("the refused path is not shown escaped:\n%s", text)
	}
	js, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	var back []struct{ File, Message string }
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	for _, e := range back {
		if escape.HasUnsafe(e.File) || escape.HasUnsafe(e.Message) {
			t.Errorf("JSON problem holds an unsafe character: %q: %q", e.File, e.Message)
		}
	}
}

// TestPosString: a position never starts a workflow command, even when
// the file's name starts with "::".
func TestPosString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pos  Pos
		want string
	}{
		{Pos{"m/a.yaml", 1, 2}, "m/a.yaml:1:2"},
		{Pos{"::stop-commands::x.yaml", 3, 4}, `\x3a:stop-commands::x.yaml:3:4`},
		{Pos{"a\n::warning::b", 1, 1}, `a\n::warning::b:1:1`},
		{Pos{"\u202ey.yaml", 1, 1}, `\u202ey.yaml:1:1`},
	} {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%q.String() = %q, want %q", tt.pos.File, got, tt.want)
		}
	}
	e := &Error{Pos: Pos{"::x.yaml", 1, 1}, Severity: SeverityWarning, Msg: "m\nn"}
	if got, want := e.Error(), `\x3a:x.yaml:1:1: warning: m\nn`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestErrorJSON: a List marshals as the array validate -o json prints.
func TestErrorJSON(t *testing.T) {
	t.Parallel()
	list := List{
		{Pos: Pos{"m/a.yaml", 3, 5}, Severity: SeverityError, Code: CodeUnknownKey, Msg: `unknown key "filtres"; did you mean "filters"?`},
		{Pos: Pos{"m/b.yaml", 1, 1}, Severity: SeverityWarning, Code: CodeSkippedFile, Msg: "not read"},
		{Pos: Pos{"m/c.yaml", 2, 7}, Code: CodeDuplicateName, Msg: "dup"},
	}
	got, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"file":"m/a.yaml","line":3,"col":5,"severity":"error","code":"unknown-key","message":"unknown key \"filtres\"; did you mean \"filters\"?"},` +
		`{"file":"m/b.yaml","line":1,"col":1,"severity":"warning","code":"skipped-file","message":"not read"},` +
		`{"file":"m/c.yaml","line":2,"col":7,"severity":"error","code":"duplicate-name","message":"dup"}]`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	var back List
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	list[2].Severity = SeverityError
	if diff := cmp.Diff(list, back); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
}

// TestLoadDirFileSize: files on disk are read up to the limit, and one
// past it is refused, whatever size the read buffer had.
func TestLoadDirFileSize(t *testing.T) {
	t.Parallel()
	valid := manifestOf("big")
	pad := func(name string, n int) string { // a valid manifest of exactly n bytes
		return strings.Replace(valid, "big", name, 1) + "#" + strings.Repeat("x", n-len(valid)-len(name)+3-2) + "\n"
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a.yaml": pad("a", MaxFileSize),
		"b.yaml": pad("b", 4095),
		"c.yaml": pad("c", 4096),
		"d.yaml": pad("d", 4097),
	})
	for _, name := range []string{"a", "b", "c", "d"} {
		if info, err := os.Stat(filepath.Join(dir, name+".yaml")); err != nil || (name == "a" && info.Size() != MaxFileSize) {
			t.Fatalf("%s: %v, %v", name, info.Size(), err)
		}
	}
	res, err := loadDirAs(t, dir, ".")
	if err != nil || len(res.Holdouts) != 4 {
		t.Fatalf("got %v, %v; want 4 holdouts", names(res.Holdouts), err)
	}
	writeTree(t, dir, map[string]string{"e.yaml": pad("e", MaxFileSize+1)})
	_, err = loadDirAs(t, dir, ".")
	if diff := cmp.Diff([]string{"e.yaml file-too-large"}, codes(errList(t, err))); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// A folder or file given by a relative path (hogsync validate m, as a
// user types it) follows its links as an absolute one does: a link to a
// file inside the folder is read, one to a file outside is refused.
func TestRelativePathsFollowLinksInside(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"m/a.data":    manifestOf("a"),
		"m/link.yaml": "->a.data",
		"n/b.yml":     "->../outside.yml",
		"outside.yml": manifestOf("outside"),
	})
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel := func(p string) string {
		r, err := filepath.Rel(wd, filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		name string
		load func() (Result, error)
		want []string // holdouts, or the problem's code
	}{
		{"LoadDir inside", func() (Result, error) { return LoadDir(rel("m")) }, []string{"a"}},
		{"LoadPaths inside", func() (Result, error) { return LoadPaths([]string{rel("m")}) }, []string{"a"}},
		{"LoadPaths of the link", func() (Result, error) { return LoadPaths([]string{rel("m/link.yaml")}) }, []string{"a"}},
		{"LoadDir outside", func() (Result, error) { return LoadDir(rel("n")) }, []string{CodeSymlinkOutside}},
		{"LoadPaths of a link outside", func() (Result, error) { return LoadPaths([]string{rel("n/b.yml")}) }, []string{CodeSymlinkOutside}},
	} {
		res, err := tc.load()
		got := []string{}
		for _, h := range res.Holdouts {
			got = append(got, h.Name)
		}
		for _, e := range errList(t, err) {
			got = append(got, e.Code)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
