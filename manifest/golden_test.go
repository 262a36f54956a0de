package manifest

import (
	"errors"
	"flag"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

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
// folder from disk; either way displayed under testdata/invalid.
func loadCase(t *testing.T, name string) error {
	t.Helper()
	p := filepath.Join(invalidDir, name)
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	var hs []Holdout
	if info.IsDir() {
		hs, err = LoadFS(os.DirFS(p), path.Join(invalidDir, name))
	} else {
		data, readErr := os.ReadFile(p)
		if readErr != nil {
			t.Fatal(readErr)
		}
		hs, err = LoadFS(fstest.MapFS{name: {Data: data}}, invalidDir)
	}
	if err == nil {
		t.Fatalf("loaded %d holdouts, want problems", len(hs))
	}
	if hs != nil {
		t.Errorf("got %d holdouts along with the error, want nil", len(hs))
	}
	return err
}

func goldenPath(name string) string {
	return filepath.Join(invalidDir, strings.TrimSuffix(name, ".yaml")+".golden")
}

// TestInvalidGolden loads each invalid case on its own and compares the
// problems with its golden file.
func TestInvalidGolden(t *testing.T) {
	for _, name := range invalidCases(t) {
		t.Run(name, func(t *testing.T) {
			err := loadCase(t, name)
			var list List
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want List: %v", err, err)
			}
			got := err.Error() + "\n"
			if *update {
				if err := os.WriteFile(goldenPath(name), []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath(name))
			if err != nil {
				t.Fatalf("%v (run go test ./manifest -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("problems differ from %s (-want +got):\n%s", goldenPath(name), diff)
			}
		})
	}
}

// TestInvalidAllAtOnce loads the whole of testdata/invalid in one run and
// checks that it reports exactly the union of every case's golden: nothing
// is lost when files are loaded together, and nothing stops at the first
// problem. (The cases use distinct names, so they do not clash.)
func TestInvalidAllAtOnce(t *testing.T) {
	hs, err := Load(invalidDir)
	var list List
	if !errors.As(err, &list) {
		t.Fatalf("Load(%q) = %d holdouts, %v; want a List", invalidDir, len(hs), err)
	}
	var want []string
	for _, name := range invalidCases(t) {
		data, err := os.ReadFile(goldenPath(name))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
	}
	got := strings.Split(list.Error(), "\n")
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("one-run problems differ from the goldens (-want +got):\n%s", diff)
	}
}
