package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeManifests writes n manifest files of one holdout each under dir,
// perFolder to a folder; one in a hundred has properties.
func writeManifests(b *testing.B, dir string, n, perFolder int) {
	b.Helper()
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("team-%03d", i/perFolder))
		if i%perFolder == 0 {
			if err := os.Mkdir(sub, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		content := fmt.Sprintf("# hogsync-source-id: %d\nname: holdout-%06d\ndescription: Holdout number %d, kept by the growth team\nfilters:\n  - rollout_percentage: %d\n", i+1, i, i, i%100)
		if i%100 == 42 {
			content += "    properties:\n      - key: country\n        type: person\n        operator: exact\n        value: [US, CA]\n"
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("h%06d.yaml", i)), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkLoad(b *testing.B, n, perFolder int) {
	dir := b.TempDir()
	writeManifests(b, dir, n, perFolder)
	b.ReportAllocs()
	before, _, ok := processStats()
	for b.Loop() {
		res, err := LoadDir(dir)
		if err != nil || len(res.Holdouts) != n {
			b.Fatalf("%d holdouts, %v", len(res.Holdouts), err)
		}
	}
	if after, maxRSS, ok2 := processStats(); ok && ok2 {
		// On a shared machine the wall time says more about the
		// neighbours than about the loader; the process's CPU time (user
		// and system, all threads) does not.
		b.ReportMetric(float64(after-before)/float64(b.N), "cpu-ns/op")
		// The peak resident memory of the whole test process (run one
		// benchmark alone to read it for that one).
		b.ReportMetric(maxRSS, "maxrss-MB")
	}
}

func BenchmarkLoad1k(b *testing.B)  { benchmarkLoad(b, 1_000, 100) }
func BenchmarkLoad10k(b *testing.B) { benchmarkLoad(b, 10_000, 100) }
func BenchmarkLoad50k(b *testing.B) { benchmarkLoad(b, 50_000, 100) }

// BenchmarkLoadFlat10k and BenchmarkLoadFlat50k load one folder of
// manifests, as bench/ writes them.
func BenchmarkLoadFlat10k(b *testing.B) { benchmarkLoad(b, 10_000, 10_000) }
func BenchmarkLoadFlat50k(b *testing.B) { benchmarkLoad(b, 50_000, 50_000) }
