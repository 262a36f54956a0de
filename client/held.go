package client

import (
	"encoding/json"
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

func (h Holdout) heldBytes() int64 {
	n := int64(unsafe.Sizeof(h)) + int64(len(h.Name)+len(h.CreatedAt)+len(h.UpdatedAt)) + 8*int64(cap(h.Filters))
	if h.Description != nil {
		n += heldString + int64(len(*h.Description))
	}
	for _, g := range h.Filters {
		n += heldValue(g)
	}
	return n
}

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
