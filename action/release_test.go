package action_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The names the installer downloads are the names GoReleaser gives, and
// the release binaries are built as the README says (-trimpath, the
// version through -ldflags, reproducible times).
func TestReleaseConfigMatchesTheInstaller(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int    `yaml:"version"`
		Project string `yaml:"project_name"`
		Builds  []struct {
			Main, Binary string
			Goos, Goarch []string
			Flags        []string
			Ldflags      []string
			Env          []string
			ModTimestamp string `yaml:"mod_timestamp"`
		}
		Archives []struct {
			Formats         []string
			NameTemplate    string `yaml:"name_template"`
			FormatOverrides []struct {
				Goos    string
				Formats []string
			} `yaml:"format_overrides"`
		}
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
			Algorithm    string
		}
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 2 || cfg.Project != "hogsync" || len(cfg.Builds) != 1 || len(cfg.Archives) != 1 {
		t.Fatalf("want a version 2 config for project hogsync with one build and one archive: %+v", cfg)
	}
	b, a := cfg.Builds[0], cfg.Archives[0]
	if b.Binary != "hogsync" || b.Main != "./cmd/hogsync" {
		t.Errorf("build: binary %q main %q", b.Binary, b.Main)
	}
	slices.Sort(b.Goos)
	slices.Sort(b.Goarch)
	if !slices.Equal(b.Goos, []string{"darwin", "linux", "windows"}) || !slices.Equal(b.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("platforms %v × %v, want darwin/linux/windows × amd64/arm64", b.Goos, b.Goarch)
	}
	if !slices.Contains(b.Flags, "-trimpath") || !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("flags %v env %v: want -trimpath and CGO_ENABLED=0", b.Flags, b.Env)
	}
	// build.sh checks that the binary says "hogsync vX.Y.Z".
	if len(b.Ldflags) != 1 || !strings.Contains(b.Ldflags[0], "-X main.version=v{{ .Version }}") {
		t.Errorf("ldflags %v: want -X main.version=v{{ .Version }}", b.Ldflags)
	}
	if b.ModTimestamp != "{{ .CommitTimestamp }}" {
		t.Errorf("mod_timestamp %q", b.ModTimestamp)
	}
	// build.sh: hogsync_${version#v}_${os}_${arch}.tar.gz (.zip on windows).
	if a.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" || !slices.Equal(a.Formats, []string{"tar.gz"}) ||
		len(a.FormatOverrides) != 1 || a.FormatOverrides[0].Goos != "windows" || !slices.Equal(a.FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("archives: %+v", a)
	}
	if cfg.Checksum.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_checksums.txt" || cfg.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum: %+v", cfg.Checksum)
	}
	script, err := os.ReadFile("build.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`asset="hogsync_${plain}_${os}_${arch}.${ext}"`, `sums="hogsync_${plain}_checksums.txt"`} {
		if !strings.Contains(string(script), want) {
			t.Errorf("build.sh has no %s", want)
		}
	}
}

// The project's workflows run the actions' reviewed commits, and their
// token can do no more than each job needs.
func TestWorkflowsPinActionsAndLimitPermissions(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("..", ".github", "workflows", "*.yml"))
	if len(files) < 2 {
		t.Fatalf("workflows: %v, want ci.yml and release.yml", files)
	}
	usesRE := regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w.-]+@[0-9a-f]{40}$`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ms := usesRE.FindAllStringSubmatch(string(raw), -1)
		if len(ms) == 0 {
			t.Errorf("%s uses no action", f)
		}
		for _, m := range ms {
			if !pinned.MatchString(m[1]) || !regexp.MustCompile(`^\s*#\s*v\d+\.\d+\.\d+$`).MatchString(m[2]) {
				t.Errorf("%s: uses %s%s: want owner/repo@<full commit SHA> # vX.Y.Z", filepath.Base(f), m[1], m[2])
			}
		}
		var wf struct {
			Permissions map[string]string
			Jobs        map[string]struct {
				Permissions map[string]string
			}
		}
		if err := yaml.Unmarshal(raw, &wf); err != nil {
			t.Fatal(err)
		}
		if len(wf.Permissions) != 1 || wf.Permissions["contents"] != "read" {
			t.Errorf("%s: top-level permissions %v, want contents: read only", filepath.Base(f), wf.Permissions)
		}
		for name, job := range wf.Jobs {
			for scope, level := range job.Permissions {
				if level == "write" && !(filepath.Base(f) == "release.yml" && slices.Contains([]string{"contents", "packages", "id-token", "attestations"}, scope)) {
					t.Errorf("%s: job %s: %s: write", filepath.Base(f), name, scope)
				}
			}
		}
	}
}
