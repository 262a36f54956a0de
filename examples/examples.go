// Package examples holds manifests and GitHub workflows to copy. The
// manifests are also built into the hogsync binary, so `hogsync demo` runs
// from any folder.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed manifests
var files embed.FS

// Manifests is the manifests folder, rooted at its own top.
func Manifests() fs.FS {
	sub, err := fs.Sub(files, "manifests")
	if err != nil {
		panic(err) // the folder is embedded above; fs.Sub cannot fail on it
	}
	return sub
}
