package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	stdsync "sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

// The hogsync binary, built once per test process for the tests that need
// a real process (a pseudo-terminal, signals, memory limits, the Action's
// steps). It is built with the flags this test binary was built with
// (testBuildFlags), so every package it links is already in the build
// cache from compiling the tests: only its main package is compiled, and it
// is linked. A build with other flags (-trimpath above all) compiles the
// standard library again: on two cores about half a minute of a cold
// `go test ./...`. The Action's own -trimpath build is tested once, in
// TestActionReportsItsRefAsVersion.
var (
	binOnce stdsync.Once
	binDir  string
	binPath string
	binErr  error
)

// builtBinary builds hogsync once and returns its path.
func builtBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "hogsync-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "hogsync")
		args := append(append([]string{"build"}, testBuildFlags()...), "-o", binPath, ".")
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			binErr = &buildError{err: err, out: string(out)}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// testBuildFlags are the go build flags that change how this test binary's
// packages were compiled, as its build information records them: -race
// under `go test -race`, -tags, -gcflags and the like. Flags that change
// only the link (-ldflags) are left out; -trimpath would be kept, though
// go test is not given it here.
func testBuildFlags() []string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return buildFlagsOf(info.Settings)
}

// buildFlagsOf turns build settings (debug.BuildSetting) into go build
// flags; see testBuildFlags.
func buildFlagsOf(settings []debug.BuildSetting) []string {
	var flags []string
	for _, s := range settings {
		switch s.Key {
		case "-race", "-msan", "-asan", "-trimpath":
			if s.Value == "true" {
				flags = append(flags, s.Key)
			}
		case "-tags", "-gcflags", "-asmflags":
			if s.Value != "" {
				flags = append(flags, s.Key+"="+s.Value)
			}
		}
	}
	return flags
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// Most of this package's tests wait: on the emulator's latency, on
// retries and timeouts, on a child process. Run with -parallel at
// GOMAXPROCS (go test's default) they leave the two cores of a small
// machine idle a third of the time, so unless -parallel is given the
// tests run 4 × GOMAXPROCS at a time (warm, on two cores: 10.1 s → 7.7 s).
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// The binary is built with the flags that change how packages compile,
// and only those: another flag would compile the standard library again.
func TestBuildFlagsOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		settings []debug.BuildSetting
		want     []string
	}{
		{"go test", []debug.BuildSetting{{Key: "-buildmode", Value: "exe"}, {Key: "-compiler", Value: "gc"}, {Key: "CGO_ENABLED", Value: "1"}, {Key: "GOARCH", Value: "amd64"}}, nil},
		{"go test -race", []debug.BuildSetting{{Key: "-buildmode", Value: "exe"}, {Key: "-race", Value: "true"}, {Key: "CGO_ENABLED", Value: "1"}}, []string{"-race"}},
		{"tags and gcflags", []debug.BuildSetting{{Key: "-gcflags", Value: "all=-N -l"}, {Key: "-tags", Value: "netgo,osusergo"}}, []string{"-gcflags=all=-N -l", "-tags=netgo,osusergo"}},
		{"ldflags only link", []debug.BuildSetting{{Key: "-ldflags", Value: "-X main.version=v1"}, {Key: "-trimpath", Value: "true"}}, []string{"-trimpath"}},
	} {
		if d := gocmp.Diff(tc.want, buildFlagsOf(tc.settings)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}
