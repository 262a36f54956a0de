package action_test

// TestMain builds the hogsync binary these tests install with a nested
// `go build`. Importing what package main imports makes `go test ./...`
// compile it all before this test binary runs: the nested build then finds
// every package in the build cache and compiles only package main. Without
// these imports, on a cold cache, the nested build compiled the whole
// module and its dependencies a second time, beside the parent go test and
// on the same cores.
import (
	"os/exec"
	"strings"
	"testing"

	_ "github.com/alecthomas/kong"
	_ "github.com/hogsync/hogsync/run"
)

// Every package the nested build needs, but package main, is one this
// test binary links, so that go test has built it first.
func TestNestedBuildNeedsOnlyBuiltPackages(t *testing.T) {
	t.Parallel()
	list := func(args ...string) map[string]bool {
		out, err := exec.Command("go", append([]string{"list", "-deps"}, args...)...).Output()
		if err != nil {
			t.Fatalf("go list %v: %v", args, err)
		}
		pkgs := map[string]bool{}
		for _, p := range strings.Fields(string(out)) {
			pkgs[p] = true
		}
		return pkgs
	}
	linked := list("-test", ".")
	for p := range list("../cmd/hogsync") {
		if !linked[p] && p != "github.com/hogsync/hogsync/cmd/hogsync" {
			t.Errorf("the nested build of hogsync compiles %s, which this test binary does not import: import it in deps_test.go", p)
		}
	}
}
