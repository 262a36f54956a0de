package manifest

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/hogsync/hogsync/internal/escape"
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

// String formats p as "file:line:col". The file is shown with escape.Text,
// and a line that would start with "::" has its first ':' escaped, so that
// no file name can put a control character, a new line or a GitHub
// workflow command into a log.
func (p Pos) String() string {
	return escape.Line(escape.Text(p.File) + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col))
}

// Severities of an Error.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Error is one validation problem at one place: an error, which stops a
// load from returning holdouts, or a warning, which does not.
type Error struct {
	Pos Pos
	// Severity is SeverityError or SeverityWarning; "" counts as an error.
	Severity string
	// Code names the rule, in kebab-case ("unknown-key", "duplicate-name"):
	// stable across releases, for scripts and tests. The codes are listed
	// in the package documentation.
	Code string
	// Msg says what is wrong and, where it helps, how to fix it. It does not
	// repeat the position.
	Msg string
}

// IsWarning reports whether e is a warning.
func (e *Error) IsWarning() bool { return e.Severity == SeverityWarning }

// Error formats as "file:line:col: msg", like compilers and linters do; a
// warning as "file:line:col: warning: msg". Like Pos.String, it escapes
// what could reach a terminal or a log as a control character or a
// workflow command.
func (e *Error) Error() string {
	msg := e.Msg
	if e.IsWarning() {
		msg = "warning: " + msg
	}
	return e.Pos.String() + ": " + escape.Text(msg)
}

// errorJSON is the JSON form of an Error.
type errorJSON struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

// MarshalJSON writes e as {"file", "line", "col", "severity", "code",
// "message"}, with file and message escaped as Error escapes them (a
// path that needs it is refused by the loader anyway) and an empty
// Severity written as "error".
func (e *Error) MarshalJSON() ([]byte, error) {
	sev := e.Severity
	if sev == "" {
		sev = SeverityError
	}
	return json.Marshal(errorJSON{
		File: escape.Text(e.Pos.File), Line: e.Pos.Line, Col: e.Pos.Col,
		Severity: sev, Code: e.Code, Message: escape.Text(e.Msg),
	})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Error) UnmarshalJSON(data []byte) error {
	var j errorJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*e = Error{Pos: Pos{File: j.File, Line: j.Line, Col: j.Col}, Severity: j.Severity, Code: j.Code, Msg: j.Message}
	return nil
}

// List is every problem a Load found, sorted by file (in load order), line
// and column. As an error it holds only errors; Result.Warnings holds the
// warnings in a List of their own.
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
