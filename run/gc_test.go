package run

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

// gcSettings reads the collector's GOGC and memory limit.
func gcSettings() (percent, limit uint64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// The collector is relaxed while the live heap is small, and back to Go's
// defaults once it is not. Not parallel: it sets the process's collector.
func TestRelaxGC(t *testing.T) {
	t.Cleanup(func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	})
	const limit = 30 << 20
	relaxGC(limit)
	for range 3 {
		runtime.GC()
		runtime.Gosched()
	}
	if p, l := gcSettings(); p != 400 || l != limit {
		t.Fatalf("with a small heap: GOGC %d and limit %d, want 400 and %d", p, l, limit)
	}
	live := make([][]byte, 0, 30)
	for range cap(live) {
		live = append(live, make([]byte, 1<<20))
	}
	for range 1000 {
		runtime.GC()
		runtime.Gosched()
		if p, l := gcSettings(); p == 100 && l == math.MaxInt64 {
			runtime.KeepAlive(live)
			return
		}
	}
	p, l := gcSettings()
	t.Errorf("with %d MiB live: GOGC %d and limit %d, want Go's defaults", len(live), p, l)
}

func TestTuneGCLeavesTheUsersSettings(t *testing.T) {
	t.Cleanup(func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	})
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		tuneGC(func(k string) string {
			if k == env {
				return "200"
			}
			return ""
		})
		if p, l := gcSettings(); p != 100 || l != math.MaxInt64 {
			t.Errorf("with %s set: GOGC %d and limit %d, want them untouched", env, p, l)
		}
	}
}
