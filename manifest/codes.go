package manifest

// Codes of Error, one per rule. They are stable: scripts and tests match
// them instead of the wording, which may improve. doc.go describes each.
const (
	// Files and paths.
	CodeUnreadable      = "unreadable"
	CodeFileTooLarge    = "file-too-large"
	CodeUnsafePath      = "unsafe-path"
	CodeSymlinkOutside  = "symlink-outside"
	CodeSymlinkDangling = "symlink-dangling"
	CodeSymlinkLoop     = "symlink-loop"
	CodeDuplicateFolder = "duplicate-folder"
	CodeSkippedFile     = "skipped-file" // a warning

	// YAML.
	CodeYAMLSyntax     = "yaml-syntax"
	CodeAnchor         = "anchor"
	CodeMergeKey       = "merge-key"
	CodeDuplicateKey   = "duplicate-key"
	CodeUnknownKey     = "unknown-key"
	CodeMisplacedKey   = "misplaced-key"
	CodeWrongType      = "wrong-type"
	CodeYAML11Number   = "yaml11-number"
	CodeYAML11Date     = "yaml11-date"
	CodeYAML11Bool     = "yaml11-bool"  // a warning
	CodeYAML11Float    = "yaml11-float" // a warning
	CodeUnsupportedTag = "unsupported-tag"
	CodeNotJSON        = "not-json"
	CodeNumberText     = "number-text" // a warning

	// One holdout.
	CodeMissingName           = "missing-name"
	CodeMissingFilters        = "missing-filters"
	CodeMissingRollout        = "missing-rollout"
	CodeEmptyName             = "empty-name"
	CodeNameWhitespace        = "name-whitespace"
	CodeNULCharacter          = "nul-character"
	CodeTooLong               = "too-long"
	CodeEmptyFilters          = "empty-filters"
	CodeOutOfRange            = "out-of-range"
	CodeVariantSet            = "variant-set"
	CodeDuplicatePreviousName = "duplicate-previous-name"
	CodePreviousNameIsName    = "previous-name-is-name"
	CodeIgnoredByFlags        = "ignored-by-flags" // a warning

	// Across holdouts.
	CodeDuplicateName       = "duplicate-name"
	CodePreviousNameClaimed = "previous-name-claimed"
	CodeNameIsPreviousName  = "name-is-previous-name"
	CodeDuplicateSourceID   = "duplicate-source-id"

	// hogsync.yaml.
	CodeInvalidHost       = "invalid-host"
	CodeInvalidProject    = "invalid-project"
	CodeInvalidPattern    = "invalid-pattern"
	CodeInvalidEnvName    = "invalid-env-name"
	CodeDuplicateConfig   = "duplicate-config"
	CodeMultipleDocuments = "multiple-documents"
	CodeMisplacedConfig   = "misplaced-config"
)
