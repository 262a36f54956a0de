package client

import (
	"bytes"
	"encoding/json"
	"reflect"
	"unsafe"
)

// What a decoded list item takes in memory, estimated from above on a
// 64-bit platform, for the listing's byte limit (listItem). The figures
// follow what encoding/json allocates: a map for each JSON object, with
// its slots in groups of eight; a growable slice for each array; a string
// for each string and each number (json.Number).
const (
	heldMapHeader = 48
	heldMapGroup  = 8 + 8*(16+16) // control word, eight string keys and any values
	heldSliceElem = 2 * 16        // an any, with room to grow
	heldString    = 16
	heldBoxed     = 16 // a boolean, null or other scalar in an any
)

func (h Holdout) listID() int64 { return h.ID }

// maxHoldoutBytes is the most one holdout of a list may take on the wire:
// PostHog's take a few kilobytes, a manifest file at most 1 MiB, and a
// holdout of empty objects this large takes about 130 MB once decoded.
const maxHoldoutBytes = 8 << 20

func (Holdout) wireLimit() int64 { return maxHoldoutBytes }

// An experiment keeps a few strings of what PostHog sends (its flag and
// metrics, which can be large, are skipped as they are read), so the
// list's byte limit bounds it alone.
func (Experiment) wireLimit() int64 { return 0 }

// heldBytes is what the holdout takes, its filters' text included, and
// what its filters take once decoded: a plan decodes those of the
// holdouts it changes or deletes, an export every one.
func (h Holdout) heldBytes() int64 {
	n := int64(unsafe.Sizeof(h)) + int64(len(h.Name)+len(h.CreatedAt)+len(h.UpdatedAt)) + int64(cap(h.Filters))
	if h.Description != nil {
		n += heldString + int64(len(*h.Description))
	}
	decoded, _ := scanFilters(h.Filters)
	return n + decoded
}

// check refuses a holdout whose filters are not filter groups, with the
// error encoding/json gave when the client decoded them.
func (h Holdout) check() error {
	_, err := scanFilters(h.Filters)
	return err
}

// Experiments are decoded into their fields alone.
func (Experiment) check() error { return nil }

func (e Experiment) listID() int64 { return e.ID }

func (e Experiment) heldBytes() int64 {
	n := int64(unsafe.Sizeof(e)) + int64(len(e.Name)+len(e.Status)+len(e.FeatureFlagKey))
	for _, s := range []*string{e.StartDate, e.EndDate} {
		if s != nil {
			n += heldString + int64(len(*s))
		}
	}
	if e.Holdout != nil {
		n += int64(unsafe.Sizeof(*e.Holdout)) + int64(len(e.Holdout.Name))
	}
	return n
}

// heldValue is what a value decoded from JSON into an any takes.
func heldValue(v any) int64 {
	switch v := v.(type) {
	case map[string]any:
		n := int64(heldMapHeader) + int64(heldMapGroup)*int64((len(v)+7)/8)
		for k, e := range v {
			n += int64(len(k)) + heldValue(e)
		}
		return n
	case []any:
		n := int64(24) + int64(heldSliceElem)*int64(len(v))
		for _, e := range v {
			n += heldValue(e)
		}
		return n
	case string:
		return heldString + int64(len(v))
	case json.Number:
		return heldString + int64(len(v))
	default:
		return heldBoxed
	}
}

var (
	groupsType = reflect.TypeFor[[]map[string]any]()
	groupType  = reflect.TypeFor[map[string]any]()
)

// scanFilters reads filters, JSON text as the decoder found it, and
// returns what they take once decoded into a []map[string]any (as
// heldValue counts it), or the error decoding them gives: they must be
// null or a list of objects and nulls.
func scanFilters(filters []byte) (int64, error) {
	s := heldScanner{b: filters}
	s.space()
	if s.end() {
		return 0, nil
	}
	switch c := s.b[s.i]; c {
	case 'n':
		return 0, nil
	case '[':
	default:
		return 0, filtersError(c, groupsType)
	}
	s.i++
	var n int64
	var bad error
	for count := int64(0); ; count++ {
		s.space()
		if s.end() || s.b[s.i] == ']' {
			return n + 8*count, bad
		}
		if s.b[s.i] == ',' {
			s.i++
			s.space()
		}
		if c := s.peek(); c != '{' && c != 'n' && bad == nil {
			bad = filtersError(c, groupType)
		}
		if s.peek() == 'n' {
			s.value()
			n += heldMapHeader // a nil map
			continue
		}
		n += s.value()
	}
}

// filtersError is the error encoding/json gives for a value that starts
// with c where it wants a value of type t, in a Holdout's filters.
func filtersError(c byte, t reflect.Type) error {
	kind := "number"
	switch c {
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case '"':
		kind = "string"
	case 't', 'f':
		kind = "bool"
	}
	return &json.UnmarshalTypeError{Value: kind, Type: t, Struct: "Holdout", Field: "filters"}
}

// heldScanner walks JSON text the decoder has already checked, adding up
// what its values take once decoded. It stops at the end of the text
// whatever the text holds.
type heldScanner struct {
	b []byte
	i int
}

func (s *heldScanner) end() bool { return s.i >= len(s.b) }

func (s *heldScanner) peek() byte {
	if s.end() {
		return 0
	}
	return s.b[s.i]
}

func (s *heldScanner) space() {
	for !s.end() && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// value reads past one value and returns what it takes decoded.
func (s *heldScanner) value() int64 {
	s.space()
	if s.end() {
		return 0
	}
	switch s.b[s.i] {
	case '{':
		s.i++
		var n, count int64
		for {
			s.space()
			if s.end() || s.b[s.i] == '}' {
				s.i++
				return n + heldMapHeader + heldMapGroup*((count+7)/8)
			}
			if s.b[s.i] == ',' {
				s.i++
				continue
			}
			n += s.str() - heldString // the key, as heldValue counts it
			s.space()
			if !s.end() && s.b[s.i] == ':' {
				s.i++
			}
			n += s.value()
			count++
		}
	case '[':
		s.i++
		var n, count int64
		for {
			s.space()
			if s.end() || s.b[s.i] == ']' {
				s.i++
				return n + 24 + heldSliceElem*count
			}
			if s.b[s.i] == ',' {
				s.i++
				continue
			}
			n += s.value()
			count++
		}
	case '"':
		return s.str()
	case 't', 'f', 'n':
		for !s.end() && s.b[s.i] >= 'a' && s.b[s.i] <= 'z' {
			s.i++
		}
		return heldBoxed
	default: // a number
		start := s.i
		for !s.end() && bytes.IndexByte([]byte("+-.0123456789eE"), s.b[s.i]) >= 0 {
			s.i++
		}
		if s.i == start {
			s.i++ // not JSON: move on all the same
		}
		return heldString + int64(s.i-start)
	}
}

// str reads past a string and returns what it takes decoded (its length
// as written: escapes make it no shorter than decoded).
func (s *heldScanner) str() int64 {
	start := s.i
	for s.i++; !s.end(); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return heldString + int64(s.i-start-2)
		}
	}
	return heldString + int64(s.i-start)
}
