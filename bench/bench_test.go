package main

import (
	"bytes"
	"context"
	goldenfile "github.com/hogsync/hogsync/internal/golden"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestRun runs the whole program at a small size: hogsync built, the
// emulator served, every column measured, the apply throttled. It checks
// what holds at any speed: the rows, the request counts, no 429.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hogsync")
	}
	t.Parallel()
	const n, applyN = 200, 50
	cfg := config{ns: []int{n}, latency: time.Millisecond, runs: 1, applyN: applyN, timeScale: 600, perObject: true}
	r, err := run(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.plans) != 1 {
		t.Fatalf("%d plan rows, want 1", len(r.plans))
	}
	p := r.plans[0]
	if p.n != n || p.drifted != 2 {
		t.Errorf("row for %d holdouts with %d drifted, want %d with 2", p.n, p.drifted, n)
	}
	// One page of holdouts, one of experiments, one of archived ones.
	if want := (n+hogsyncPageSize-1)/hogsyncPageSize + 2; p.requests > want || p.lists != p.requests {
		t.Errorf("hogsync sent %d requests (%d lists), want at most %d, all lists", p.requests, p.lists, want)
	}
	for name, d := range map[string]time.Duration{"hogsync": p.hogsync, "its CPU": p.cpu, "validate": p.validate, "sequential": p.sequential, "floor": p.floor, "per-object": p.perObject} {
		if d <= 0 {
			t.Errorf("%s took %v", name, d)
		}
	}
	if p.peakRSS <= 0 {
		t.Errorf("peak RSS %d", p.peakRSS)
	}
	if a := r.apply; a == nil || a.throttled != 0 || a.requests < applyN {
		t.Errorf("apply: %+v, want %d creates or more and no 429", a, applyN)
	}

	var out bytes.Buffer
	render(&out, r)
	// The plan's row has a cell for every heading, and the ratio to what
	// the plan cannot avoid is the measured one.
	var head, row []string
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "| holdouts |"):
			head = strings.Split(line, " | ")
		case strings.HasPrefix(line, "| 200 |"):
			row = strings.Split(line, " | ")
		}
	}
	if len(head) == 0 || len(head) != len(row) {
		t.Fatalf("plan table: %d headings, %d cells:\n%s", len(head), len(row), out.String())
	}
	if i := slices.Index(head, "hogsync / max(floor, validate) |"); i < 0 || row[i] != ratio(p.hogsync, max(p.floor, p.validate))+" |" {
		t.Errorf("no column hogsync / max(floor, validate) holding %s:\n%s", ratio(p.hogsync, max(p.floor, p.validate)), out.String())
	}
	if !strings.Contains(out.String(), "- 200 holdouts: hogsync plan "+seconds(p.hogsync)+" / max(floor "+seconds(p.floor)+", validate alone "+seconds(p.validate)+")") {
		t.Errorf("no acceptance line for the plan against what it cannot avoid:\n%s", out.String())
	}
	rows := map[string]int{}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "| ") {
			rows[strings.SplitN(line, " |", 2)[0]]++
		}
	}
	want := map[string]int{"| holdouts": 1, "| 200": 1, "| creates": 1, "| 50": 1}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("table rows by first cell (-want +got):\n%s\n%s", diff, out.String())
	}
}

// TestRender prints a fixed report, so the table's layout and the
// acceptance verdicts are checked without timing anything.
func TestRender(t *testing.T) {
	t.Parallel()
	r := &report{
		machine: machine{cpu: "AMD EPYC", cores: 2, goVersion: "go1.26.8", osArch: "linux/amd64", loadStart: "0.50 0.40 0.30", loadEnd: "1.00 0.80 0.60"},
		cfg:     config{latency: 50 * time.Millisecond, runs: 3},
		plans: []planRow{
			// Loading is slower than the floor: the plan is bound by it.
			{n: 1000, hogsync: 210 * time.Millisecond, cpu: 300 * time.Millisecond, requests: 3, lists: 3, peakRSS: 25 << 20, validate: 180 * time.Millisecond, sequential: 970 * time.Millisecond, floor: 170 * time.Millisecond, perObject: 9400 * time.Millisecond},
			// The floor is slower than loading, and exactly at the bound.
			{n: 10000, hogsync: 1300 * time.Millisecond, cpu: 900 * time.Millisecond, requests: 13, lists: 13, peakRSS: 80 << 20, validate: 200 * time.Millisecond, sequential: 5 * time.Second, floor: time.Second},
			// Misses every target, and the per-object baseline was not run.
			{n: 50000, hogsync: 3 * time.Second, cpu: 4 * time.Second, requests: 60, lists: 60, peakRSS: 300 << 20, validate: 2 * time.Second, sequential: 50 * time.Second, floor: 1250 * time.Millisecond},
		},
		apply: &applyRow{n: 1000, scale: 60, wall: 2100 * time.Millisecond, floor: 2 * time.Second, requests: 1003},
	}
	var out bytes.Buffer
	render(&out, r)
	golden(t, "render.golden", out.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), []byte(got))
}

func TestBudgetFloor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n     int
		scale float64
		want  time.Duration
	}{
		{1, 1, 0},
		{480, 1, 0},                    // one minute's budget at once
		{481, 1, time.Minute},          // the 481st waits for the first to leave the window
		{1000, 1, 2 * time.Minute},     // 480 + 480 + 40
		{1000, 60, 2 * time.Second},    // a minute lasts a second
		{4800, 1, 9 * time.Minute},     // ten minutes' batches, the hour not yet full
		{4801, 1, time.Hour},           // the hour's budget is spent
		{10000, 3600, 2 * time.Second}, // an hour lasts a second: two full hours first
	} {
		if got := budgetFloor(tc.n, tc.scale); got != tc.want {
			t.Errorf("budgetFloor(%d, %g) = %v, want %v", tc.n, tc.scale, got, tc.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		want    config
		wantErr string
	}{
		{args: nil, want: config{ns: []int{1000, 10000, 50000}, latency: 50 * time.Millisecond, runs: 3, applyN: 1000, timeScale: 60, perObject: true}},
		{args: []string{"-n", "200, 3000", "-latency", "1ms", "-quick", "-skip-apply", "-apply-n", "0"},
			want: config{ns: []int{200, 3000}, latency: time.Millisecond, runs: 1, applyN: 0, timeScale: 60, skipApply: true}},
		{args: []string{"-quick", "-runs", "3"}, want: config{ns: []int{1000, 10000, 50000}, latency: 50 * time.Millisecond, runs: 3, applyN: 1000, timeScale: 60}},
		{args: []string{"-n", "10k"}, wantErr: `"10k" is not a positive whole number`},
		{args: []string{"-n", "0"}, wantErr: `"0" is not a positive whole number`},
		{args: []string{"-runs", "0"}, wantErr: "-runs 0: must be at least 1"},
		{args: []string{"-apply-n", "0"}, wantErr: "-apply-n 0: must be at least 1 (or use -skip-apply)"},
		{args: []string{"-time-scale", "0"}, wantErr: "-time-scale 0: must be positive"},
		{args: []string{"-latency", "-1s"}, wantErr: "-latency -1s: must not be negative"},
	} {
		got, err := parseFlags(tc.args, io.Discard)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseFlags(%q): error %v, want one containing %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseFlags(%q): %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(config{})); diff != "" {
			t.Errorf("parseFlags(%q) (-want +got):\n%s", tc.args, diff)
		}
	}
}
