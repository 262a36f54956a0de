package run

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hogsync/hogsync/client"
)

// Each hint names what a user can check, the places a setting comes from
// (hogsync.yaml too) and, where PostHog's approval policies can answer,
// those.
func TestAPIHints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		detail string
		want   []string
	}{
		{http.StatusForbidden, "You do not have permission to perform this action.", []string{"approval policy", "hogsync.yaml's project"}},
		{http.StatusForbidden, "API key missing required scope 'experiment_holdout:write'", []string{"grant the scope named above"}},
		{http.StatusNotFound, "Not found.", []string{"hogsync.yaml's host", "enterprise edition (ee) serves no holdout routes"}},
		{http.StatusNotFound, "Project not found.", []string{"hogsync.yaml's project"}},
		{http.StatusBadRequest, "Change request required by policy", []string{"fix the field named above", "approval policy"}},
	}
	for _, tt := range tests {
		got := apiHint(&client.APIError{StatusCode: tt.status, Detail: tt.detail})
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("hint for %d %q = %q, lacks %q", tt.status, tt.detail, got, w)
			}
		}
	}
}
