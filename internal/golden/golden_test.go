package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of ending the
// test.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(format string, a ...any) { r.failed = append(r.failed, format) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = append(r.failed, format) }
func (r *recorder) Fatal(a ...any)                 { r.failed = append(r.failed, "fatal") }

func TestCheck(t *testing.T) {
	if Updating() {
		t.Skip("-update rewrites instead of comparing")
	}
	path := filepath.Join(t.TempDir(), "a.golden")
	if err := os.WriteFile(path, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, got string
		fail      string // in the failure's format; "" for none
	}{
		{path, "one\ntwo\n", ""},
		{path, "one\nthree\n", "differs from what the test made"},
		{path + ".missing", "x", "-update to create it"},
	} {
		r := &recorder{TB: t}
		Check(r, tc.path, []byte(tc.got))
		switch {
		case tc.fail == "" && len(r.failed) > 0:
			t.Errorf("Check(%q) failed: %v", tc.got, r.failed)
		case tc.fail != "" && (len(r.failed) != 1 || !strings.Contains(r.failed[0], tc.fail)):
			t.Errorf("Check(%q) failures %q, want one saying %q", tc.got, r.failed, tc.fail)
		}
	}
}
