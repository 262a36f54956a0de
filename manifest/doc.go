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
// warning. Where a string is expected, a bare date is an error (hogsync's
// YAML reader sees a date, a YAML 1.2 editor a string), and a YAML 1.1
// boolean (yes, off) a warning; so is an exponent YAML 1.1 reads as a
// string (1e2). A whole number where one is expected may be written 5.0,
// as JSON Schema's integer allows. An empty document (a trailing ---, or
// only null) is no holdout.
//
// # Units and hogsync.yaml
//
// A folder holding a file named hogsync.yaml (or hogsync.yml), in these
// letters, is a unit: one PostHog project. The file is not a manifest but
// the unit's Config: host, project (a numeric id, never "@current"),
// api_key_env (the name of the environment variable holding the key),
// protect (name patterns, internal/glob's syntax, where * matches "/" too,
// of holdouts that --prune never deletes) and max_deletes. It is checked
// with the same file:line:col problems and codes as manifests, unknown
// keys with suggestions. Every manifest belongs to the nearest hogsync.yaml
// above it, or to the root of the load when there is none; names and
// source ids must be unique within a unit, never across units.
//
// LoadUnits finds every unit under a directory, and LoadPathUnits judges
// the files and folders of a command line each inside its unit. LoadDir,
// LoadFS and LoadConfig read the unit at a directory alone. A file whose
// name is a config's in other letters (HOGSYNC.YAML, Hogsync.yml) is an
// ordinary manifest file, and a config key in it is the error
// misplaced-config, which says how to make it a config.
//
// # Problem codes
//
// Every Error has a Code: stable, kebab-case, like actionlint's rule kinds,
// so that scripts and tests match the rule rather than the wording. An
// error stops a load from returning holdouts; a warning does not.
//
//	Code                     Severity  Problem
//	unreadable               error     a file, folder or link cannot be read
//	file-too-large           error     a manifest file is over 1 MiB
//	unsafe-path              error     a path holds a control character, U+2028/U+2029 or a bidi override
//	symlink-outside          error     a link to a folder or manifest outside the manifest directory
//	symlink-dangling         error     a link to something that does not exist
//	symlink-loop             error     a link that leads back to itself, or to a folder that holds it
//	duplicate-folder         error     a folder reached a second time, through a link
//	skipped-file             warning   a file that looks like a manifest is not read (hidden, other extension, not a regular file)
//	yaml-syntax              error     the file is not valid YAML
//	anchor                   error     an anchor or alias (&a, *a)
//	merge-key                error     a merge key (<<)
//	duplicate-key            error     a key set twice in one mapping
//	unknown-key              error     a key the manifest format does not have (with the nearest one suggested)
//	misplaced-key            error     a key of the other level (a filter group's key at the top, or the reverse)
//	wrong-type               error     a value of the wrong type (a string for a number, a mapping for a list, ...)
//	yaml11-number            error     a number written as 010, 1_000, 0x1F or 1:30, which YAML tools read differently
//	yaml11-date              error     a bare date (2026-01-01) where a string is expected: a date to hogsync, a string to YAML 1.2 editors
//	yaml11-bool              warning   yes, no, on, off, y or n (any letter case) unquoted where a string is expected: a boolean to YAML 1.1 tools
//	yaml11-float             warning   a number with an exponent but no dot or no sign (1e2, 1.5e3), which YAML 1.1 tools read as a string
//	unsupported-tag          error     a YAML tag inside properties that JSON cannot carry
//	not-json                 error     a number inside properties that JSON cannot carry (.nan, .inf)
//	number-text              warning   a number inside properties that reaches PostHog as other text (1.10 as 1.1)
//	missing-name             error     a document without name
//	missing-filters          error     a document without filters
//	missing-rollout          error     a filter group without rollout_percentage
//	empty-name               error     a name or previous name that is empty or only white space
//	name-whitespace          error     a name or previous name with leading or trailing white space
//	nul-character            error     a name, previous name or description holding NUL
//	too-long                 error     a name, previous name or description over 400 characters
//	empty-filters            error     filters with no group
//	out-of-range             error     a rollout_percentage outside 0..100, a negative group type index, an integer past 64 bits
//	variant-set              error     a filter group sets variant, which PostHog sets
//	duplicate-previous-name  error     a previous name listed twice
//	previous-name-is-name    error     a previous name equal to the holdout's name
//	ignored-by-flags         warning   properties, aggregation_group_type_index or groups after the first, which current PostHog stores but does not evaluate
//	duplicate-name           error     two holdouts with one name in one unit
//	previous-name-claimed    error     two holdouts renamed from one previous name
//	name-is-previous-name    error     a holdout's name is another's previous name
//	duplicate-source-id      error     two holdouts with one "# hogsync-source-id" comment
//	invalid-host             error     hogsync.yaml: host is not an http(s) URL of a host
//	invalid-project          error     hogsync.yaml: project is not a positive numeric id
//	invalid-env-name         error     hogsync.yaml: api_key_env is not an environment variable name (or holds a key)
//	invalid-pattern          error     hogsync.yaml: a protect pattern that is not valid (internal/glob)
//	duplicate-config         error     both hogsync.yaml and hogsync.yml in one folder
//	multiple-documents       error     hogsync.yaml holds more than one YAML document
//	misplaced-config         error     a config key in a file named as a config in other letters (HOGSYNC.YAML), which is read as a manifest
//
// The package does no network I/O and knows nothing of the PostHog client or
// of plans.
package manifest
