package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hogsync/hogsync/client/posthogtest"
	"github.com/hogsync/hogsync/internal/words"
)

const project = posthogtest.DefaultProject

// report is everything one run of the program measured.
type report struct {
	machine machine
	cfg     config
	plans   []planRow
	apply   *applyRow // nil with -skip-apply
}

// planRow is one holdout count's plan measurements, medians over the runs.
type planRow struct {
	n          int
	drifted    int           // manifests that differ from PostHog: the plan's updates
	hogsync    time.Duration // `hogsync sync` dry run, process start to exit
	cpu        time.Duration // hogsync's user+system CPU time
	requests   int           // requests hogsync sent (the most in any run)
	lists      int           // of which list requests (holdouts and experiments)
	peakRSS    int64         // bytes, the most in any run (VmHWM, polled)
	validate   time.Duration // `hogsync validate` on the same manifests: loading alone
	sequential time.Duration // plain client, pages of 100 one after another
	floor      time.Duration // one request with limit=N
	perObject  time.Duration // list, then one GET per holdout, 10 at a time; 0 if not run
}

// applyRow is the apply benchmark's result.
type applyRow struct {
	n         int
	scale     float64
	wall      time.Duration // median, in scaled time
	floor     time.Duration // what PostHog's limits allow for n creates, in scaled time
	requests  int           // requests hogsync sent (the most in any run)
	throttled int           // 429 answers, all runs together
}

// machine says where the figures come from.
type machine struct {
	cpu       string
	cores     int
	goVersion string
	osArch    string
	loadStart string // /proc/loadavg's first three fields
	loadEnd   string
}

// run builds hogsync and measures everything cfg asks for, logging
// progress to logw.
func run(ctx context.Context, cfg config, logw io.Writer) (*report, error) {
	tmp, err := os.MkdirTemp("", "hogsync-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintln(logw, "building hogsync…")
	bin, goVersion, err := buildHogsync(ctx, tmp)
	if err != nil {
		return nil, err
	}
	r := &report{cfg: cfg, machine: describeMachine(goVersion)}
	for _, n := range cfg.ns {
		row, err := measurePlan(ctx, cfg, bin, filepath.Join(tmp, fmt.Sprintf("plan-%d", n)), n, logw)
		if err != nil {
			return nil, fmt.Errorf("plan of %d holdouts: %w", n, err)
		}
		r.plans = append(r.plans, row)
	}
	if !cfg.skipApply {
		a, err := measureApply(ctx, cfg, bin, filepath.Join(tmp, "apply"), logw)
		if err != nil {
			return nil, fmt.Errorf("apply of %d creates: %w", cfg.applyN, err)
		}
		r.apply = &a
	}
	r.machine.loadEnd = loadAverage()
	return r, nil
}

// buildHogsync builds ./cmd/hogsync of the module bench is run from into
// dir, and returns the binary's path and the Go version that built it.
func buildHogsync(ctx context.Context, dir string) (bin, goVersion string, err error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD", "GOVERSION").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env: %w", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 || lines[0] == os.DevNull || lines[0] == "" {
		return "", "", errors.New("not inside the hogsync module: run bench from the repository (go run ./bench)")
	}
	bin = filepath.Join(dir, "hogsync")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/hogsync")
	cmd.Dir = filepath.Dir(lines[0])
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build ./cmd/hogsync: %w\n%s", err, out)
	}
	return bin, lines[1], nil
}

// serve starts emu on a loopback port and returns its URL and a stop
// function.
func serve(emu *posthogtest.Emulator) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: emu}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

func measurePlan(ctx context.Context, cfg config, bin, dir string, n int, logw io.Writer) (planRow, error) {
	fmt.Fprintf(logw, "plan of %d holdouts: seeding the emulator and writing manifests…\n", n)
	emu := posthogtest.New()
	seedHoldouts(emu, n)
	drifted, err := writeManifests(dir, "bench", n, true)
	if err != nil {
		return planRow{}, err
	}
	defer os.RemoveAll(dir)
	emu.SetLatency(cfg.latency)
	url, stop, err := serve(emu)
	if err != nil {
		return planRow{}, err
	}
	defer stop()

	row := planRow{n: n, drifted: drifted}
	var hog, cpu, val, seq, fl []time.Duration
	for i := range cfg.runs {
		fmt.Fprintf(logw, "plan of %d holdouts: run %d of %d…\n", n, i+1, cfg.runs)
		before := emu.Stats()
		res, err := runHogsync(ctx, bin, "sync", dir, "--project", strconv.FormatInt(project, 10), "--host", url, "-o", "json")
		if err != nil {
			return planRow{}, err
		}
		after := emu.Stats()
		if err := checkPlan(res.stdout, drifted); err != nil {
			return planRow{}, err
		}
		fmt.Fprintf(logw, "  hogsync: %s, CPU %s, %s\n", seconds(res.wall), seconds(res.cpu), megabytes(res.peakRSS))
		hog, cpu = append(hog, res.wall), append(cpu, res.cpu)
		row.requests = max(row.requests, after.Requests-before.Requests)
		row.lists = max(row.lists, after.HoldoutLists-before.HoldoutLists+after.ExperimentLists-before.ExperimentLists)
		row.peakRSS = max(row.peakRSS, res.peakRSS)

		// Loading alone: what the plan cannot avoid besides the listing.
		res, err = runHogsync(ctx, bin, "validate", dir)
		if err != nil {
			return planRow{}, err
		}
		if err := checkValidate(res.stdout, n); err != nil {
			return planRow{}, err
		}
		fmt.Fprintf(logw, "  validate: %s, CPU %s\n", seconds(res.wall), seconds(res.cpu))
		val = append(val, res.wall)

		d, err := timed(func() ([]holdout, error) { return sequentialList(ctx, newAPI(url), 100) }, n)
		if err != nil {
			return planRow{}, fmt.Errorf("plain sequential client: %w", err)
		}
		seq = append(seq, d)
		d, err = timed(func() ([]holdout, error) { return oneRequest(ctx, newAPI(url), n) }, n)
		if err != nil {
			return planRow{}, fmt.Errorf("one request: %w", err)
		}
		fl = append(fl, d)
		emu.ResetRequests() // the request log is not needed; keep memory flat
	}
	row.hogsync, row.cpu, row.validate, row.sequential, row.floor = median(hog), median(cpu), median(val), median(seq), median(fl)
	if cfg.perObject {
		// One run: N/10 round trips make it latency-bound, so runs differ
		// little, and at 50,000 holdouts one run takes minutes.
		fmt.Fprintf(logw, "plan of %d holdouts: per-object baseline (%d GETs)…\n", n, n)
		d, err := timed(func() ([]holdout, error) { return perObject(ctx, newAPI(url), 10) }, n)
		if err != nil {
			return planRow{}, fmt.Errorf("per-object baseline: %w", err)
		}
		row.perObject = d
	}
	return row, nil
}

// timed runs f, which must read want distinct holdouts, and returns how
// long it took.
func timed(f func() ([]holdout, error), want int) (time.Duration, error) {
	start := time.Now()
	hs, err := f()
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	seen := make(map[int64]bool, len(hs))
	for _, h := range hs {
		seen[h.ID] = true
	}
	if len(seen) != want || len(hs) != want {
		return 0, fmt.Errorf("read %d holdouts (%d distinct), want %d", len(hs), len(seen), want)
	}
	return d, nil
}

func measureApply(ctx context.Context, cfg config, bin, dir string, logw io.Writer) (applyRow, error) {
	n := cfg.applyN
	if _, err := writeManifests(dir, "apply", n, false); err != nil {
		return applyRow{}, err
	}
	defer os.RemoveAll(dir)
	row := applyRow{n: n, scale: cfg.timeScale, floor: budgetFloor(n, cfg.timeScale)}
	var walls []time.Duration
	for i := range cfg.runs {
		fmt.Fprintf(logw, "apply of %d creates: run %d of %d…\n", n, i+1, cfg.runs)
		emu := posthogtest.New()
		// All of time is scaled: the limits' windows and the latency.
		emu.SetLatency(time.Duration(float64(cfg.latency) / cfg.timeScale))
		emu.SetThrottle(posthogtest.PostHogBurstPerMinute, posthogtest.PostHogSustainedPerHour, cfg.timeScale)
		url, stop, err := serve(emu)
		if err != nil {
			return applyRow{}, err
		}
		res, err := runHogsync(ctx, bin, "sync", dir, "--apply", "--project", strconv.FormatInt(project, 10), "--host", url,
			"--budget-time-scale", strconv.FormatFloat(cfg.timeScale, 'g', -1, 64))
		stop()
		if err != nil {
			return applyRow{}, err
		}
		if got := len(emu.Holdouts(project)); got != n {
			return applyRow{}, fmt.Errorf("PostHog holds %d holdouts after the apply, want %d", got, n)
		}
		st := emu.Stats()
		walls = append(walls, res.wall)
		row.requests = max(row.requests, st.Requests)
		row.throttled += st.Throttled
	}
	row.wall = median(walls)
	return row, nil
}

// budgetFloor is the least time PostHog's limits (480 requests in any
// minute, 4,800 in any hour) allow between the first and the last of n
// requests, with windows scale times shorter: the last request waits for
// as many full windows as came before its batch.
func budgetFloor(n int, scale float64) time.Duration {
	var floor time.Duration
	for _, w := range []struct {
		max int
		d   time.Duration
	}{{posthogtest.PostHogBurstPerMinute, time.Minute}, {posthogtest.PostHogSustainedPerHour, time.Hour}} {
		waits := (n+w.max-1)/w.max - 1
		floor = max(floor, time.Duration(waits)*w.d)
	}
	return time.Duration(float64(floor) / scale)
}

// result is one hogsync run.
type result struct {
	wall    time.Duration
	cpu     time.Duration // user + system
	peakRSS int64         // bytes
	stdout  []byte
}

// runHogsync runs bin with args and the emulator's key, and fails unless
// it exits 0.
func runHogsync(ctx context.Context, bin string, args ...string) (result, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	// A small, fixed environment: no POSTHOG_* or GITHUB_* of the caller's.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "POSTHOG_PERSONAL_API_KEY=" + posthogtest.DefaultKey}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	done, peak := make(chan struct{}), make(chan int64)
	go func() { peak <- pollPeakRSS(cmd.Process.Pid, done) }()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	res := result{wall: wall, peakRSS: <-peak}
	if err != nil {
		return result{}, fmt.Errorf("hogsync %s: %w\n%s", strings.Join(args[:1], " "), err, tail(stderr.String(), 20))
	}
	res.cpu, res.stdout = cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime(), stdout.Bytes()
	return res, nil
}

// pollPeakRSS reads pid's peak resident memory (VmHWM, in bytes) from
// /proc every few milliseconds until done is closed, and returns the last
// value read: growth in the last interval before exit goes unseen.
//
// getrusage's maxrss cannot be used: Go starts children with vfork, and
// Linux counts the memory the child shared with its parent up to exec,
// so a child's maxrss is never less than the bench's own (large) RSS.
func pollPeakRSS(pid int, done <-chan struct{}) int64 {
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	var peak int64
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
					peak = max(peak, kb*1024)
				}
			}
		}
		select {
		case <-done:
			return peak
		case <-t.C:
		}
	}
}

// checkPlan fails unless the JSON plan updates exactly the drifted
// holdouts and does nothing else: the benchmark must time a real plan.
func checkPlan(out []byte, drifted int) error {
	var plan struct {
		Summary struct {
			Create, Update, Delete, Conflicts, Unmanaged int
		}
	}
	if err := json.Unmarshal(out, &plan); err != nil {
		return fmt.Errorf("reading hogsync's JSON plan: %w", err)
	}
	s := plan.Summary
	if s.Update != drifted || s.Create+s.Delete+s.Conflicts+s.Unmanaged != 0 {
		return fmt.Errorf("hogsync planned %+v, want %d updates and nothing else", s, drifted)
	}
	return nil
}

// checkValidate fails unless hogsync validate found n valid holdouts: the
// benchmark must time loading every manifest.
func checkValidate(out []byte, n int) error {
	if want := words.Plural(n, "1 holdout is", strconv.Itoa(n)+" holdouts are") + " valid.\n"; string(out) != want {
		return fmt.Errorf("hogsync validate said %q, want %q", out, want)
	}
	return nil
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func describeMachine(goVersion string) machine {
	m := machine{cpu: "unknown CPU", cores: runtime.NumCPU(), goVersion: goVersion, osArch: runtime.GOOS + "/" + runtime.GOARCH, loadStart: loadAverage()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// seedHoldouts stores n holdouts named bench-000001… in the emulator, and
// a few experiments using the first of them: one running, a draft, a
// stopped one, an archived one (listed separately) and one without a
// holdout. None uses a drifted holdout, which a running experiment would
// block.
func seedHoldouts(emu *posthogtest.Emulator, n int) {
	for i := 1; i <= n; i++ {
		desc := description(i)
		emu.Seed(project, posthogtest.Holdout{
			Name:        name("bench", i),
			Description: &desc,
			Filters:     []map[string]any{{"rollout_percentage": 10}},
		})
	}
	start, end := time.Now().Add(-30*24*time.Hour), time.Now().Add(-24*time.Hour)
	for i, x := range []posthogtest.Experiment{
		{Name: "bench running", StartDate: &start},
		{Name: "bench draft"},
		{Name: "bench stopped", StartDate: &start, EndDate: &end},
		{Name: "bench archived", StartDate: &start, EndDate: &end, Archived: true},
		{Name: "bench without holdout"},
	} {
		if i < 4 && i+2 <= n {
			x.HoldoutID = int64(i + 2) // Seed numbers holdouts from 1; 1 is drifted
		}
		emu.AddExperiment(project, x)
	}
}

// writeManifests writes n manifests, one file each, into dir, matching
// what seedHoldouts stores; with drift, one in a hundred (the first, the
// 101st, …) asks for another percentage. It returns how many are drifted.
func writeManifests(dir, prefix string, n int, drift bool) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	drifted := 0
	for i := 1; i <= n; i++ {
		pct := 10
		if drift && (i-1)%100 == 0 {
			pct, drifted = 20, drifted+1
		}
		m := fmt.Sprintf(`name: %s
description: %s
filters:
  - rollout_percentage: %d
`, name(prefix, i), description(i), pct)
		if err := os.WriteFile(filepath.Join(dir, name(prefix, i)+".yaml"), []byte(m), 0o644); err != nil {
			return 0, err
		}
	}
	return drifted, nil
}

func name(prefix string, i int) string { return fmt.Sprintf("%s-%06d", prefix, i) }

func description(i int) string {
	return fmt.Sprintf("Benchmark holdout %d, 10 %% of users held out of checkout experiments", i)
}
