package manifest

import (
	"fmt"
	"strings"
)

// Limits of the manifest format. The string limits are PostHog's own (the
// model's CharField max_length), counted in Unicode code points as Python
// counts them.
const (
	MaxNameLength        = 400
	MaxDescriptionLength = 400
	MaxFileSize          = 1 << 20 // 1 MiB
)

// Holdout is one desired holdout, as a manifest document declares it.
// A Holdout returned by Load has passed every validation rule.
type Holdout struct {
	// Name is the holdout's identity: unique across the directory, never
	// empty, never with surrounding white space, at most MaxNameLength.
	Name string
	// Description is "" when absent, null or empty in the manifest.
	Description string
	// Filters has at least one group.
	Filters []FilterGroup
	// PreviousNames are names the holdout had before; a remote holdout with
	// one of them is renamed in place. Never contains Name.
	PreviousNames []string
	// Pos is where the document's `name` value stands (or the document's
	// start when name is missing); File is the display path.
	Pos Pos
	// SourceID is the id the holdout had in the project it was exported
	// from, read from a leading "# hogsync-source-id: N" comment; 0 when
	// there is none. It never affects planning: sync --id-map reports it.
	SourceID int64
}

// SourceIDPrefix starts the comment line that hogsync export writes above
// each holdout it exports.
const SourceIDPrefix = "# hogsync-source-id: "

// FilterGroup is one release-condition group of a holdout.
type FilterGroup struct {
	// RolloutPercentage is the share of users excluded, 0..100.
	RolloutPercentage float64
	// Properties are person/group property filters passed to PostHog as
	// written: each is a mapping whose values are JSON-compatible (nil,
	// bool, string, int64, float64, []any, map[string]any). Nil when the
	// manifest has no `properties` key.
	Properties []map[string]any
	// AggregationGroupTypeIndex is set when the manifest targets a group
	// type instead of persons.
	AggregationGroupTypeIndex *int64
}

// Pos is a position in a manifest file. Line and Col are 1-based.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Error is one validation problem at one place.
type Error struct {
	Pos Pos
	// Msg says what is wrong and, where it helps, how to fix it. It does not
	// repeat the position.
	Msg string
}

// Error formats as "file:line:col: msg", like compilers and linters do.
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// List is every problem a Load found, sorted by file, line and column.
type List []*Error

func (l List) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}
