// Package golden compares what a test made with a file checked in beside
// it, and rewrites the file instead when the tests run with -update
// (go test ./sync -update). It is the one golden-file helper of the
// repository, for tests only.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files with what the tests make, instead of comparing")

// Updating reports whether this run rewrites golden files.
func Updating() bool { return *update }

// Check fails t unless the file at path holds got; under -update it writes
// got there instead, making the folder if need be.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
			return
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
		return
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs from what the test made (-file +made; run the test with -update to rewrite it):\n%s", path, d)
	}
}
