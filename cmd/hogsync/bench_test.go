package main

import (
	"testing"
	"time"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// BenchmarkApply1000Creates applies 1,000 creates against the emulator
// answering each request after 20 ms, and reports the wall time beside the
// floor that pacing sets: the rate limit's (requests past the burst, over
// the rate) or the latency's (requests over the parallelism), whichever is
// higher. x-floor near 1 means apply wastes nothing beyond what the limits
// force. It runs at --rate 100 so one iteration takes seconds, not the
// ~3 minutes the default 6/s would.
func BenchmarkApply1000Creates(b *testing.B) {
	const (
		n       = 1000
		rate    = 100.0
		burst   = 10
		par     = 4
		latency = 20 * time.Millisecond
	)
	requests := n + 2 // one list page of holdouts (empty), one of experiments, the creates
	rateFloor := float64(requests-burst) / rate
	latencyFloor := float64(requests) * latency.Seconds() / par
	floor := max(rateFloor, latencyFloor)

	var wall time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := newHarness(b)
		h.writeMany("bench", n, "1")
		h.emu.SetFaults(posthogtest.Faults{Latency: latency})
		b.StartTimer()
		start := time.Now()
		r := h.sync("--apply", "--rate", "100", "--parallelism", "4")
		wall += time.Since(start)
		b.StopTimer()
		if r.code != exitOK || len(h.emu.Holdouts(1)) != n {
			b.Fatalf("exit %d, %d holdouts\n%s", r.code, len(h.emu.Holdouts(1)), r.stderr)
		}
		b.StartTimer()
	}
	perRun := wall.Seconds() / float64(b.N)
	b.ReportMetric(perRun, "wall-s")
	b.ReportMetric(floor, "floor-s")
	b.ReportMetric(perRun/floor, "x-floor")
}
