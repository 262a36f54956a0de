package manifest

import (
	"cmp"
	"errors"
	"github.com/hogsync/hogsync/internal/golden"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	gocmp "github.com/google/go-cmp/cmp"
)

const invalidDir = "testdata/invalid"

// invalidCases lists testdata/invalid: every *.yaml file and every folder is
// one case, with its golden beside it as <name>.golden.
func invalidCases(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(invalidDir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".yaml") {
			cases = append(cases, e.Name())
		}
	}
	if len(cases) == 0 {
		t.Fatal("no cases in " + invalidDir)
	}
	return cases
}

// loadCase loads one case alone: a file through a MapFS holding only it, a
// folder from disk; either way displayed under testdata/invalid. It returns
// every problem, errors and warnings.
func loadCase(t *testing.T, name string) List {
	t.Helper()
	p := filepath.Join(invalidDir, name)
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	if info.IsDir() {
		res, err = LoadDir(p)
	} else {
		data, readErr := os.ReadFile(p)
		if readErr != nil {
			t.Fatal(readErr)
		}
		w := newFSWalker(fstest.MapFS{name: {Data: data}}, invalidDir)
		w.walk()
		res, err = load(w.items, w.skipped, false)
	}
	var list List
	if !errors.As(err, &list) {
		t.Fatalf("loaded %d holdouts, %v; want a List of problems", len(res.Holdouts), err)
	}
	if res.Holdouts != nil {
		t.Errorf("got %d holdouts along with the error, want nil", len(res.Holdouts))
	}
	return append(list, res.Warnings...)
}

// render shows problems as the goldens hold them: sorted by file, line and
// column, each as "file:line:col: [warning: ]message [code]", as actionlint
// prints its findings.
func render(list List) string {
	list = slices.Clone(list)
	slices.SortStableFunc(list, func(a, b *Error) int {
		return cmp.Or(strings.Compare(a.Pos.File, b.Pos.File), a.Pos.Line-b.Pos.Line, a.Pos.Col-b.Pos.Col)
	})
	var b strings.Builder
	for _, e := range list {
		b.WriteString(e.Error() + " [" + e.Code + "]\n")
	}
	return b.String()
}

func goldenPath(name string) string {
	return filepath.Join(invalidDir, strings.TrimSuffix(name, ".yaml")+".golden")
}

// TestInvalidGolden loads each invalid case on its own and compares the
// problems with its golden file.
func TestInvalidGolden(t *testing.T) {
	t.Parallel()
	for _, name := range invalidCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			golden.Check(t, goldenPath(name), []byte(render(loadCase(t, name))))
		})
	}
}

// TestInvalidAllAtOnce loads the whole of testdata/invalid in one run and
// checks that it reports exactly the union of every case's golden: nothing
// is lost when files are loaded together, and nothing stops at the first
// problem. (The cases use distinct names, so they do not clash.)
func TestInvalidAllAtOnce(t *testing.T) {
	t.Parallel()
	res, err := LoadDir(invalidDir)
	var list List
	if !errors.As(err, &list) {
		t.Fatalf("LoadDir(%q) = %d holdouts, %v; want a List", invalidDir, len(res.Holdouts), err)
	}
	var want []string
	for _, name := range invalidCases(t) {
		data, err := os.ReadFile(goldenPath(name))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, goldenLines(string(data))...)
	}
	got := goldenLines(render(append(list, res.Warnings...)))
	slices.Sort(want)
	slices.Sort(got)
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("one-run problems differ from the goldens (-want +got):\n%s", diff)
	}
}

func goldenLines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

// TestCodesDocumented checks that the table of codes in doc.go lists every
// Code constant with its severity, and nothing else, and that every
// problem in the invalid goldens has a documented code of the severity it
// is shown with.
func TestCodesDocumented(t *testing.T) {
	t.Parallel()
	documented := documentedCodes(t)
	constants := codeConstants(t)
	if diff := gocmp.Diff(slices.Sorted(maps.Keys(constants)), slices.Sorted(maps.Keys(documented))); diff != "" {
		t.Errorf("codes.go constants and the doc.go table differ (-constants +documented):\n%s", diff)
	}
	line := regexp.MustCompile(`^.*?:\d+:\d+: (warning: )?.*\[([a-z0-9-]+)\]$`)
	for _, name := range invalidCases(t) {
		data, err := os.ReadFile(goldenPath(name))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range goldenLines(string(data)) {
			m := line.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("%s: line without a code: %s", goldenPath(name), l)
				continue
			}
			sev, ok := documented[m[2]]
			switch {
			case !ok:
				t.Errorf("%s: code %q is not documented in doc.go", goldenPath(name), m[2])
			case (m[1] != "") != (sev == SeverityWarning):
				t.Errorf("%s: code %q is documented as %s: %s", goldenPath(name), m[2], sev, l)
			}
		}
	}
}

// documentedCodes reads the table of codes in doc.go: code -> severity.
func documentedCodes(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`^//\t([a-z0-9-]+) +(error|warning) +\S`)
	codes := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if m := row.FindStringSubmatch(l); m != nil {
			if _, dup := codes[m[1]]; dup {
				t.Errorf("doc.go documents %q twice", m[1])
			}
			codes[m[1]] = m[2]
		}
	}
	if len(codes) == 0 {
		t.Fatal("no table of codes in doc.go")
	}
	return codes
}

// codeConstants reads the Code* constants of codes.go: value -> name.
func codeConstants(t testing.TB) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || !strings.HasPrefix(n.Name, "Code") {
					t.Fatalf("codes.go: %s is not a Code constant with a literal value", n.Name)
				}
				v, _ := strconv.Unquote(lit.Value)
				consts[v] = n.Name
			}
		}
	}
	return consts
}
