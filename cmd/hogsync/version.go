package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/hogsync/hogsync/run"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

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

// versionString is "hogsync VERSION (commit C, GOVERSION OS/ARCH)".
func versionString() string {
	commit, v := "unknown", currentVersion()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				commit = s.Value[:12]
			}
			if s.Key == "vcs.modified" && s.Value == "true" {
				commit += "-dirty"
			}
		}
	}
	return fmt.Sprintf("hogsync %s (commit %s, %s %s/%s)", v, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
