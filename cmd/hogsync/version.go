package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/hogsync/hogsync/run"
)

// version, commit and date are set at release time with -ldflags
// "-X main.version=v1.2.3 -X main.commit=<full SHA> -X main.date=<RFC 3339>"
// (.goreleaser.yaml: the commit and its date). commit and date are empty
// in any other build: the commit then comes from the build info go build
// stamps from a clone.
var (
	version = "dev"
	commit  string
	date    string
)

type versionCmd struct{}

func (versionCmd) Run(e *run.Env) error {
	_, err := fmt.Fprintln(e.Stdout(), versionString())
	return err
}

// currentVersion is the -ldflags version, else the module version that
// go install module@v1.2.3 records, else "dev" (a build from a checkout).
func currentVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// versionString is "hogsync VERSION (commit C, GOVERSION OS/ARCH)", or with
// a release's date "hogsync VERSION (commit C from DATE, GOVERSION OS/ARCH)".
func versionString() string {
	var settings []debug.BuildSetting
	if bi, ok := debug.ReadBuildInfo(); ok {
		settings = bi.Settings
	}
	return formatVersion(currentVersion(), commit, date, settings, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
}

// formatVersion is versionString's text: the commit is setCommit (from
// -ldflags) when given, else the build info's vcs.revision, else
// "unknown"; 12 characters of it at most, and -dirty when the build info
// says the tree had changes. setDate follows it when given.
func formatVersion(v, setCommit, setDate string, settings []debug.BuildSetting, platform string) string {
	c, dirty := setCommit, false
	for _, s := range settings {
		switch {
		case s.Key == "vcs.revision" && c == "":
			c = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = true
		}
	}
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		c = "unknown"
	}
	if dirty {
		c += "-dirty"
	}
	if setDate != "" {
		c += " from " + setDate
	}
	return fmt.Sprintf("hogsync %s (commit %s, %s)", v, c, platform)
}
