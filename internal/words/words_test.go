package words

import "testing"

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "holdouts", 1: "holdout", 2: "holdouts", -1: "holdouts"} {
		if got := Plural(n, "holdout", "holdouts"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
