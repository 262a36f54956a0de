package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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
func CanonicalYAML(s State) string {
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
	return buf.String()
}

func addPair(m *yaml.Node, k string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, v)
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

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
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			ra, rb := rank(a), rank(b)
			if ra != rb {
				return ra - rb
			}
			return strings.Compare(a, b)
		})
		for _, k := range keys {
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
	Op   byte // ' ' unchanged, '-' removed, '+' added
	Text string
}

// Diff is the line diff from before to after ("" for a side that does not
// exist). It is deterministic: go-diff runs without a time limit.
func Diff(before, after string) []Line {
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

// ChangeDiff is the line diff of a change's canonical YAML.
func ChangeDiff(c Change) []Line {
	var before, after string
	if c.Before != nil {
		before = CanonicalYAML(*c.Before)
	}
	if c.After != nil {
		after = CanonicalYAML(*c.After)
	}
	return Diff(before, after)
}
