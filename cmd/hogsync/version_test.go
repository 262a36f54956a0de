package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

func TestFormatVersion(t *testing.T) {
	t.Parallel()
	const sha = "0123456789abcdef0123456789abcdef01234567"
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "fedcba9876543210fedcba9876543210fedcba98"}, {Key: "vcs.modified", Value: "false"}}
	dirty := []debug.BuildSetting{{Key: "vcs.revision", Value: "fedcba9876543210fedcba9876543210fedcba98"}, {Key: "vcs.modified", Value: "true"}}
	for _, tc := range []struct {
		name, version, commit, date string
		settings                    []debug.BuildSetting
		want                        string
	}{
		// Without -ldflags commit and date: as before they existed.
		{"a build from a clone", "dev", "", "", vcs, "hogsync dev (commit fedcba987654, go1.26.8 linux/amd64)"},
		{"a build from a changed clone", "dev", "", "", dirty, "hogsync dev (commit fedcba987654-dirty, go1.26.8 linux/amd64)"},
		{"no build info", "v1.2.3", "", "", nil, "hogsync v1.2.3 (commit unknown, go1.26.8 linux/amd64)"},
		// A release: GoReleaser's commit and its date.
		{"a release", "v1.2.3", sha, "2025-01-02T03:04:05Z", vcs, "hogsync v1.2.3 (commit 0123456789ab from 2025-01-02T03:04:05Z, go1.26.8 linux/amd64)"},
		{"a release built without vcs info", "v1.2.3", sha, "2025-01-02T03:04:05Z", nil, "hogsync v1.2.3 (commit 0123456789ab from 2025-01-02T03:04:05Z, go1.26.8 linux/amd64)"},
		{"a release from a changed tree", "v1.2.3", sha, "2025-01-02T03:04:05Z", dirty, "hogsync v1.2.3 (commit 0123456789ab-dirty from 2025-01-02T03:04:05Z, go1.26.8 linux/amd64)"},
		{"a short commit", "v1.2.3", "abc1234", "", nil, "hogsync v1.2.3 (commit abc1234, go1.26.8 linux/amd64)"},
		{"a date alone", "dev", "", "2025-01-02T03:04:05Z", vcs, "hogsync dev (commit fedcba987654 from 2025-01-02T03:04:05Z, go1.26.8 linux/amd64)"},
	} {
		if got := formatVersion(tc.version, tc.commit, tc.date, tc.settings, "go1.26.8 linux/amd64"); got != tc.want {
			t.Errorf("%s: got  %q\n want %q", tc.name, got, tc.want)
		}
	}
}

// A binary linked with .goreleaser.yaml's ldflags (its templates filled
// in) reports the release's version, commit and date, through `version`
// and `--version` alike: the -X names there are the variables here (the
// linker ignores an -X for a variable that does not exist).
func TestVersionOfARelease(t *testing.T) {
	if testing.Short() {
		t.Skip("links hogsync")
	}
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Builds []struct {
			ID      string   `yaml:"id"`
			LDFlags []string `yaml:"ldflags"`
		} `yaml:"builds"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Builds) != 1 || len(cfg.Builds[0].LDFlags) == 0 {
		t.Fatalf(".goreleaser.yaml: want one build with ldflags, got %+v", cfg.Builds)
	}
	ldflags := strings.NewReplacer(
		"{{ .Version }}", "1.2.3",
		"{{ .FullCommit }}", "0123456789abcdef0123456789abcdef01234567",
		"{{ .CommitDate }}", "2025-01-02T03:04:05Z",
	).Replace(strings.Join(cfg.Builds[0].LDFlags, " "))
	if strings.Contains(ldflags, "{{") {
		t.Fatalf("ldflags %q: a template this test does not fill in", ldflags)
	}
	for _, v := range []string{"main.version=", "main.commit=", "main.date="} {
		if !strings.Contains(ldflags, "-X "+v) {
			t.Errorf("ldflags %q do not set %s", ldflags, strings.TrimSuffix(v, "="))
		}
	}

	// The test binary's own flags, so that only the main package is
	// compiled again; no vcs stamp, so the commit can come only from
	// -ldflags.
	bin := filepath.Join(t.TempDir(), "hogsync")
	args := append(append([]string{"build"}, testBuildFlags()...), "-buildvcs=false", "-ldflags", ldflags, "-o", bin, ".")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	want := "hogsync v1.2.3 (commit 0123456789ab from 2025-01-02T03:04:05Z, " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(bin, arg).CombinedOutput()
		if err != nil || string(out) != want {
			t.Errorf("hogsync %s: %v\n got  %q\n want %q", arg, err, out, want)
		}
	}
}
