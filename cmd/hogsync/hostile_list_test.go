package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// Issue 10, acceptance 3: a server that streams unique holdouts past the
// listing's limits stops the real binary, with its default limits, with an
// error that says how to raise the limit, under 500 MB of memory: whether
// its items are many and small, small on the wire but large once decoded
// (filters of empty objects), or one item never ends. (Items large on the
// wire meet the same byte limit: client.TestListByteLimitStopsAnEndlessBody;
// here they would only make the suite stream 128 MiB.)
func TestHostileListStopsUnder500MB(t *testing.T) {
	t.Parallel()
	bin := builtBinary(t)
	empties := strings.Repeat("{},", 300) + "{}"
	tests := []struct {
		name string
		item func(id int) string // one holdout's JSON
		want string              // in stderr
	}{
		{"small holdouts past the item limit", func(id int) string {
			return fmt.Sprintf(`{"id":%d,"name":"h-%d","filters":[]}`, id, id)
		}, "--max-list-items"},
		{"filters of empty objects", func(id int) string {
			return fmt.Sprintf(`{"id":%d,"name":"h-%d","description":null,"filters":[%s]}`, id, id, empties)
		}, "--max-list-bytes"},
		{"one item that never ends", nil, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(hostileList(tt.item))
			defer srv.Close()
			cmd := exec.Command(bin, "sync", t.TempDir(), "--project", "1", "--host", srv.URL)
			cmd.Env = append(os.Environ(), "POSTHOG_PERSONAL_API_KEY="+posthogtest.DefaultKey, "NO_COLOR=1")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != exitFailure || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, want 1 and %q in stderr:\n%s", code, tt.want, stderr.String())
			}
			// Maxrss is at least the test process's own memory when the
			// child was started (Go forks with vfork), so it bounds the
			// child's peak from above.
			if rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss >> 10; rss >= 500 {
				t.Errorf("peak RSS %d MB, want under 500 MB", rss)
			}
		})
	}
}

// hostileList serves PostHog's list routes: experiments are empty, and the
// holdouts never end. Each page holds the items asked for, with a next link
// and no count; with item nil, the first item's description never closes.
func hostileList(item func(id int) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !strings.HasSuffix(r.URL.Path, "/experiment_holdouts/") {
			fmt.Fprint(w, `{"count":0,"next":null,"previous":null,"results":[]}`)
			return
		}
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		next := fmt.Sprintf("http://%s%s?limit=%d&offset=%d", r.Host, r.URL.Path, limit, offset+limit)
		fmt.Fprintf(w, `{"next":%q,"previous":null,"results":[`, next)
		if item == nil {
			fmt.Fprint(w, `{"id":1,"name":"h","description":"`)
			chunk := []byte(strings.Repeat("x", 64<<10))
			for {
				if _, err := w.Write(chunk); err != nil {
					return // the client hung up
				}
			}
		}
		for i := range limit {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			if _, err := fmt.Fprint(w, item(offset+i+1)); err != nil {
				return
			}
		}
		fmt.Fprint(w, "]}")
	})
}
