package manifest

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/hogsync/hogsync/internal/canon"
)

// Keys of a manifest document and of a filter group, in the order messages
// list them.
var (
	holdoutKeys = []string{"name", "description", "filters", "previous_names"}
	groupKeys   = []string{"rollout_percentage", "properties", "aggregation_group_type_index"}
)

const (
	msgAnchor = "anchors and aliases are not supported; write the values out"
	msgMerge  = `merge keys ("<<") are not supported; write the values out`
)

// doc is one checked manifest document.
type doc struct {
	// h holds every field that passed its rules; it is only returned when the
	// whole directory has no problem.
	h Holdout
	// named is true when h.Name passed every per-document rule.
	named bool
	// prevPos[i] is where h.PreviousNames[i] stands. Both hold only the
	// previous names that passed their rules.
	prevPos []Pos
}

// checker validates the documents of one file and collects their problems.
type checker struct {
	file  string
	errs  List
	warns List
}

func (c *checker) pos(n *yaml.Node) Pos {
	return Pos{File: c.file, Line: max(n.Line, 1), Col: max(n.Column, 1)}
}

func (c *checker) errorf(n *yaml.Node, code, format string, args ...any) {
	c.errs = append(c.errs, &Error{Pos: c.pos(n), Severity: SeverityError, Code: code, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(n *yaml.Node, code, format string, args ...any) {
	c.warns = append(c.warns, &Error{Pos: c.pos(n), Severity: SeverityWarning, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// document checks one YAML document node. Every problem is added to c.errs.
func (c *checker) document(node *yaml.Node) *doc {
	d := &doc{h: Holdout{Pos: c.pos(node)}}
	root := node
	if node.Kind == yaml.DocumentNode && len(node.Content) > 0 {
		root = node.Content[0]
	}
	c.anchors(root)
	if isAlias(root) {
		return d
	}
	if root.Kind != yaml.MappingNode {
		c.errorf(root, CodeWrongType, "a manifest document must be a mapping with name and filters, not %s", describe(root))
		return d
	}
	var name, desc, filters, prev *yaml.Node
	fields, merged := c.fields(root)
	for _, f := range fields {
		switch f.key.Value {
		case "name":
			name = f.value
		case "description":
			desc = f.value
		case "filters":
			filters = f.value
		case "previous_names":
			prev = f.value
		default:
			if likeConfigName(path.Base(c.file)) && contains(configKeys, f.key.Value) {
				c.errorf(f.key, CodeMisplacedConfig, "%s is a key of a unit's config, which is read only from a file named hogsync.yaml or hogsync.yml in these letters; this file's name has other letters, so it is read as a manifest: rename it hogsync.yaml to make its folder a unit, or move the key there", quote(f.key.Value))
				continue
			}
			c.unknownKey(f.key, holdoutKeys, groupKeys, "in a filter group (an item of filters)")
		}
	}
	// A merge key may have meant to bring in a missing key; it is already an
	// error, so missing keys are not reported on top of it.
	switch {
	case name != nil:
		d.h.Pos = c.pos(name)
		d.h.Name, d.named = c.name(name)
	case !merged:
		c.errorf(root, CodeMissingName, `missing required key "name"; every holdout needs a name, unique across the directory`)
	}
	if desc != nil {
		d.h.Description = c.description(desc)
	}
	switch {
	case filters != nil:
		d.h.Filters = c.filters(filters)
	case !merged:
		c.errorf(root, CodeMissingFilters, `missing required key "filters"; add a list with at least one filter group, e.g. "filters: [{rollout_percentage: 10}]"`)
	}
	if prev != nil {
		c.previousNames(d, prev)
	}
	comments := []string{node.HeadComment, root.HeadComment}
	if len(root.Content) > 0 {
		comments = append(comments, root.Content[0].HeadComment)
	}
	d.h.SourceID = sourceID(comments...)
	return d
}

// sourceID reads the "# hogsync-source-id: N" line of the comments that
// lead a document (yaml.v3 hangs them on the document, the mapping or its
// first key, depending on blank lines). The first such line decides; N
// must be a positive decimal int64 with nothing else, or there is no id.
func sourceID(comments ...string) int64 {
	for _, c := range comments {
		for _, line := range strings.Split(c, "\n") {
			line = strings.TrimRight(line, " \t\r")
			digits, ok := strings.CutPrefix(line, SourceIDPrefix)
			if !ok {
				continue
			}
			if digits == "" || strings.Trim(digits, "0123456789") != "" {
				return 0
			}
			id, err := strconv.ParseInt(digits, 10, 64)
			if err != nil || id <= 0 {
				return 0
			}
			return id
		}
	}
	return 0
}

// anchors reports every anchor, alias and merge key under n. It never
// follows an alias, so a self-referencing anchor cannot make it loop.
func (c *checker) anchors(n *yaml.Node) {
	if n.Anchor != "" {
		c.errorf(n, CodeAnchor, msgAnchor)
	}
	switch n.Kind {
	case yaml.AliasNode:
		c.errorf(n, CodeAnchor, msgAnchor)
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				c.errorf(k, CodeMergeKey, msgMerge) // its value is an alias or a copy: one error is enough
				continue
			}
			c.anchors(k)
			c.anchors(v)
		}
	default:
		for _, child := range n.Content {
			c.anchors(child)
		}
	}
}

// isAlias reports whether n is an alias. Aliases are reported once by
// anchors, so the other checks skip them rather than add a second error.
func isAlias(n *yaml.Node) bool { return n.Kind == yaml.AliasNode }

type field struct{ key, value *yaml.Node }

// fields returns the key/value pairs of mapping m in document order. It
// reports duplicate keys and keys that are not scalars, and leaves those out
// along with merge keys and alias keys (reported by anchors). merged tells
// whether m has a merge key.
func (c *checker) fields(m *yaml.Node) (out []field, merged bool) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge":
			merged = true
			continue
		case isAlias(k):
			continue
		case k.Kind != yaml.ScalarNode:
			c.errorf(k, CodeWrongType, "a key must be a string, not %s", describe(k))
			continue
		}
		if first, ok := seen[k.Value]; ok {
			c.errorf(k, CodeDuplicateKey, "duplicate key %s: already set at %s; keep only one", quote(k.Value), c.pos(first))
			continue
		}
		seen[k.Value] = k
		out = append(out, field{k, v})
	}
	return out, merged
}

// unknownKey reports key, which is none of known. When it is one of the
// keys of the other level, it says where the key belongs; otherwise it
// suggests the nearest known key, or lists them all.
func (c *checker) unknownKey(key *yaml.Node, known, elsewhere []string, where string) {
	k := key.Value
	switch s := suggest(k, known); {
	case contains(elsewhere, k):
		c.errorf(key, CodeMisplacedKey, "unknown key %s here; it belongs %s", quote(k), where)
	case s != "":
		c.errorf(key, CodeUnknownKey, "unknown key %s; did you mean %q?", quote(k), s)
	default:
		c.errorf(key, CodeUnknownKey, "unknown key %s; expected one of %s", quote(k), strings.Join(known, ", "))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str returns the value of n, which must be a string scalar; a null is "".
// Otherwise it reports n, naming it what, and returns false.
//
// A plain scalar that YAML tools read differently is reported: a YAML 1.1
// boolean (yes, off) with a warning, as hogsync reads the string an editor
// reads; a date or a number form such as 1_000 with an error, as hogsync
// would read a date or a number where an editor reads a string.
func (c *checker) str(n *yaml.Node, what string) (string, bool) {
	plain := n.Kind == yaml.ScalarNode && n.Style == 0
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		c.yaml11Bool(n, what)
		return n.Value, true
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return "", true
	case plain && n.ShortTag() == "!!timestamp":
		c.errorf(n, CodeYAML11Date, "%s %s is read as a date by hogsync and YAML 1.1 tools such as PyYAML, but as a string by YAML 1.2 editors; quote it so that every tool reads the string: %s",
			what, n.Value, strconv.Quote(n.Value))
	case plain && yaml11Number(n) != "":
		c.errorf(n, CodeYAML11Number, "%s must be a string, and %s; put it in quotes: %s", what, yaml11Number(n), strconv.Quote(n.Value))
	case n.Kind == yaml.ScalarNode && n.Style&yaml.TaggedStyle == 0:
		c.errorf(n, CodeWrongType, "%s must be a string, not %s; put it in quotes: %s", what, describe(n), strconv.Quote(n.Value))
	default:
		c.errorf(n, CodeWrongType, "%s must be a string, not %s", what, describe(n))
	}
	return "", false
}

// name checks the value of `name` and returns it with whether it is valid.
func (c *checker) name(n *yaml.Node) (string, bool) {
	if isAlias(n) {
		return "", false
	}
	s, ok := c.str(n, "name")
	if !ok {
		return "", false
	}
	switch {
	case s == "":
		c.errorf(n, CodeEmptyName, "name is empty; every holdout needs a name, unique across the directory")
	case canon.Strip(s) == "":
		c.errorf(n, CodeEmptyName, "name is only white space; every holdout needs a name, unique across the directory")
	case canon.Strip(s) != s:
		// PostHog strips names on save, so the remote name would never
		// equal the manifest's and every sync would plan a rename.
		c.errorf(n, CodeNameWhitespace, "name %s has leading or trailing white space, which PostHog trims: every sync would show a change; remove the white space", quote(s))
	case strings.ContainsRune(s, 0):
		c.errorf(n, CodeNULCharacter, `name contains a NUL character ("\0"), which PostHog rejects; remove it`)
	case utf8.RuneCountInString(s) > MaxNameLength:
		c.errorf(n, CodeTooLong, "name is %d characters long; the limit is %d", utf8.RuneCountInString(s), MaxNameLength)
	default:
		return s, true
	}
	return "", false
}

// description checks the value of `description` and returns it without
// leading and trailing white space. PostHog trims descriptions on save, and
// a YAML block scalar (`|`) ends with a newline, so trimming here keeps the
// plan from showing a change on every sync. The limit applies to the trimmed
// text, as it does in PostHog.
func (c *checker) description(n *yaml.Node) string {
	if isAlias(n) {
		return ""
	}
	s, ok := c.str(n, "description")
	if !ok {
		return ""
	}
	s = canon.Strip(s)
	switch {
	case strings.ContainsRune(s, 0):
		c.errorf(n, CodeNULCharacter, `description contains a NUL character ("\0"), which PostHog rejects; remove it`)
	case utf8.RuneCountInString(s) > MaxDescriptionLength:
		c.errorf(n, CodeTooLong, "description is %d characters long; the limit is %d", utf8.RuneCountInString(s), MaxDescriptionLength)
	}
	return s
}

// filters checks the value of `filters`, a non-empty list of filter groups.
func (c *checker) filters(n *yaml.Node) []FilterGroup {
	switch {
	case isAlias(n):
		return nil
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null",
		n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		c.errorf(n, CodeEmptyFilters, "filters is empty; add at least one filter group with a rollout_percentage")
		return nil
	case n.Kind == yaml.MappingNode:
		c.errorf(n, CodeWrongType, `filters must be a list of filter groups, not a mapping; start each group with "- "`)
		return nil
	case n.Kind != yaml.SequenceNode:
		c.errorf(n, CodeWrongType, "filters must be a list of filter groups, not %s", describe(n))
		return nil
	}
	groups := make([]FilterGroup, 0, len(n.Content))
	for i, g := range n.Content {
		if isAlias(g) {
			continue
		}
		if g.Kind != yaml.MappingNode {
			c.errorf(g, CodeWrongType, "a filter group must be a mapping with a rollout_percentage, not %s", describe(g))
			continue
		}
		if i == 1 {
			c.warnf(g, CodeIgnoredByFlags, "filter groups after the first are stored but not evaluated by current PostHog: a holdout's flag uses only the first group's rollout_percentage (older self-hosted PostHog evaluated every group); keep one group unless your PostHog is one of those")
		}
		groups = append(groups, c.group(g, i == 0))
	}
	return groups
}

// group checks one filter group mapping; first tells whether it is the
// first group, the one current PostHog evaluates.
func (c *checker) group(m *yaml.Node, first bool) FilterGroup {
	var g FilterGroup
	var rollout *yaml.Node
	fields, merged := c.fields(m)
	for _, f := range fields {
		switch f.key.Value {
		case "rollout_percentage":
			rollout = f.value
		case "properties":
			g.Properties = c.properties(f.value)
			if first && len(g.Properties) > 0 {
				c.warnf(f.key, CodeIgnoredByFlags, "properties are stored but not evaluated by current PostHog: a holdout's flag uses only rollout_percentage, so it excludes that share of all users, matching or not (older self-hosted PostHog evaluated them); remove them unless your PostHog is one of those")
			}
		case "aggregation_group_type_index":
			g.AggregationGroupTypeIndex = c.groupTypeIndex(f.value)
			if first && g.AggregationGroupTypeIndex != nil {
				c.warnf(f.key, CodeIgnoredByFlags, "aggregation_group_type_index is stored but not evaluated by current PostHog: a holdout's flag uses only rollout_percentage, over persons (older self-hosted PostHog evaluated it); remove it unless your PostHog is one of those")
			}
		case "variant":
			c.errorf(f.key, CodeVariantSet, `variant is set by PostHog (to "holdout-<id>"), not by the manifest; remove this key`)
		default:
			c.unknownKey(f.key, groupKeys, holdoutKeys, "at the top level of the document")
		}
	}
	switch {
	case rollout != nil:
		g.RolloutPercentage = c.rollout(rollout)
	case !merged: // as in document
		c.errorf(m, CodeMissingRollout, "filter group is missing rollout_percentage; set it to the share of users to exclude, from 0 to 100")
	}
	return g
}

// rollout checks a rollout_percentage: a YAML number (by its tag, so a
// quoted "10" is refused) from 0 to 100.
func (c *checker) rollout(n *yaml.Node) float64 {
	if isAlias(n) {
		return 0
	}
	if p := yaml11Number(n); p != "" {
		c.errorf(n, CodeYAML11Number, "rollout_percentage %s; write it in plain decimal digits", p)
		return 0
	}
	tag := n.ShortTag()
	switch {
	case n.Kind != yaml.ScalarNode:
		c.errorf(n, CodeWrongType, "rollout_percentage must be a number from 0 to 100, not %s", describe(n))
	case tag == "!!null":
		c.errorf(n, CodeWrongType, "rollout_percentage is null; set it to a number from 0 to 100")
	case tag == "!!str" && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		c.errorf(n, CodeWrongType, "rollout_percentage must be a number, not the string %s; write it without quotes", quote(n.Value))
	case tag == "!!str":
		c.errorf(n, CodeWrongType, "rollout_percentage must be a number from 0 to 100, not %s", quote(n.Value))
	case tag != "!!int" && tag != "!!float":
		c.errorf(n, CodeWrongType, "rollout_percentage must be a number from 0 to 100, not %s", describe(n))
	default:
		c.yaml11Float(n, "rollout_percentage")
		var f float64
		if err := n.Decode(&f); err != nil {
			c.errorf(n, CodeWrongType, "rollout_percentage must be a number from 0 to 100, not %s", quote(n.Value))
			return 0
		}
		if math.IsNaN(f) || f < 0 || f > 100 {
			c.errorf(n, CodeOutOfRange, "rollout_percentage is %s; it must be between 0 and 100 (the share of users excluded)", n.Value)
			return 0
		}
		if why := floatChange(n.Value, f); why != "" {
			c.errorf(n, CodeOutOfRange, "rollout_percentage %s; write the decimal you mean (%s is what would be used)", why, canon.Float(f))
			return 0
		}
		return f + 0 // turns -0 into 0
	}
	return 0
}

// groupTypeIndex checks an aggregation_group_type_index: null or a whole
// number of 0 or more.
func (c *checker) groupTypeIndex(n *yaml.Node) *int64 {
	if isAlias(n) {
		return nil
	}
	if p := yaml11Number(n); p != "" {
		c.errorf(n, CodeYAML11Number, "aggregation_group_type_index %s; write it in plain decimal digits", p)
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	v, whole, ok := wholeNumberOf(n)
	switch {
	case !ok:
		c.errorf(n, CodeWrongType, "aggregation_group_type_index must be a whole number of 0 or more (a group type index), not %s", describeValue(n))
	case !whole:
		c.errorf(n, CodeWrongType, "aggregation_group_type_index must be a whole number, not %s", n.Value)
	case !inInt64Range(v):
		c.errorf(n, CodeOutOfRange, "aggregation_group_type_index is %s; it must be a group type index, a whole number from 0 to 2^63-1", n.Value)
	default:
		c.yaml11Float(n, "aggregation_group_type_index")
		i := v.Int64()
		return &i
	}
	return nil
}

// properties checks a `properties` value: null (nil) or a list of mappings,
// each converted to JSON-compatible values as written.
func (c *checker) properties(n *yaml.Node) []map[string]any {
	switch {
	case isAlias(n):
		return nil
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return nil
	case n.Kind == yaml.MappingNode:
		c.errorf(n, CodeWrongType, `properties must be a list of property filters, not a mapping; start each filter with "- "`)
		return nil
	case n.Kind != yaml.SequenceNode:
		c.errorf(n, CodeWrongType, "properties must be a list of property filters, not %s", describe(n))
		return nil
	}
	props := make([]map[string]any, 0, len(n.Content))
	for _, p := range n.Content {
		if isAlias(p) {
			continue
		}
		if p.Kind != yaml.MappingNode {
			c.errorf(p, CodeWrongType, "a property filter must be a mapping (such as key, type, operator and value), not %s", describe(p))
			continue
		}
		if m, ok := c.jsonValue(p).(map[string]any); ok {
			props = append(props, m)
		}
	}
	return props
}

// jsonValue converts n to nil, bool, string, int64, float64, []any or
// map[string]any, reporting what JSON cannot carry. A date or time is kept
// as the string written.
func (c *checker) jsonValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		fields, _ := c.fields(n)
		for _, f := range fields {
			if f.key.ShortTag() != "!!str" {
				c.errorf(f.key, CodeWrongType, "keys inside properties must be strings, not %s; put the key in quotes", describe(f.key))
				continue
			}
			m[f.key.Value] = c.jsonValue(f.value)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			s = append(s, c.jsonValue(e))
		}
		return s
	case yaml.ScalarNode:
		return c.jsonScalar(n)
	}
	return nil // an alias, already reported
}

func (c *checker) jsonScalar(n *yaml.Node) any {
	if p := yaml11Number(n); p != "" {
		c.errorf(n, CodeYAML11Number, "%s; quote it (%s) if a string is meant, or write the number in plain decimal digits if a number is meant", p, strconv.Quote(n.Value))
		return nil
	}
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return nil
	case "!!str":
		c.yaml11Bool(n, "")
		return n.Value
	case "!!timestamp":
		return n.Value
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
		c.errorf(n, CodeWrongType, "%s is not a valid boolean; write true or false", quote(n.Value))
		return nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			c.numberText(n, strconv.FormatInt(i, 10))
			return i
		}
		if decimalInteger.MatchString(n.Value) {
			// Past int64: passed on with every digit, as PostHog (Python
			// and jsonb) keeps it.
			return canon.Number(n.Value)
		}
		c.errorf(n, CodeOutOfRange, "number %s does not fit in a 64-bit integer; put it in quotes to pass it as a string", n.Value)
		return nil
	case "!!float":
		if n.Style&yaml.TaggedStyle == 0 && decimalInteger.MatchString(n.Value) {
			// yaml.v3 reads an untagged integer past 2^64 as a float;
			// it is passed on with every digit instead.
			return canon.Number(n.Value)
		}
		if n.Style&yaml.TaggedStyle == 0 && wholeNumber.MatchString(n.Value) {
			c.errorf(n, CodeOutOfRange, "number %s does not fit in a 64-bit integer; put it in quotes to pass it as a string", n.Value)
			return nil
		}
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			if f == 0 && floatChange(n.Value, f) != "" {
				c.errorf(n, CodeOutOfRange, "number %s; write the decimal you mean, or put it in quotes to pass it as a string", floatChange(n.Value, f))
				return nil
			}
			if !c.yaml11Float(n, "") {
				c.numberText(n, string(canon.Float(f)))
			}
			return f
		}
		c.errorf(n, CodeNotJSON, "%s is not a number JSON can carry; put it in quotes to pass it as a string", n.Value)
		return nil
	default:
		c.errorf(n, CodeUnsupportedTag, "YAML tag %s is not supported in properties; remove it", tag)
		return nil
	}
}

var (
	wholeNumber    = regexp.MustCompile(`^[-+]?[0-9_]+$`)
	decimalInteger = regexp.MustCompile(`^-?[1-9][0-9]*$`)
)

// numberText warns when a number inside properties reaches PostHog as
// other text than written (1.10 as 1.1, 1e3 as 1000): harmless for a
// number, wrong for a version compared as text.
func (c *checker) numberText(n *yaml.Node, sent string) {
	if n.Value != sent {
		c.warnf(n, CodeNumberText, "number %s is sent to PostHog as %s; quote it (%s) if its text matters, as in a version number", n.Value, sent, strconv.Quote(n.Value))
	}
}

// previousNames checks `previous_names` into d: a list of distinct, valid
// names other than the holdout's own. An empty list is the same as none.
func (c *checker) previousNames(d *doc, n *yaml.Node) {
	switch {
	case isAlias(n):
		return
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		c.errorf(n, CodeWrongType, "previous_names must be a list of names, not a string; write previous_names: [%s]", quote(n.Value))
		return
	case n.Kind != yaml.SequenceNode:
		c.errorf(n, CodeWrongType, "previous_names must be a list of names, not %s", describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for _, e := range n.Content {
		if isAlias(e) {
			continue
		}
		s, ok := c.str(e, "a previous name")
		if !ok {
			continue
		}
		switch {
		case canon.Strip(s) == "":
			c.errorf(e, CodeEmptyName, "previous name is empty; remove it from previous_names")
		case canon.Strip(s) != s:
			c.errorf(e, CodeNameWhitespace, "previous name %s has leading or trailing white space, so it can never match a PostHog name (PostHog trims them); remove the white space", quote(s))
		case strings.ContainsRune(s, 0):
			c.errorf(e, CodeNULCharacter, `previous name contains a NUL character ("\0"), so it can never match a PostHog name; remove it`)
		case utf8.RuneCountInString(s) > MaxNameLength:
			c.errorf(e, CodeTooLong, "previous name is %d characters long; names are limited to %d", utf8.RuneCountInString(s), MaxNameLength)
		case seen[s] != nil:
			c.errorf(e, CodeDuplicatePreviousName, "previous name %s is listed twice: already at %s; keep only one", quote(s), c.pos(seen[s]))
		case d.named && s == d.h.Name:
			c.errorf(e, CodePreviousNameIsName, "previous name %s is the holdout's own name; remove it from previous_names", quote(s))
		default:
			seen[s] = e
			d.h.PreviousNames = append(d.h.PreviousNames, s)
			d.prevPos = append(d.prevPos, c.pos(e))
		}
	}
}

// describeValue is describe(n), with the value of a scalar that is a
// number (".nan" reads better than "a number").
func describeValue(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!float" || n.ShortTag() == "!!int") {
		return n.Value
	}
	return describe(n)
}

// describe names the kind of value n is, for "must be X, not Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch tag := n.ShortTag(); tag {
	case "!!null":
		return "null"
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	case "!!str":
		return "a string"
	case "!!timestamp":
		return "a date"
	case "!!binary":
		return "binary data"
	default:
		return "a value tagged " + tag
	}
}

// quote quotes s for a message, shortening it past 60 characters so that one
// huge value does not drown the message.
func quote(s string) string {
	const limit = 60
	if utf8.RuneCountInString(s) <= limit {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:limit])) + "…"
}
