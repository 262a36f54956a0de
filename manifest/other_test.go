//go:build !unix

package manifest

import "testing"

func mkfifo(t *testing.T, _ string) error {
	t.Skip("named pipes need a Unix system")
	return nil
}

func processStats() (cpuNs int64, maxRSSMB float64, ok bool) { return 0, 0, false }
