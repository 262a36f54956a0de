package ghactions

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAnnotationEscapesLikeTheToolkit(t *testing.T) {
	tests := []struct {
		file, msg, want string
	}{
		{"a.yaml", "plain", "::error file=a.yaml,line=3,col=7::plain"},
		{"dir,x:y/a.yaml", "100% sure\nnext\rline", "::error file=dir%2Cx%3Ay/a.yaml,line=3,col=7::100%25 sure%0Anext%0Dline"},
		{"a.yaml", "::warning::forged", "::error file=a.yaml,line=3,col=7::::warning::forged"},
	}
	for _, tt := range tests {
		if got := Annotation("error", tt.file, 3, 7, tt.msg); got != tt.want {
			t.Errorf("Annotation(%q, %q) = %q, want %q", tt.file, tt.msg, got, tt.want)
		}
		if strings.Contains(Annotation("error", tt.file, 3, 7, tt.msg), "\n") {
			t.Error("annotation spans lines")
		}
	}
}

func TestAppendSummaryCapsAtOneMiB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := AppendSummary(path, "first"); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("é", MaxSummary) // 2 bytes each
	if err := AppendSummary(path, big); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "first\n") {
		t.Error("append replaced the earlier summary")
	}
	if n := len(b) - len("first\n"); n > MaxSummary+1 {
		t.Errorf("appended %d bytes, cap %d", n, MaxSummary)
	}
	if !strings.Contains(string(b), "Cut here") || !json.Valid([]byte(strconv.Quote(string(b)))) {
		t.Error("no cut note, or the cut split a character")
	}
}

func TestSetOutputsCannotBeForged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	hostile := "line1\nexit-code=0\nghadelimiter_x\n"
	if err := SetOutputs(path, [][2]string{{"summary", hostile}, {"has-changes", "true"}}); err != nil {
		t.Fatal(err)
	}
	got := parseOutputs(t, path)
	want := map[string]string{"summary": hostile, "has-changes": "true"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
}

// parseOutputs reads a GITHUB_OUTPUT file as the runner does.
func parseOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if name, delim, ok := strings.Cut(lines[i], "<<"); ok {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, _ := strings.Cut(lines[i], "=")
		out[name] = val
	}
	return out
}

func TestPullRequestNumber(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		payload string
		n       int
		ok      bool
	}{
		{`{"pull_request":{"number":42}}`, 42, true},
		{`{"issue":{"number":7,"pull_request":{"url":"x"}}}`, 7, true},
		{`{"issue":{"number":7}}`, 0, false},
		{`{"ref":"refs/heads/main"}`, 0, false},
	} {
		path := filepath.Join(dir, "event.json")
		os.WriteFile(path, []byte(tt.payload), 0o644)
		n, ok, err := PullRequestNumber(path)
		if err != nil || n != tt.n || ok != tt.ok {
			t.Errorf("%s: got %d %v %v", tt.payload, n, ok, err)
		}
	}
}
