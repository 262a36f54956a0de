// Package manifest loads and validates hogsync's YAML holdout manifests.
//
// A manifest directory holds *.yaml and *.yml files (hidden folders are
// skipped); every YAML document in them is one desired holdout. Load (or
// LoadFS, for any fs.FS) reads them all in sorted path order, validates every
// rule of the manifest format and returns either the holdouts or a List of
// every problem found, each positioned as file:line:col. It never stops at
// the first problem.
//
// The package does no network I/O and knows nothing of the PostHog client or
// of plans.
package manifest
