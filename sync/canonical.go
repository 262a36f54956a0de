package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/internal/words"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"

	"github.com/sergi/go-diff/diffmatchpatch"
	yaml "go.yaml.in/yaml/v3"
)

// keyRank puts the keys people look for first in a stable place; every
// other key follows in byte order.
var keyRank = map[string]int{
	// holdout
	"name": 1, "description": 2, "filters": 3,
	// filter group
	"rollout_percentage": 1, "properties": 2, "aggregation_group_type_index": 3,
	// property
	"key": 1, "type": 2, "operator": 3, "value": 4,
}

// CanonicalYAML is the form a plan shows a holdout in: name, description
// (left out when empty), filters; keys in a fixed order, numbers canonical.
// Equal states give equal bytes.
//
// The bytes are yaml.v3's (indent 2). States whose every string is plain
// text (the common case) are written by a small emitter instead, which
// reproduces them without a YAML encoder per state; anything else goes
// through yaml.v3. TestCanonicalYAMLEmitter and FuzzCanonicalYAML hold
// the two to the same bytes.
func CanonicalYAML(s State) string {
	if out, ok := emitState(s); ok {
		return out
	}
	return encodeState(s)
}

// encodeState is CanonicalYAML through yaml.v3.
func encodeState(s State) string {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	addPair(doc, "name", scalar(s.Name))
	if s.Description != "" {
		addPair(doc, "description", scalar(s.Description))
	}
	groups := make([]any, len(s.Filters))
	for i, g := range s.Filters {
		groups[i] = g
	}
	addPair(doc, "filters", toNode(groups))
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		panic(fmt.Sprintf("sync: encode canonical YAML: %v", err)) // nodes built above always encode
	}
	_ = enc.Close()
	return yamlEscapeBidi(buf.String())
}

// rawInYAML reports whether yaml.v3 may write r as it is although it is
// escape.Unsafe: the bidi embeddings, overrides and isolates always, the
// line and paragraph separators outside double quotes. (C0, DEL and C1
// make it double-quote and escape them itself.) Written raw they would
// reorder what a reviewer reads, or start a line.
func rawInYAML(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x2028 || r == 0x2029
}

// yamlEscapeBidi writes every rawInYAML rune of doc as a \u escape, and
// the second '#' of every "##[" (as escape.HasLegacyCommand finds it,
// ignorable characters between the signs or not) as \x23 (it would start a workflow command in the
// GitHub Actions runner's older syntax, anywhere in a line printed to a
// log). It is right only where each is inside a double-quoted scalar,
// which scalar makes sure of; the value read back is the same.
func yamlEscapeBidi(doc string) string {
	if !strings.ContainsFunc(doc, rawInYAML) && !escape.HasLegacyCommand(doc) {
		return doc
	}
	var b strings.Builder
	for _, r := range doc {
		if rawInYAML(r) {
			fmt.Fprintf(&b, `\u%04X`, r)
			continue
		}
		b.WriteRune(r)
	}
	return escape.ReplaceLegacyCommand(b.String(), `\x23`)
}

// emitState writes s as encodeState would, for states made only of what
// the emitter knows to write exactly as yaml.v3 does: plain strings (see
// plainSafe), canonical numbers, booleans, null, non-empty mappings,
// lists of scalars (flow style) and lists of mappings. ok is false for
// anything else.
func emitState(s State) (string, bool) {
	e := emitter{}
	e.b.Grow(64 + 48*len(s.Filters))
	if !plainSafe(s.Name) || (s.Description != "" && !plainSafe(s.Description)) {
		return "", false
	}
	e.b.WriteString("name: ")
	e.b.WriteString(s.Name)
	e.b.WriteByte('\n')
	if s.Description != "" {
		e.b.WriteString("description: ")
		e.b.WriteString(s.Description)
		e.b.WriteByte('\n')
	}
	e.b.WriteString("filters:")
	if len(s.Filters) == 0 {
		e.b.WriteString(" []\n")
		return e.b.String(), true
	}
	e.b.WriteByte('\n')
	for _, g := range s.Filters {
		if !e.item(g, 2) {
			return "", false
		}
	}
	return e.b.String(), e.ok()
}

type emitter struct {
	b   strings.Builder
	bad bool
}

func (e *emitter) ok() bool { return !e.bad }

// item writes one block-sequence entry, a mapping, at indent.
func (e *emitter) item(v any, indent int) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return false
	}
	e.indent(indent)
	e.b.WriteString("- ")
	return e.mapping(m, indent+2, true)
}

// mapping writes m's pairs at indent; the first goes on the current line
// when inline (after "- ").
func (e *emitter) mapping(m map[string]any, indent int, inline bool) bool {
	for i, k := range sortedKeys(m) {
		if !plainSafe(k) {
			return false
		}
		if i > 0 || !inline {
			e.indent(indent)
		}
		e.b.WriteString(k)
		e.b.WriteByte(':')
		switch v := m[k].(type) {
		case map[string]any:
			if len(v) == 0 {
				return false
			}
			e.b.WriteByte('\n')
			if !e.mapping(v, indent+2, false) {
				return false
			}
		case []any:
			if !e.list(v, indent) {
				return false
			}
		default:
			e.b.WriteByte(' ')
			if !e.scalar(v) {
				return false
			}
			e.b.WriteByte('\n')
		}
	}
	return true
}

// list writes a mapping's list value: flow style when every entry is a
// scalar, otherwise a block sequence of mappings one level in.
func (e *emitter) list(l []any, indent int) bool {
	if len(l) == 0 {
		e.b.WriteString(" []\n")
		return true
	}
	flow := true
	for _, v := range l {
		switch v.(type) {
		case map[string]any, []any:
			flow = false
		}
	}
	if flow {
		e.b.WriteString(" [")
		for i, v := range l {
			if i > 0 {
				e.b.WriteString(", ")
			}
			if !e.scalar(v) {
				return false
			}
		}
		e.b.WriteString("]\n")
		return true
	}
	e.b.WriteByte('\n')
	for _, v := range l {
		if !e.item(v, indent+2) {
			return false
		}
	}
	return true
}

func (e *emitter) scalar(v any) bool {
	switch v := v.(type) {
	case nil:
		e.b.WriteString("null")
	case bool:
		e.b.WriteString(strconv.FormatBool(v))
	case string:
		if !plainSafe(v) {
			return false
		}
		e.b.WriteString(v)
	case json.Number:
		if !plainNumber(string(v)) {
			return false
		}
		e.b.WriteString(string(v))
	default:
		return false
	}
	return true
}

func (e *emitter) indent(n int) {
	for range n {
		e.b.WriteByte(' ')
	}
}

// plainSafe reports whether yaml.v3 writes s as a plain scalar in block
// and flow context alike: ASCII that starts with a letter, holds only
// letters, digits, space and _ . / @ + -, does not end in a space, and is
// no word YAML resolves to another type. It is deliberately narrower than
// YAML's rule; whatever it refuses goes through yaml.v3.
func plainSafe(s string) bool {
	if s == "" || s[len(s)-1] == ' ' {
		return false
	}
	c := s[0]
	if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == ' ', c == '_', c == '.', c == '/', c == '@', c == '+', c == '-':
		default:
			return false
		}
	}
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "true", "false", "null", "yes", "no", "on", "off", "y", "n":
			return false
		}
	}
	return true
}

// plainNumber reports whether n is a number as canon writes it that
// yaml.v3 resolves back to its own tag (!!int, or !!float for text with a
// fraction or exponent) and so writes plain.
func plainNumber(n string) bool {
	s := strings.TrimPrefix(n, "-")
	if s == "" {
		return false
	}
	digits, frac, exp := s, "", ""
	if i := strings.IndexAny(digits, "eE"); i >= 0 {
		digits, exp = digits[:i], digits[i+1:]
		exp = strings.TrimLeft(exp, "+-")
		if exp == "" || !allDigits(exp) {
			return false
		}
	}
	if i := strings.IndexByte(digits, '.'); i >= 0 {
		digits, frac = digits[:i], digits[i+1:]
		if frac == "" || !allDigits(frac) {
			return false
		}
	}
	if digits == "" || !allDigits(digits) || (len(digits) > 1 && digits[0] == '0') {
		return false
	}
	if frac == "" && !strings.ContainsAny(s, "eE") {
		_, err := strconv.ParseInt(n, 10, 64)
		return err == nil
	}
	_, err := strconv.ParseFloat(n, 64)
	return err == nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

func compareKeys(a, b string) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

func addPair(m *yaml.Node, k string, v *yaml.Node) {
	m.Content = append(m.Content, scalar(k), v)
}

// scalar is a string node. YAML cannot hold bytes that are not UTF-8
// (JSON from PostHog never has them; a caller's state might): each is
// shown as U+FFFD. One holding a rawInYAML rune or "##[" is double-quoted,
// where yamlEscapeBidi can write them as escapes.
func scalar(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.ToValidUTF8(s, "\uFFFD")}
	if strings.ContainsFunc(s, rawInYAML) || escape.HasLegacyCommand(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func toNode(v any) *yaml.Node {
	switch v := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v)}
	case string:
		return scalar(v)
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(v), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(v)}
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		flow := true
		for _, e := range v {
			c := toNode(e)
			if c.Kind != yaml.ScalarNode {
				flow = false
			}
			n.Content = append(n.Content, c)
		}
		if flow && len(v) > 0 {
			n.Style = yaml.FlowStyle
		}
		return n
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range sortedKeys(v) {
			addPair(n, k, toNode(v[k]))
		}
		return n
	}
	// Normalised states hold only the types above.
	return scalar(fmt.Sprint(v))
}

func rank(k string) int {
	if r, ok := keyRank[k]; ok {
		return r
	}
	return len(keyRank) + 1
}

// Line is one line of a line diff.
type Line struct {
	Op   byte // ' ' unchanged, '-' removed, '+' added, '#' a note in place of lines
	Text string
}

// Line diffs are bounded: go-diff's line diff is quadratic in the worst
// case (13 s for a 64k-line value), so past MaxDiffLines lines or
// MaxDiffBytes bytes on either side, a diff shows both sides' sizes and
// which fields differ instead, as notes (Op '#').
const (
	MaxDiffLines = 2000
	MaxDiffBytes = 256 << 10
)

// Diff is the line diff from before to after ("" for a side that does not
// exist), or a note of both sides' sizes when either is over the bounds.
// It is deterministic: go-diff runs without a time limit.
func Diff(before, after string) []Line {
	if tooBig(before) || tooBig(after) {
		return []Line{sizeNote(before, after)}
	}
	if before == "" || after == "" { // a create or a delete: every line is new or gone
		op, text := byte('+'), after
		if after == "" {
			op, text = '-', before
		}
		out := make([]Line, 0, strings.Count(text, "\n")+1)
		for l := range strings.SplitSeq(text, "\n") {
			if l != "" {
				out = append(out, Line{Op: op, Text: l})
			}
		}
		return out
	}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	a, b, lines := dmp.DiffLinesToChars(before, after)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	var out []Line
	for _, d := range diffs {
		op := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l == "" {
				continue
			}
			out = append(out, Line{Op: op, Text: strings.TrimSuffix(l, "\n")})
		}
	}
	return out
}

func tooBig(s string) bool {
	return len(s) > MaxDiffBytes || strings.Count(s, "\n") > MaxDiffLines
}

// sizeNote is the note shown in place of a diff too large to compute.
func sizeNote(before, after string) Line {
	return Line{Op: '#', Text: fmt.Sprintf("the diff is too large to show (before: %s; after: %s); line diffs are shown up to %s lines or %s a side",
		size(before), size(after), thousands(MaxDiffLines), "256 KiB")}
}

func size(s string) string {
	if s == "" {
		return "none"
	}
	n := strings.Count(s, "\n")
	if !strings.HasSuffix(s, "\n") {
		n++
	}
	return fmt.Sprintf("%s %s, %s", thousands(n), words.Plural(n, "line", "lines"), bytesText(len(s)))
}

func bytesText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// thousands writes n with a comma between each group of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// diffCache holds a change's diff once computed: Compute gives every
// change one, shared by the change's copies, so that however many times
// a plan is rendered each change is diffed once.
type diffCache struct {
	once  stdsync.Once
	lines []Line
}

// ChangeDiff is the line diff of a change's canonical YAML (bounded: see
// Diff), with a note of which fields differ when it is too large to show.
// The lines are shared: do not change them.
func ChangeDiff(c Change) []Line {
	if c.diff == nil {
		return changeDiff(c)
	}
	c.diff.once.Do(func() { c.diff.lines = changeDiff(c) })
	return c.diff.lines
}

func changeDiff(c Change) []Line {
	var before, after string
	if c.Before != nil {
		before = CanonicalYAML(*c.Before)
	}
	if c.After != nil {
		after = CanonicalYAML(*c.After)
	}
	if !tooBig(before) && !tooBig(after) {
		return Diff(before, after)
	}
	lines := []Line{sizeNote(before, after)}
	if c.Before != nil && c.After != nil {
		var fields []string
		if c.Before.Name != c.After.Name {
			fields = append(fields, "name")
		}
		if c.Before.Description != c.After.Description {
			fields = append(fields, "description")
		}
		if !equalFilters(*c.Before, *c.After) {
			fields = append(fields, fmt.Sprintf("filters (%d %s before, %d after)", len(c.Before.Filters), words.Plural(len(c.Before.Filters), "group", "groups"), len(c.After.Filters)))
		}
		if len(fields) > 0 {
			lines = append(lines, Line{Op: '#', Text: "what differs: " + strings.Join(fields, ", ")})
		}
	}
	return lines
}
