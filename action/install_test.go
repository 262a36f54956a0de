// Package action_test runs the action's installer, build.sh, the way the
// action's "Install hogsync" step does, against a fake release served on
// loopback and built from a real hogsync binary.
package action_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

const (
	fakeVersion = "v9.9.9"
	fakeRepo    = "o/r"
)

var (
	buildOnce sync.Once
	builtBin  []byte
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hogsync-install-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hogsyncBinary is a hogsync that reports v9.9.9, built once per test
// process (the flags other than the version do not matter here).
func hogsyncBinary(tb testing.TB) []byte {
	tb.Helper()
	buildOnce.Do(func() {
		out := filepath.Join(buildDir, "hogsync")
		cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+fakeVersion, "-o", out, "../cmd/hogsync")
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, b)
			return
		}
		builtBin, buildErr = os.ReadFile(out)
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return builtBin
}

// runner is the runner's names for this machine's OS and architecture.
func runner(tb testing.TB) (osName, arch, goos, goarch string) {
	tb.Helper()
	switch runtime.GOOS {
	case "linux":
		osName = "Linux"
	case "darwin":
		osName = "macOS"
	default:
		tb.Skipf("the installer tests run on Linux and macOS, not %s", runtime.GOOS)
	}
	switch runtime.GOARCH {
	case "amd64":
		arch = "X64"
	case "arm64":
		arch = "ARM64"
	default:
		tb.Skipf("no hogsync release for %s", runtime.GOARCH)
	}
	return osName, arch, runtime.GOOS, runtime.GOARCH
}

// assetName is GoReleaser's default archive name (.goreleaser.yaml).
func assetName(version, goos, goarch string) string {
	return fmt.Sprintf("hogsync_%s_%s_%s.tar.gz", strings.TrimPrefix(version, "v"), goos, goarch)
}

func checksumsName(version string) string {
	return fmt.Sprintf("hogsync_%s_checksums.txt", strings.TrimPrefix(version, "v"))
}

// tarGz is an archive laid out as GoReleaser lays it out: the binary at
// the top, beside the license.
func tarGz(tb testing.TB, bin []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		mode int64
		body []byte
	}{{"LICENSE", 0o644, []byte("Apache-2.0\n")}, {"hogsync", 0o755, bin}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// checksums is a checksums file in sha256sum's format.
func checksums(files map[string][]byte) []byte {
	var b strings.Builder
	for name, body := range files {
		fmt.Fprintf(&b, "%s  %s\n", sum(body), name)
	}
	return []byte(b.String())
}

// release serves files under /OWNER/REPO/releases/download/VERSION/ as
// GitHub does: the archives by a redirect to another path, as GitHub
// redirects them to its object storage.
type release struct {
	srv      *httptest.Server
	files    map[string][]byte
	requests atomic.Int64
}

func serveRelease(tb testing.TB, version string, files map[string][]byte) *release {
	tb.Helper()
	r := &release{files: files}
	prefix := "/" + fakeRepo + "/releases/download/" + version + "/"
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		switch {
		case strings.HasPrefix(req.URL.Path, "/objects/"):
			body, ok := r.files[strings.TrimPrefix(req.URL.Path, "/objects/")]
			if !ok {
				http.NotFound(w, req)
				return
			}
			w.Write(body)
		case strings.HasPrefix(req.URL.Path, prefix):
			name := strings.TrimPrefix(req.URL.Path, prefix)
			body, ok := r.files[name]
			if !ok {
				http.NotFound(w, req)
				return
			}
			if strings.HasSuffix(name, ".tar.gz") {
				http.Redirect(w, req, "/objects/"+name, http.StatusFound)
				return
			}
			w.Write(body)
		default:
			http.NotFound(w, req)
		}
	}))
	tb.Cleanup(r.srv.Close)
	return r
}

type installRun struct {
	err        error
	out        string
	githubPath string // what the run appended to GITHUB_PATH
	output     string // what it wrote to GITHUB_OUTPUT
	toolCache  string
}

// install runs build.sh as the action's install step does (env as the
// runner sets it), with extra overriding it.
func install(tb testing.TB, serverURL, toolCache string, extra ...string) installRun {
	tb.Helper()
	osName, arch, _, _ := runner(tb)
	temp := tb.TempDir()
	pathFile := filepath.Join(temp, "github-path")
	outFile := filepath.Join(temp, "github-output")
	for _, f := range []string{pathFile, outFile} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "build.sh", "--release-only")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + temp,
		"HOGSYNC_VERSION=" + fakeVersion, "GITHUB_SERVER_URL=" + serverURL, "HOGSYNC_RELEASE_REPO=" + fakeRepo,
		"RUNNER_OS=" + osName, "RUNNER_ARCH=" + arch, "RUNNER_TEMP=" + temp, "RUNNER_TOOL_CACHE=" + toolCache,
		"GITHUB_PATH=" + pathFile, "GITHUB_OUTPUT=" + outFile, "GITHUB_ACTION_PATH=" + filepath.Dir(must(filepath.Abs("."))),
		"HOGSYNC_VERIFY_ATTESTATION=false", "POSTHOG_PERSONAL_API_KEY=phx_must_not_matter",
	}
	cmd.Env = append(cmd.Env, extra...)
	out, err := cmd.CombinedOutput()
	p, _ := os.ReadFile(pathFile)
	o, _ := os.ReadFile(outFile)
	return installRun{err: err, out: string(out), githubPath: string(p), output: string(o), toolCache: toolCache}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// goodArchive is hogsyncBinary's release archive and goodSums its
// checksums file, made once per test process: gzip of a 20 MB binary
// takes a second, and half a minute under -race, which every test and
// subtest would otherwise spend again.
var (
	goodOnce    sync.Once
	goodArchive []byte
	goodSums    []byte
)

// goodRelease is a release of v9.9.9 for this machine. Its archive's
// bytes are shared: an edit replaces them, never changes them.
func goodRelease(tb testing.TB) map[string][]byte {
	tb.Helper()
	_, _, goos, goarch := runner(tb)
	bin := hogsyncBinary(tb)
	asset := assetName(fakeVersion, goos, goarch)
	other := assetName(fakeVersion, "windows", "arm64")
	otherBody := []byte("another platform's archive")
	goodOnce.Do(func() {
		goodArchive = tarGz(tb, bin)
		goodSums = checksums(map[string][]byte{asset: goodArchive, other: otherBody})
	})
	return map[string][]byte{asset: goodArchive, other: otherBody, checksumsName(fakeVersion): goodSums}
}

// Installing from a release puts the release's hogsync, the version
// asked for, on the job's PATH, from the tool cache.
func TestInstallFromRelease(t *testing.T) {
	t.Parallel()
	rel := serveRelease(t, fakeVersion, goodRelease(t))
	res := install(t, rel.srv.URL, t.TempDir())
	if res.err != nil {
		t.Fatalf("install failed: %v\n%s", res.err, res.out)
	}
	dir := strings.TrimSpace(res.githubPath)
	if strings.Count(res.githubPath, "\n") != 1 || !strings.HasPrefix(dir, filepath.Join(res.toolCache, "hogsync", "9.9.9")) {
		t.Fatalf("GITHUB_PATH = %q, want one folder in the tool cache", res.githubPath)
	}
	if _, err := os.Stat(dir + ".complete"); err != nil {
		t.Errorf("no tool cache marker beside %s: %v", dir, err)
	}
	out, err := exec.Command(filepath.Join(dir, "hogsync"), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "hogsync v9.9.9 (") {
		t.Errorf("hogsync version: %v, %q; want hogsync v9.9.9", err, out)
	}
	if !strings.Contains(res.out, "Checksum OK") || !strings.Contains(res.out, "::notice::hogsync install: attestation not verified") {
		t.Errorf("the log does not say what was verified:\n%s", res.out)
	}
	if strings.Contains(res.out, "phx_must_not_matter") {
		t.Error("the key reached the log")
	}
}

// With the version input empty, the action's own ref decides: a release
// tag installs that release, from github.action_ref or, where the runner
// leaves that empty (actions/runner#2473), from the path the runner
// checked the action out at; a branch or a commit downloads nothing and
// says build-from-source=true, so that Go is set up and hogsync built.
func TestInstallFollowsTheActionsRef(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		extra   []string
		release bool
	}{
		{"a release tag in github.action_ref", []string{"HOGSYNC_ACTION_REF=" + fakeVersion}, true},
		{"a release tag in the checkout path", []string{"HOGSYNC_ACTION_REF=", "GITHUB_ACTION_PATH=/runner/_work/_actions/o/r/" + fakeVersion}, true},
		{"a branch in github.action_ref", []string{"HOGSYNC_ACTION_REF=release-9.x"}, false},
		{"a branch in the checkout path", []string{"HOGSYNC_ACTION_REF=", "GITHUB_ACTION_PATH=/runner/_work/_actions/o/r/release-9.x"}, false},
		{"a commit", []string{"HOGSYNC_ACTION_REF=0123456789abcdef0123456789abcdef01234567"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rel := serveRelease(t, fakeVersion, goodRelease(t))
			res := install(t, rel.srv.URL, t.TempDir(), append([]string{"HOGSYNC_VERSION="}, tc.extra...)...)
			if res.err != nil {
				t.Fatalf("install failed: %v\n%s", res.err, res.out)
			}
			want := "build-from-source=true\n"
			if tc.release {
				want = "build-from-source=false\n"
			}
			if res.output != want {
				t.Errorf("GITHUB_OUTPUT = %q, want %q\n%s", res.output, want, res.out)
			}
			if got := res.githubPath != "" && rel.requests.Load() > 0; got != tc.release {
				t.Errorf("installed a release: %v, want %v (GITHUB_PATH %q, %d requests)", got, tc.release, res.githubPath, rel.requests.Load())
			}
		})
	}
}

// A second install of the same version on the same runner takes it from
// the tool cache: nothing is downloaded.
func TestInstallReusesTheToolCache(t *testing.T) {
	t.Parallel()
	rel := serveRelease(t, fakeVersion, goodRelease(t))
	cache := t.TempDir()
	first := install(t, rel.srv.URL, cache)
	if first.err != nil {
		t.Fatalf("first install: %v\n%s", first.err, first.out)
	}
	if n := rel.requests.Load(); n != 3 { // checksums, archive, its redirect
		t.Errorf("first install made %d requests, want 3", n)
	}
	rel.requests.Store(0)
	second := install(t, rel.srv.URL, cache)
	if second.err != nil {
		t.Fatalf("second install: %v\n%s", second.err, second.out)
	}
	if n := rel.requests.Load(); n != 0 {
		t.Errorf("second install made %d requests, want 0 (the tool cache)", n)
	}
	if second.githubPath != first.githubPath || !strings.Contains(second.out, "found in the tool cache") {
		t.Errorf("second install: GITHUB_PATH %q (first %q)\n%s", second.githubPath, first.githubPath, second.out)
	}
}

// Whatever is wrong with the release, the step fails with an ::error::
// saying what, and nothing reaches GITHUB_PATH or the tool cache.
func TestInstallRefusesABadRelease(t *testing.T) {
	t.Parallel()
	_, _, goos, goarch := runner(t)
	asset := assetName(fakeVersion, goos, goarch)
	sums := checksumsName(fakeVersion)
	otherArch := map[string]string{"amd64": "arm64", "arm64": "amd64"}[goarch]
	otherRunnerArch := map[string]string{"amd64": "ARM64", "arm64": "X64"}[goarch]

	for _, tc := range []struct {
		name    string
		edit    func(files map[string][]byte) // changes a good release
		release string                        // the release's tag, if not v9.9.9
		extra   []string
		server  string // instead of the fake release's URL
		want    string
	}{
		{
			name: "one byte of the archive changed",
			edit: func(f map[string][]byte) {
				b := bytes.Clone(f[asset])
				b[len(b)/2] ^= 0x01
				f[asset] = b
			},
			want: "::error::hogsync install: " + asset + " does not match " + sums,
		},
		{
			name: "no checksum line for the archive",
			edit: func(f map[string][]byte) {
				f[sums] = checksums(map[string][]byte{"hogsync_9.9.9_windows_arm64.tar.gz": f[asset]})
			},
			want: "::error::hogsync install: " + sums + " has no line for " + asset,
		},
		{
			name: "a checksum line that is not a SHA-256",
			edit: func(f map[string][]byte) { f[sums] = []byte("abc  " + asset + "\n") },
			want: "has no single SHA-256 for " + asset,
		},
		{
			name: "no archive (404)",
			edit: func(f map[string][]byte) { delete(f, asset) },
			want: "::error::hogsync install: hogsync v9.9.9 has no release archive " + asset,
		},
		{
			name: "no checksums file (404)",
			edit: func(f map[string][]byte) { delete(f, sums) },
			want: "::error::hogsync install: hogsync v9.9.9 has no checksums file " + sums,
		},
		{
			name: "truncated archive whose checksum matches",
			edit: func(f map[string][]byte) {
				f[asset] = f[asset][:len(f[asset])/2]
				f[sums] = checksums(map[string][]byte{asset: f[asset]})
			},
			want: "::error::hogsync install: " + asset + " cannot be unpacked (damaged or truncated",
		},
		{
			name: "a binary that does not run here",
			edit: func(f map[string][]byte) {
				f[asset] = tarGz(t, []byte("\x7fELF not for this machine"))
				f[sums] = checksums(map[string][]byte{asset: f[asset]})
			},
			want: "::error::hogsync install: the hogsync in " + asset + " does not run on this runner",
		},
		{
			name: "a binary of another version",
			// v9.9.9's binary, checksummed, in v9.9.8's archive.
			release: "v9.9.8",
			edit: func(f map[string][]byte) {
				other := assetName("v9.9.8", goos, goarch)
				f[other] = f[asset]
				f[checksumsName("v9.9.8")] = checksums(map[string][]byte{other: f[asset]})
			},
			extra: []string{"HOGSYNC_VERSION=v9.9.8"},
			want:  "::error::hogsync install: the hogsync in " + assetName("v9.9.8", goos, goarch) + " says it is \"hogsync v9.9.9 (",
		},
		{
			name:  "an architecture the release does not have",
			extra: []string{"RUNNER_ARCH=" + otherRunnerArch},
			want:  "has no release archive " + assetName(fakeVersion, goos, otherArch),
		},
		{
			name:  "an architecture hogsync is not released for",
			extra: []string{"RUNNER_ARCH=ARM"},
			want:  "::error::hogsync install: no hogsync release for the architecture ARM",
		},
		{
			name:  "an operating system hogsync is not released for",
			extra: []string{"RUNNER_OS=Plan9"},
			want:  "::error::hogsync install: no hogsync release for the operating system Plan9",
		},
		{
			name:  "a version that is not a release tag",
			extra: []string{"HOGSYNC_VERSION=main"},
			want:  "::error::hogsync install: version must be a release tag",
		},
		{
			name:  "a repository that is not OWNER/REPO",
			extra: []string{"HOGSYNC_RELEASE_REPO=o/r/../x"},
			want:  "::error::hogsync install: HOGSYNC_RELEASE_REPO must be OWNER/REPO",
		},
		{
			name:   "plain http to a host that is not loopback",
			server: "http://192.0.2.1",
			want:   "::error::hogsync install: GITHUB_SERVER_URL is plain http on a host that is not loopback",
		},
		{
			name:   "plain http to a name that only starts like loopback",
			server: "http://127.0.0.1.example.com",
			want:   "is plain http on a host that is not loopback",
		},
		{
			name:   "plain http to localhost's lookalike",
			server: "http://localhost.example.com:8080",
			want:   "is plain http on a host that is not loopback",
		},
		{
			name:   "a server URL with a path or credentials",
			server: "https://user:pw@github.com",
			want:   "GITHUB_SERVER_URL is not an https URL",
		},
		{
			name:  "attestation required without gh or a token",
			extra: []string{"HOGSYNC_VERIFY_ATTESTATION=true", "PATH=" + noGhPath(t), "GH_TOKEN="},
			want:  "::error::hogsync install: cannot verify " + asset + "'s attestation",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := goodRelease(t)
			if tc.edit != nil {
				tc.edit(files)
			}
			tag := fakeVersion
			if tc.release != "" {
				tag = tc.release
			}
			rel := serveRelease(t, tag, files)
			server := rel.srv.URL
			if tc.server != "" {
				server = tc.server
			}
			res := install(t, server, t.TempDir(), tc.extra...)
			if res.err == nil {
				t.Fatalf("install succeeded:\n%s", res.out)
			}
			if !strings.Contains(res.out, tc.want) {
				t.Errorf("want %q in:\n%s", tc.want, res.out)
			}
			if res.githubPath != "" {
				t.Errorf("GITHUB_PATH got %q", res.githubPath)
			}
			if entries, _ := os.ReadDir(res.toolCache); len(entries) != 0 {
				t.Errorf("the tool cache holds %v", entries)
			}
			if tc.server != "" && rel.requests.Load() != 0 {
				t.Errorf("%d requests reached the release", rel.requests.Load())
			}
		})
	}
}

// noGhPath is a PATH with bash, curl and the tools build.sh uses, but no
// gh.
func noGhPath(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(buildDir, "no-gh")
	noGhOnce.Do(func() {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, tool := range []string{"bash", "curl", "awk", "cut", "sha256sum", "shasum", "tar", "gzip", "mktemp", "rm", "mkdir", "mv", "chmod", "touch", "basename", "uname"} {
			p, err := exec.LookPath(tool)
			if err != nil {
				continue
			}
			if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil && !os.IsExist(err) {
				t.Fatal(err)
			}
		}
	})
	return dir
}

var noGhOnce sync.Once

// The install step's time from a release on loopback, from a cold tool
// cache (every iteration downloads, verifies and unpacks); the README's
// Performance section quotes it.
func BenchmarkInstallFromRelease(b *testing.B) {
	rel := serveRelease(b, fakeVersion, goodRelease(b))
	for b.Loop() {
		if res := install(b, rel.srv.URL, b.TempDir()); res.err != nil {
			b.Fatalf("%v\n%s", res.err, res.out)
		}
	}
}

// The same from a warm tool cache (a self-hosted runner's second job).
func BenchmarkInstallFromToolCache(b *testing.B) {
	rel := serveRelease(b, fakeVersion, goodRelease(b))
	cache := b.TempDir()
	if res := install(b, rel.srv.URL, cache); res.err != nil {
		b.Fatalf("%v\n%s", res.err, res.out)
	}
	for b.Loop() {
		if res := install(b, rel.srv.URL, cache); res.err != nil {
			b.Fatalf("%v\n%s", res.err, res.out)
		}
	}
}
