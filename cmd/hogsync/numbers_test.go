package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportKeepsIntegerText: an integer PostHog returns, even past
// float64's 53 bits or int64 (12345678901234567890 fits only in uint64),
// reaches the exported file as the same digits, and the file plans no
// change.
func TestExportKeepsIntegerText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const big = "12345678901234567890"
	seed(h, "big", nil, map[string]any{"rollout_percentage": json.Number("10"),
		"properties": []any{prop("account", "person", "exact", []any{json.Number(big), json.Number("-9007199254740993")})}})
	out := filepath.Join(h.dir, "export")
	h.export(out, "1").must(t, exitOK)
	c := readFile(t, filepath.Join(out, "big.yaml"))
	for _, n := range []string{big, "-9007199254740993"} {
		if !strings.Contains(c, n) {
			t.Errorf("%s is not in the exported file:\n%s", n, c)
		}
	}
	if strings.Contains(c, "12345678901234567000") || strings.Contains(c, "e+") {
		t.Errorf("a number went through float64:\n%s", c)
	}
	h.syncDir(out, "1", "--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}
