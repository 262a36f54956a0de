//go:build unix

package manifest

import (
	"runtime"
	"syscall"
	"testing"
)

func mkfifo(_ *testing.T, p string) error { return syscall.Mkfifo(p, 0o644) }

// processStats is the CPU time the process has used (user and system, in
// nanoseconds) and its peak resident memory in MB.
func processStats() (cpuNs int64, maxRSSMB float64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	rss := float64(ru.Maxrss) / 1024 // KiB on Linux and the BSDs
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		rss /= 1024 // bytes there
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), rss, true
}
