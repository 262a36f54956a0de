package ghactions

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	stdsync "sync"
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

// fakeGitHub serves the issue-comments API for one repository.
type fakeGitHub struct {
	mu       stdsync.Mutex
	token    string
	comments []comment
	nextID   int64
	// forbid makes PATCH of these ids answer 403 (someone else's comment).
	forbid map[int64]bool
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+g.token {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"message":"Bad credentials"}`)
		return
	}
	var body struct{ Body string }
	json.NewDecoder(r.Body).Decode(&body)
	switch {
	case r.Method == "GET" && r.URL.Path == "/repos/o/r/issues/5/comments":
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		lo, hi := min((page-1)*per, len(g.comments)), min(page*per, len(g.comments))
		json.NewEncoder(w).Encode(g.comments[lo:hi])
	case r.Method == "POST" && r.URL.Path == "/repos/o/r/issues/5/comments":
		g.nextID++
		c := comment{ID: g.nextID, Body: body.Body}
		c.User.Type = "Bot"
		g.comments = append(g.comments, c)
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(c)
	case r.Method == "PATCH" && strings.HasPrefix(r.URL.Path, "/repos/o/r/issues/comments/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/repos/o/r/issues/comments/"), 10, 64)
		if g.forbid[id] {
			w.WriteHeader(403)
			fmt.Fprint(w, `{"message":"Resource not accessible by integration"}`)
			return
		}
		for i := range g.comments {
			if g.comments[i].ID == id {
				g.comments[i].Body = body.Body
				json.NewEncoder(w).Encode(g.comments[i])
				return
			}
		}
		w.WriteHeader(404)
	default:
		w.WriteHeader(404)
	}
}

func (g *fakeGitHub) add(body, userType string) int64 {
	g.nextID++
	c := comment{ID: g.nextID, Body: body}
	c.User.Type = userType
	g.comments = append(g.comments, c)
	return c.ID
}

func TestUpsertKeepsOneComment(t *testing.T) {
	const token = "ghs_s3cret_token_value_0000"
	g := &fakeGitHub{token: token, forbid: map[int64]bool{}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, err := NewComments(srv.URL, token, "o/r", nil)
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- hogsync-plan:abc -->"
	// 150 unrelated comments (two pages), one quoting the marker below its
	// first line, one by a person starting with it.
	for i := 0; i < 150; i++ {
		g.add(fmt.Sprintf("chatter %d", i), "User")
	}
	g.add("> quoting\n"+marker+"\nnot ours", "User")
	created, err := c.Upsert(context.Background(), 5, marker, marker+"\nplan 1")
	if err != nil || !created {
		t.Fatalf("first upsert: created=%v err=%v", created, err)
	}
	created, err = c.Upsert(context.Background(), 5, marker, marker+"\nplan 2")
	if err != nil || created {
		t.Fatalf("second upsert: created=%v err=%v", created, err)
	}
	var ours []string
	for _, cm := range g.comments {
		if strings.HasPrefix(cm.Body, marker) {
			ours = append(ours, cm.Body)
		}
	}
	if d := cmp.Diff([]string{marker + "\nplan 2"}, ours); d != "" {
		t.Errorf("marked comments (-want +got):\n%s", d)
	}
}

func TestUpsertPostsAnewWhenTheMarkedCommentIsNotEditable(t *testing.T) {
	const token = "ghs_another_secret_0000000"
	g := &fakeGitHub{token: token, forbid: map[int64]bool{}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	const marker = "<!-- hogsync-plan:abc -->"
	forged := g.add(marker+"\nforged by a person", "User")
	g.forbid[forged] = true
	c, _ := NewComments(srv.URL, token, "o/r", nil)
	created, err := c.Upsert(context.Background(), 5, marker, marker+"\nreal")
	if err != nil || !created {
		t.Fatalf("created=%v err=%v", created, err)
	}
	if g.comments[0].Body != marker+"\nforged by a person" {
		t.Error("someone else's comment was changed")
	}
}

func TestCommentsErrorsNeverShowTheToken(t *testing.T) {
	const token = "ghs_never_print_me_12345"
	g := &fakeGitHub{token: "other"}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, _ := NewComments(srv.URL, token, "o/r", nil)
	_, err := c.Upsert(context.Background(), 5, "<!-- m -->", "<!-- m -->\nx")
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "401: Bad credentials") {
		t.Errorf("err = %v", err)
	}
	for _, bad := range []struct{ url, token, repo string }{
		{"http://api.github.com", token, "o/r"},
		{srv.URL, "", "o/r"},
		{srv.URL, token, "o/r/x"},
	} {
		if _, err := NewComments(bad.url, bad.token, bad.repo, nil); err == nil || strings.Contains(err.Error(), token) {
			t.Errorf("NewComments(%q, token, %q) = %v", bad.url, bad.repo, err)
		}
	}
}
