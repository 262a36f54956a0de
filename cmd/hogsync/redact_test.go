package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Stdout is buffered, but what an apply prints shows as it happens: the
// plan before the first change is made, and each result before the next.
func TestApplyShowsThePlanAndEachResultAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", "name: alpha\nfilters:\n  - rollout_percentage: 5\n")
	h.write("b.yaml", "name: beta\nfilters:\n  - rollout_percentage: 5\n")
	var stdout, stderr lockedBuffer
	var seen []string // stdout as each create arrived
	h.withHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				seen = append(seen, stdout.String())
			}
			next.ServeHTTP(w, r)
		})
	})
	args := []string{"sync", h.dir, "--host", h.srv.URL, "--project", "1", "--apply", "--parallelism", "1"}
	if code := runCLI(context.Background(), args, &stdout, &stderr, func(k string) string { return h.env[k] }); code != exitOK {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if len(seen) != 2 {
		t.Fatalf("%d creates, want 2", len(seen))
	}
	if !strings.Contains(seen[0], "alpha") || !strings.Contains(seen[0], "beta") {
		t.Errorf("the plan was not shown before the first create; stdout then:\n%s", seen[0])
	}
	if !strings.Contains(seen[1], "[1/2]") {
		t.Errorf("the first result was not shown before the second create; stdout then:\n%s", seen[1])
	}
}

// lockedBuffer is a buffer that an apply's writers and the test read at
// once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
