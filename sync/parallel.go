package sync

import (
	"runtime"
	stdsync "sync"
	"sync/atomic"
)

// forEach calls f(i) for each i from 0 to n-1, on as many goroutines as
// there are processors, each taking chunk indexes at a time; f must be
// safe to call concurrently for different i.
func forEach(n, chunk int, f func(i int)) {
	var next atomic.Int64
	var wg stdsync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk) {
		wg.Go(func() {
			for {
				start := int(next.Add(int64(chunk))) - chunk
				if start >= n {
					return
				}
				for i := start; i < min(start+chunk, n); i++ {
					f(i)
				}
			}
		})
	}
	wg.Wait()
}

// warmDiffs works the diffs of changes out on every processor, before a
// renderer shows them one after another: a change's diff is most of what
// rendering it costs. Changes without a diff cache are left alone.
func warmDiffs(changes []Change) {
	forEach(len(changes), 16, func(i int) {
		if changes[i].diff != nil {
			ChangeDiff(changes[i])
		}
	})
}
