package client

import "testing"

func TestExperimentState(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		e    Experiment
		want string
	}{
		{"no dates", Experiment{}, ExperimentDraft},
		{"empty start", Experiment{StartDate: s("")}, ExperimentDraft},
		{"started", Experiment{StartDate: s("2026-11-01T00:00:00Z")}, ExperimentRunning},
		{"started, empty end", Experiment{StartDate: s("2026-11-01T00:00:00Z"), EndDate: s("")}, ExperimentRunning},
		{"ended", Experiment{StartDate: s("2026-11-01T00:00:00Z"), EndDate: s("2026-11-20T00:00:00Z")}, ExperimentStopped},
		{"server status wins", Experiment{Status: "running"}, ExperimentRunning},
		{"paused", Experiment{Status: "paused", StartDate: s("2026-11-01T00:00:00Z")}, ExperimentPaused},
		{"exposure frozen", Experiment{Status: "exposure_frozen", StartDate: s("2026-11-01T00:00:00Z")}, ExperimentExposureFrozen},
		{"a status this client does not know", Experiment{Status: "launching"}, "launching"},
		{"server status wins over dates", Experiment{Status: "draft", StartDate: s("2026-11-01T00:00:00Z"), EndDate: s("2026-11-20T00:00:00Z")}, ExperimentDraft},
	}
	for _, tt := range tests {
		if got := tt.e.State(); got != tt.want {
			t.Errorf("%s: State() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestExperimentHoldoutID(t *testing.T) {
	if id, ok := (Experiment{}).HoldoutID(); ok || id != 0 {
		t.Errorf("no holdout: HoldoutID() = %d, %v", id, ok)
	}
	if id, ok := (Experiment{Holdout: &ExperimentHoldout{ID: 9}}).HoldoutID(); !ok || id != 9 {
		t.Errorf("holdout 9: HoldoutID() = %d, %v", id, ok)
	}
}
