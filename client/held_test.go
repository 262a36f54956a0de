package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// A holdout that takes more than maxHoldoutBytes on the wire ends the listing
// with an error that says so, before the decoder holds the rest of it; an
// item just under the limit is read.
func TestListRefusesAnItemTooLarge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		desc int // bytes of the first holdout's description; -1: it never ends
		want string
	}{
		{"just under the limit", maxHoldoutBytes - 200, ""},
		{"just over the limit", maxHoldoutBytes + readChunk + 100, "an item of the list is larger than 8 MiB"},
		{"never ends", -1, "an item of the list is larger than 8 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"count":2,"next":null,"results":[{"id":1,"name":"a","filters":[],"description":"`)
				if tt.desc < 0 {
					for {
						if _, err := w.Write([]byte(strings.Repeat("x", 4096))); err != nil {
							return
						}
					}
				}
				fmt.Fprint(w, strings.Repeat("x", tt.desc))
				fmt.Fprint(w, `"},{"id":2,"name":"b","filters":[],"description":"small"}]}`)
			})
			hs, err := newClient(t, srv.URL).List(context.Background())
			if tt.want == "" {
				if err != nil || len(hs) != 2 {
					t.Fatalf("got %d holdouts, %v; want both", len(hs), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

// The byte limit counts what items take once decoded, not only their
// bytes on the wire: filters of empty objects are 3 bytes each as text and
// a map each in memory.
func TestListByteLimitCountsDecodedSize(t *testing.T) {
	t.Parallel()
	empties := strings.Repeat("{},", 999) + "{}"
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"count":100,"next":null,"results":[`)
		for i := range 100 {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"id":%d,"name":"h","filters":[%s]}`, i+1, empties)
		}
		fmt.Fprint(w, "]}")
	})
	// 100 items of 3 kB on the wire (300 kB) under a 1 MiB limit, but
	// 1,000 maps each (48 kB) once decoded: 4.8 MB.
	_, err := newClient(t, srv.URL, WithListLimits(1000, 1<<20)).List(context.Background())
	var le *ListLimitError
	if !errors.As(err, &le) || le.What != "bytes" {
		t.Fatalf("error = %v, want a *ListLimitError for bytes", err)
	}
	if want := "as read or as held in memory"; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to say %q", err, want)
	}
}

// heldBytes estimates what decoded items really take, with their filters
// decoded too (as a plan decodes those it changes or deletes): 0.75 to
// 1.5 times the heap they hold, for the shapes a hostile server would
// send and for ordinary holdouts. The heap is measured in a process of its own, which
// runs this test alone: in this one, what other tests leave behind moves
// the heap by megabytes.
func TestHeldBytesNearTheHeap(t *testing.T) {
	if os.Getenv("HOGSYNC_HELD_ALONE") == "" {
		t.Parallel()
		cmd := exec.Command(os.Args[0], "-test.run=^TestHeldBytesNearTheHeap$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "HOGSYNC_HELD_ALONE=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestHeldBytesNearTheHeap/ordinary") {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	tests := []struct {
		name string
		item string
	}{
		{"ordinary", `{"id":1,"name":"checkout-q4","description":"Held out of all checkout experiments in Q4","filters":[{"rollout_percentage":10,"properties":[{"key":"$geoip_country_code","type":"person","operator":"exact","value":["US","CA"]}],"variant":"holdout-7"}],"created_at":"2026-01-02T03:04:05Z"}`},
		{"empty objects", `{"id":1,"name":"h","filters":[` + strings.Repeat("{},", 199) + `{}]}`},
		{"small objects", `{"id":1,"name":"h","filters":[` + strings.Repeat(`{"a":1},`, 199) + `{"a":1}]}`},
		{"nested arrays", `{"id":1,"name":"h","filters":[{"v":[` + strings.Repeat("[1,2],", 199) + `[1]]}]}`},
		{"long description", `{"id":1,"name":"h","description":"` + strings.Repeat("x", 20000) + `","filters":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var one Holdout
			if err := json.Unmarshal([]byte(tt.item), &one); err != nil {
				t.Fatal(err)
			}
			n := int(4<<20/one.heldBytes()) + 1 // about 4 MB, well above the noise
			items := make([]Holdout, n)
			groups := make([][]map[string]any, n)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := range items {
				dec := json.NewDecoder(strings.NewReader(tt.item))
				dec.UseNumber()
				if err := dec.Decode(&items[i]); err != nil {
					t.Fatal(err)
				}
				var err error
				if groups[i], err = items[i].FilterGroups(); err != nil {
					t.Fatal(err)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			// The structs themselves are in items, allocated before, and
			// the slice headers of the groups in groups.
			heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
			var est int64
			for _, h := range items {
				est += h.heldBytes() - int64(unsafe.Sizeof(h))
			}
			runtime.KeepAlive(items)
			runtime.KeepAlive(groups)
			if r := float64(est) / heap; r < 0.75 || r > 1.5 {
				t.Errorf("estimate %d bytes, heap %.0f: ratio %.2f, want within 0.75-1.5", est, heap, r)
			}
		})
	}
}

// An experiment has no size limit of its own: PostHog's carry their whole
// feature flag, which can hold long lists of ids, and the client keeps a
// few strings of it, so only the list's byte limit applies.
func TestListExperimentsReadsALargeExperiment(t *testing.T) {
	t.Parallel()
	big := strings.Repeat(`"user-000000",`, (maxHoldoutBytes+readChunk)/14+1000) + `"last"`
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("archived") == "true" {
			fmt.Fprint(w, `{"count":0,"next":null,"results":[]}`)
			return
		}
		fmt.Fprintf(w, `{"count":1,"next":null,"results":[{"id":3,"name":"big","feature_flag":{"filters":{"groups":[{"properties":[{"key":"distinct_id","value":[%s]}]}]}},"feature_flag_key":"big-flag"}]}`, big)
	})
	es, err := newClient(t, srv.URL).ListExperiments(context.Background())
	if err != nil || len(es) != 1 || es[0].FeatureFlagKey != "big-flag" {
		t.Fatalf("got %+v, %v; want the one experiment", es, err)
	}
}

// Filters are kept as text, yet a response whose filters are not filter
// groups fails as it did when the client decoded them into maps, with
// encoding/json's own error, in a listing and in a write's answer alike;
// every shape that decoded then is read.
func TestFiltersThatAreNotGroups(t *testing.T) {
	t.Parallel()
	// Holdout as it was: the oracle of the error.
	type Holdout struct {
		ID      int64            `json:"id"`
		Filters []map[string]any `json:"filters"`
	}
	for _, filters := range []string{
		`{}`, `"x"`, `5`, `-1.5`, `true`, `false`, // not a list
		`[5]`, `[[]]`, `["x"]`, `[true]`, `[{}, 1]`, `[null, {"a": [1]}, "x", 1]`, // a group that is no object
		`null`, `[]`, `[null]`, `[{}, null, {"a": {"b": [1, "x", null]}}]`, `[ {"rollout_percentage": 1} ]`, // filter groups
	} {
		t.Run(filters, func(t *testing.T) {
			t.Parallel()
			item := `{"id":3,"name":"n","filters":` + filters + `}`
			dec := json.NewDecoder(strings.NewReader(item))
			dec.UseNumber()
			var old Holdout
			want := dec.Decode(&old)
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.Method == http.MethodGet {
					fmt.Fprintf(w, `{"count":1,"next":null,"results":[%s]}`, item)
					return
				}
				fmt.Fprint(w, item)
			})
			c := newClient(t, srv.URL)
			hs, lerr := c.List(context.Background())
			h, werr := c.Update(context.Background(), 3, HoldoutInput{Name: "n"})
			for what, err := range map[string]error{"List": lerr, "Update": werr} {
				switch {
				case want == nil && err != nil:
					t.Errorf("%s: %v; encoding/json decodes the groups", what, err)
				case want != nil && (err == nil || !strings.Contains(err.Error(), want.Error())):
					t.Errorf("%s: error %v, want one that says %q", what, err, want)
				}
			}
			if want != nil {
				return
			}
			if len(hs) != 1 {
				t.Fatalf("List gave %d holdouts", len(hs))
			}
			listed, lerr := hs[0].FilterGroups()
			written, werr := h.FilterGroups()
			for what, got := range map[string][]map[string]any{"List": listed, "Update": written} {
				if lerr != nil || werr != nil || !cmp.Equal(got, old.Filters) {
					t.Errorf("%s: FilterGroups = %v (errors %v, %v); want %v", what, got, lerr, werr, old.Filters)
				}
			}
		})
	}
}
