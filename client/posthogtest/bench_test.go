package posthogtest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// benchEmulator holds n holdouts shaped like a typical manifest's.
func benchEmulator(n int) *posthogtest.Emulator {
	emu := posthogtest.New()
	for i := 0; i < n; i++ {
		emu.Seed(1, posthogtest.Holdout{Name: fmt.Sprintf("holdout-%05d", i), Filters: []map[string]any{{
			"rollout_percentage": 10,
			"properties":         []any{map[string]any{"key": "country", "type": "person", "operator": "exact", "value": []any{"US"}}},
		}}})
	}
	return emu
}

// benchmarkListPage serves one page of limit holdouts out of n, in
// process (no network), as a client reading with limit=N does.
func benchmarkListPage(b *testing.B, n, limit int) {
	emu := benchEmulator(n)
	req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/projects/1/experiment_holdouts/?limit=%d", limit), nil)
	req.Header.Set("Authorization", "Bearer "+posthogtest.DefaultKey)
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{header: http.Header{}}
		emu.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		b.SetBytes(int64(w.n))
	}
}

// discard is a ResponseWriter that only counts, so that the benchmark
// measures the emulator rather than a recorder's buffer.
type discard struct {
	header http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header { return d.header }
func (d *discard) WriteHeader(s int)   { d.status = s }
func (d *discard) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += len(b)
	return len(b), nil
}

func BenchmarkListPage10k(b *testing.B) { benchmarkListPage(b, 10000, 10000) }

// BenchmarkListPage10kCold is the first list of 10,000 freshly stored
// holdouts: rows are rendered when written, so it costs what later lists
// do, and a client benchmark's first read is not penalised.
func BenchmarkListPage10kCold(b *testing.B) {
	req := httptest.NewRequest(http.MethodGet, "/api/projects/1/experiment_holdouts/?limit=10000", nil)
	req.Header.Set("Authorization", "Bearer "+posthogtest.DefaultKey)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		emu := benchEmulator(10000)
		b.StartTimer()
		emu.ServeHTTP(&discard{header: http.Header{}}, req)
	}
}
func BenchmarkListPage50k(b *testing.B)      { benchmarkListPage(b, 50000, 50000) }
func BenchmarkListPage100of50k(b *testing.B) { benchmarkListPage(b, 50000, 100) }

// BenchmarkListOverHTTP10k reads 10,000 holdouts in one request over a
// real connection, with a latency set as a benchmark of a client would
// (SetLatency), so the figure is the floor such a client can reach.
func BenchmarkListOverHTTP10k(b *testing.B) {
	emu := benchEmulator(10000)
	emu.SetLatency(5 * time.Millisecond)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/projects/1/experiment_holdouts/?limit=10000", nil)
	req.Header.Set("Authorization", "Bearer "+posthogtest.DefaultKey)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		b.SetBytes(n)
	}
}
