package main

import (
	"strconv"
	"testing"
	"time"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// BenchmarkApply1000Creates applies 1,000 creates against the emulator
// throttled as PostHog throttles a personal API key (480 requests a
// minute, 4,800 an hour), with all of time scaled down by timeScale: the
// emulator's windows, hogsync's budget and the latency. It reports the wall
// time beside the floor those limits set (480 creates at once, the next 480
// a minute later, the rest a minute after that: 120 s, 2 s scaled), their
// ratio (issue 11: at most 1.15) and the 429 answers (issue 11: none).
// `go run ./bench` measures the same with the real binary, in medians.
func BenchmarkApply1000Creates(b *testing.B) {
	const (
		n         = 1000
		timeScale = 60.0
		latency   = 50 * time.Millisecond
	)
	floor := 2 * time.Minute.Seconds() / timeScale

	var wall time.Duration
	throttled := 0
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b)
		h.writeMany("bench", n, "1")
		h.emu.SetLatency(latency / time.Duration(timeScale))
		h.emu.SetThrottle(posthogtest.PostHogBurstPerMinute, posthogtest.PostHogSustainedPerHour, timeScale)
		b.StartTimer()
		start := time.Now()
		r := h.sync("--apply", "--budget-time-scale", strconv.FormatFloat(timeScale, 'g', -1, 64))
		wall += time.Since(start)
		b.StopTimer()
		if r.code != exitOK || len(h.emu.Holdouts(1)) != n {
			b.Fatalf("exit %d, %d holdouts\n%s", r.code, len(h.emu.Holdouts(1)), r.stderr)
		}
		throttled += h.emu.Stats().Throttled
		b.StartTimer()
	}
	if throttled > 0 {
		b.Errorf("%d answers were 429: the budget let hogsync past PostHog's limits", throttled)
	}
	perRun := wall.Seconds() / float64(b.N)
	b.ReportMetric(perRun, "wall-s")
	b.ReportMetric(floor, "floor-s")
	b.ReportMetric(perRun/floor, "x-floor")
	b.ReportMetric(float64(throttled)/float64(b.N), "429s/op")
}
