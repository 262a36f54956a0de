package sync

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

func withSource(id int64) func(*manifest.Holdout) {
	return func(h *manifest.Holdout) { h.SourceID = id }
}

func TestBuildIDMap(t *testing.T) {
	ms := []manifest.Holdout{
		desired("new", 1, withSource(10)),
		desired("same", 1, withSource(11)),
		desired("changed", 2, withSource(12)),
		desired("broken", 1, withSource(13)),
		desired("dup", 1, withSource(14)),
		desired("local-only", 1), // written by hand: no source id
	}
	rs := []client.Holdout{remote(100, "same", "1"), remote(101, "changed", "1"), remote(102, "dup", "1"), remote(103, "dup", "1")}
	p, err := Compute(ms, rs, []client.Experiment{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	api := &fakeAPI{nextID: 500, errs: map[string]error{"create broken": &client.APIError{Method: "POST", Path: "/x", StatusCode: http.StatusBadRequest}}}
	rep := Apply(context.Background(), api, p, ApplyOptions{})
	m := BuildIDMap(ms, p, rep, Meta{Host: "https://eu.posthog.com", Project: "2"})

	id := func(v int64) *int64 { return &v }
	want := IDMap{
		FormatVersion: "1", Host: "https://eu.posthog.com", Project: "2",
		IDs: map[string]int64{"10": 502, "11": 100, "12": 101}, // local-only took 501
		Holdouts: []IDMapEntry{
			{Name: "broken", SourceID: 13, Status: "failed"},
			{Name: "changed", SourceID: 12, TargetID: id(101), Status: "matched"},
			{Name: "dup", SourceID: 14, Status: "conflict"},
			{Name: "new", SourceID: 10, TargetID: id(502), Status: "created"},
			{Name: "same", SourceID: 11, TargetID: id(100), Status: "matched"},
		},
	}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("id map (-want +got):\n%s", d)
	}
}
