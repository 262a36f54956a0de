// Package manifest loads and validates hogsync's YAML holdout manifests.
//
// A manifest directory holds *.yaml and *.yml files (the extension in any
// letter case); every YAML document in them is one desired holdout. LoadDir
// reads a directory on disk, LoadPaths the files and folders named on a
// command line, LoadFS any fs.FS; each reads the files in sorted path
// order (parsing them in parallel), validates every rule of the manifest
// format and returns either the holdouts or a List of every problem found,
// each positioned as file:line:col. It never stops at the first problem.
//
// No file is skipped in silence. Hidden files and folders (a name that
// starts with ".") and files of other extensions are not read: they are
// counted, and those that look like manifests (x.yaml.bak, .x.yaml, a
// YAML file in a hidden folder, a named pipe called x.yaml) are named in
// warnings. Symbolic links are followed when they resolve inside the
// manifest directory; one that resolves outside it, or not at all, is an
// error, since a manifest that is not read would have its holdout pruned,
// and a pull request could point a link at a secret on the runner.
//
// Number forms that YAML tools read differently (010, 1_000, 0x1F, 1:30)
// are errors wherever a number is read; a number inside properties whose
// text would change on its way to PostHog (1.10 sent as 1.1) is a
// warning.
//
// The package does no network I/O and knows nothing of the PostHog client or
// of plans.
package manifest
