package run

import (
	"strings"
	"testing"
)

func TestBudgetWarning(t *testing.T) {
	t.Parallel()
	if w := budgetWarning(4800); w != "" {
		t.Errorf("4,800 changes fit the hourly budget, got %q", w)
	}
	if w := budgetWarning(4801); !strings.Contains(w, "4801 changes, more than the 4800 requests an hour") {
		t.Errorf("4,801 changes: %q", w)
	}
}
