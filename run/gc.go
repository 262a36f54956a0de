package run

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// gcLimit is the heap hogsync lets itself use before collecting garbage,
// while what it keeps is small.
const gcLimit = 150 << 20

// tuneGC spends memory the run has to spare on collecting garbage less
// often. hogsync allocates far more than it keeps (a YAML parser for each
// manifest, each page of JSON), and Go's default, a collection each time
// the heap doubles, collects dozens of times while the heap is a few
// megabytes: a quarter of the CPU of a plan of 10,000 manifests. So the
// heap may grow to 5 times what is live, or to gcLimit, whichever comes
// first: a large project is collected at the limit, which also keeps its
// memory below what Go's default would reach. Once a collection finds
// more than two thirds of gcLimit live, Go's defaults come back, so that
// a project far larger than usual is not collected over and over at the
// limit. GOGC or GOMEMLIMIT in the environment leave Go's own settings
// alone.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	relaxGC(gcLimit)
}

// relaxGC sets the collector as tuneGC says, for a heap of limit bytes.
func relaxGC(limit int64) {
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(limit)
	watchHeap(limit / 3 * 2)
}

// gcSentinel is garbage from birth: its cleanup runs after the first
// collection that follows its allocation.
type gcSentinel struct{ _ *byte }

// watchHeap restores Go's default collector after the first collection
// that finds more than most bytes live.
func watchHeap(most int64) {
	runtime.AddCleanup(&gcSentinel{}, func(most int64) {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() > uint64(most) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			return
		}
		watchHeap(most)
	}, most)
}
