package main

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hogsync schema prints exactly the checked-in schemas, which the manifest
// package's tests keep equal to what it makes.
func TestSchemaCommand(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		file string
	}{
		{[]string{"schema"}, "../../schema/holdout.schema.json"},
		{[]string{"schema", "--config"}, "../../schema/config.schema.json"},
	} {
		want, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		r := newHarness(t).run(tt.args...).must(t, exitOK)
		if d := cmp.Diff(string(want), r.stdout); d != "" {
			t.Errorf("hogsync %v differs from %s (-file +printed):\n%s", tt.args, tt.file, d)
		}
	}
}
