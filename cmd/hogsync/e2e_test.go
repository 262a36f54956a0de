package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

const checkoutYAML = `name: checkout-q4
description: Held out of checkout tests
filters:
  - rollout_percentage: 10
    properties:
      - key: country
        type: person
        operator: exact
        value: [US, CA]
`

func seed(h *harness, name string, desc *string, groups ...map[string]any) posthogtest.Holdout {
	return h.emu.Seed(posthogtest.DefaultProject, posthogtest.Holdout{Name: name, Description: desc, Filters: groups})
}

func sp(s string) *string { return &s }

func TestSyncCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("checkout.yaml", checkoutYAML)

	dry := h.sync("--detailed-exitcode").must(t, exitChanges)
	if got := dry.lastLine(); got != "Plan: 1 to create, 0 to update, 0 to delete." {
		t.Errorf("summary = %q", got)
	}
	if len(h.emu.Holdouts(1)) != 0 {
		t.Fatal("a dry run created a holdout")
	}
	h.golden("e2e/create-dry.golden", dry.stdout)

	ap := h.sync("--apply").must(t, exitOK)
	h.golden("e2e/create-apply.golden", ap.stdout)
	got := h.emu.Holdouts(1)
	if len(got) != 1 {
		t.Fatalf("holdouts = %v, want 1", got)
	}
	x := got[0]
	if x.Name != "checkout-q4" || x.Description == nil || *x.Description != "Held out of checkout tests" {
		t.Errorf("stored %q / %v", x.Name, x.Description)
	}
	raw, _ := json.Marshal(x.Filters)
	want := fmt.Sprintf(`[{"properties":[{"key":"country","operator":"exact","type":"person","value":["US","CA"]}],"rollout_percentage":10,"variant":"holdout-%d"}]`, x.ID)
	if string(raw) != want {
		t.Errorf("stored filters\n got %s\nwant %s", raw, want)
	}

	h.sync("--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}

func TestSyncUpdatesEachField(t *testing.T) {
	t.Parallel()
	base := map[string]any{"rollout_percentage": 10, "properties": []any{map[string]any{"key": "country", "type": "person", "operator": "exact", "value": []any{"US", "CA"}}}}
	desc := func(x posthogtest.Holdout) string {
		if x.Description == nil {
			return ""
		}
		return *x.Description
	}
	filters := func(x posthogtest.Holdout) string { b, _ := json.Marshal(x.Filters); return string(b) }
	tests := []struct {
		name     string
		manifest string
		diff     []string                       // lines the plan must show
		stored   func(posthogtest.Holdout) bool // what PostHog must hold after the apply
	}{
		{"description", strings.Replace(checkoutYAML, "Held out of checkout tests", "Held out of all checkout tests", 1),
			[]string{"    - description: Held out of checkout tests", "    + description: Held out of all checkout tests"},
			func(x posthogtest.Holdout) bool { return desc(x) == "Held out of all checkout tests" }},
		{"description removed", strings.Replace(checkoutYAML, "description: Held out of checkout tests\n", "", 1),
			[]string{"    - description: Held out of checkout tests"},
			func(x posthogtest.Holdout) bool { return desc(x) == "" }},
		{"rollout_percentage", strings.Replace(checkoutYAML, "rollout_percentage: 10", "rollout_percentage: 12.5", 1),
			[]string{"    -   - rollout_percentage: 10", "    +   - rollout_percentage: 12.5"},
			func(x posthogtest.Holdout) bool { return strings.Contains(filters(x), `"rollout_percentage":12.5`) }},
		{"property value", strings.Replace(checkoutYAML, "[US, CA]", "[US]", 1),
			[]string{"    -         value: [US, CA]", "    +         value: [US]"},
			func(x posthogtest.Holdout) bool { return strings.Contains(filters(x), `"value":["US"]`) }},
		{"properties removed", "name: checkout-q4\ndescription: Held out of checkout tests\nfilters:\n  - rollout_percentage: 10\n",
			[]string{"    -     properties:", "    -       - key: country"},
			func(x posthogtest.Holdout) bool { return !strings.Contains(filters(x), "country") }},
		{"second group", checkoutYAML + "  - rollout_percentage: 3\n",
			[]string{"    +   - rollout_percentage: 3"},
			func(x posthogtest.Holdout) bool {
				return len(x.Filters) == 2 && strings.Contains(filters(x), `"rollout_percentage":3`)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			before := seed(h, "checkout-q4", sp("Held out of checkout tests"), base)
			h.write("checkout.yaml", tt.manifest)

			dry := h.sync().must(t, exitOK)
			dry.contains(t, fmt.Sprintf(`~ update holdout "checkout-q4" (id %d)`, before.ID))
			dry.contains(t, tt.diff...)
			if !strings.HasSuffix(dry.stdout, "\nPlan: 0 to create, 1 to update, 0 to delete.\n"+dryRunClosing) {
				t.Errorf("stdout does not end with the summary and the closing line:\n%s", dry.stdout)
			}
			h.sync("--apply").must(t, exitOK).contains(t, fmt.Sprintf(`~ updated holdout "checkout-q4" (id %d)`, before.ID), "Apply complete: 0 created, 1 updated, 0 deleted.")
			after, ok := h.emu.Holdout(1, before.ID)
			if !ok {
				t.Fatal("holdout gone after update")
			}
			if !tt.stored(after) {
				t.Errorf("PostHog holds description %q, filters %s", desc(after), filters(after))
			}
			if len(h.emu.Holdouts(1)) != 1 {
				t.Errorf("update created another holdout: %v", h.state())
			}
			h.sync("--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
		})
	}
}

func TestSyncRenameKeepsID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	old := seed(h, "search-holdout", nil, map[string]any{"rollout_percentage": 7.5})
	h.emu.AddExperiment(1, posthogtest.Experiment{Name: "semantic-search", HoldoutID: old.ID})
	h.write("search.yaml", "name: search-2026\nprevious_names: [search-holdout]\nfilters:\n  - rollout_percentage: 7.5\n")

	h.sync().must(t, exitOK).contains(t,
		fmt.Sprintf(`~ rename holdout "search-holdout" to "search-2026" (id %d)`, old.ID),
		"    - name: search-holdout", "    + name: search-2026",
		`"semantic-search" (id 1, draft)`)
	h.sync("--apply", "--prune").must(t, exitOK)
	if d := cmp.Diff(map[int64]string{old.ID: "search-2026"}, h.names()); d != "" {
		t.Errorf("holdouts after rename (-want +got):\n%s", d)
	}
	if x := h.emu.Experiments(1); len(x) != 1 || x[0].HoldoutID != old.ID {
		t.Errorf("experiment lost its holdout link: %+v", x)
	}
	h.sync("--detailed-exitcode", "--prune").must(t, exitOK)
}

func TestSyncUnmanagedAndPrune(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("checkout.yaml", checkoutYAML)
	manual := seed(h, "made-by-hand", nil, map[string]any{"rollout_percentage": 3})

	// Without --prune: listed as unmanaged, never deleted.
	h.sync("--apply").must(t, exitOK).contains(t,
		"1 holdout in PostHog is not in any manifest; it is left alone (--prune would delete it):",
		fmt.Sprintf(`  "made-by-hand" (id %d)`, manual.ID))
	if _, ok := h.emu.Holdout(1, manual.ID); !ok {
		t.Fatal("unmanaged holdout deleted without --prune")
	}
	h.sync("--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")

	// With --prune: planned, then deleted.
	h.sync("--prune", "--detailed-exitcode").must(t, exitChanges).contains(t,
		fmt.Sprintf(`- delete holdout "made-by-hand" (id %d)`, manual.ID),
		"Plan: 0 to create, 0 to update, 1 to delete.")
	if _, ok := h.emu.Holdout(1, manual.ID); !ok {
		t.Fatal("a dry run with --prune deleted a holdout")
	}
	h.sync("--prune", "--apply").must(t, exitOK).contains(t, fmt.Sprintf(`- deleted holdout "made-by-hand" (id %d)`, manual.ID))
	if _, ok := h.emu.Holdout(1, manual.ID); ok {
		t.Fatal("holdout survived --prune --apply")
	}
	h.sync("--prune", "--detailed-exitcode").must(t, exitOK).contains(t, "No changes.")
}

func TestSyncIgnoresServerVariantAndNumberForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Stored as PostHog stores it: variant added, 10.0, keys in another order,
	// description null, an empty properties list.
	seed(h, "pricing", nil, map[string]any{"variant": "holdout-1", "properties": []any{}, "rollout_percentage": json.Number("10.0")})
	h.write("pricing.yaml", "name: pricing\nfilters:\n  - rollout_percentage: 10\n")
	r := h.sync("--detailed-exitcode").must(t, exitOK)
	if strings.Contains(r.stdout, "variant") || r.lastLine() != "No changes." {
		t.Errorf("plan shows a difference:\n%s", r.stdout)
	}
}

func TestSyncConflictTouchesNeither(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := seed(h, "dup", nil, map[string]any{"rollout_percentage": 1})
	b := seed(h, "dup", nil, map[string]any{"rollout_percentage": 2})
	h.write("dup.yaml", "name: dup\nfilters:\n  - rollout_percentage: 5\n")
	h.write("other.yaml", "name: other\nfilters:\n  - rollout_percentage: 5\n")
	before := h.emu.Holdouts(1)

	r := h.sync("--apply", "--prune").must(t, exitFailure)
	r.contains(t, `! conflict: holdout "dup" matches 2 holdouts in PostHog; none is touched`,
		fmt.Sprintf("id %d", a.ID), fmt.Sprintf("id %d", b.ID), "1 conflict:")
	after := h.emu.Holdouts(1)
	// The independent create went ahead; both "dup" holdouts are untouched
	// (same content, same updated_at: no request reached them).
	if len(after) != 3 {
		t.Fatalf("holdouts after = %d, want 3 (2 dup + other)", len(after))
	}
	if d := cmp.Diff(before, after[:2]); d != "" {
		t.Errorf("conflicting holdouts changed (-before +after):\n%s", d)
	}
	for _, req := range h.emu.Requests() {
		if req.Method != http.MethodGet && req.Method != http.MethodPost {
			t.Errorf("request %s %s touched a holdout", req.Method, req.Path)
		}
	}
}

func TestSyncRefusesPruneWithNoManifests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	seed(h, "a", nil, map[string]any{"rollout_percentage": 1})
	r := h.sync("--apply", "--prune").must(t, exitFailure)
	r.contains(t, "refusing to prune with zero manifests")
	if len(h.emu.Holdouts(1)) != 1 {
		t.Fatal("holdout deleted")
	}
}

func TestSyncMaxDeletes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("keep.yaml", "name: keep\nfilters:\n  - rollout_percentage: 1\n")
	for _, n := range []string{"x", "y", "z"} {
		seed(h, n, nil, map[string]any{"rollout_percentage": 1})
	}
	h.sync("--apply", "--prune", "--max-deletes", "2").must(t, exitFailure).contains(t,
		"refusing a plan that deletes 3 holdouts: the limit is 2, set by --max-deletes", "Nothing was changed")
	if len(h.emu.Holdouts(1)) != 3 {
		t.Fatalf("holdouts = %v, want the 3 untouched (and keep not created)", h.state())
	}
	h.sync("--apply", "--prune", "--max-deletes", "3").must(t, exitOK)
	if d := cmp.Diff([]string{"keep"}, func() []string {
		var n []string
		for _, x := range h.emu.Holdouts(1) {
			n = append(n, x.Name)
		}
		return n
	}()); d != "" {
		t.Errorf("after apply (-want +got):\n%s", d)
	}
}

func TestSyncPaginationListsEverything(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.emu.SetShuffle(42)
	for i := 0; i < 250; i++ {
		seed(h, fmt.Sprintf("h-%03d", i), nil, map[string]any{"rollout_percentage": 1})
	}
	h.write("one.yaml", "name: h-000\nfilters:\n  - rollout_percentage: 1\n")
	h.emu.ResetRequests()
	r := h.sync().must(t, exitOK)
	r.contains(t, "249 holdouts in PostHog are not in any manifest", `"h-249"`, "No changes.")
	lists := 0
	for _, req := range h.emu.Requests() {
		if req.Method == http.MethodGet && strings.Contains(req.Path, "experiment_holdouts") {
			lists++
		}
	}
	// 250 holdouts at the client's page size of 1000: one page, no more.
	if lists != 1 {
		t.Errorf("list requests = %d, want 1", lists)
	}
}

func TestSyncTarget(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
	h.write("b.yaml", "name: b\nfilters:\n  - rollout_percentage: 1\n")
	h.sync("--apply", "--target", "b").must(t, exitOK).contains(t, "Apply complete: 1 created, 0 updated, 0 deleted.")
	if d := cmp.Diff(map[int64]string{1: "b"}, h.names()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	h.sync("--target", "nope").must(t, exitFailure).contains(t, `--target "nope" matches no manifest`)
}

func TestSyncEnvironmentVariables(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
	h.env["POSTHOG_HOST"] = h.srv.URL
	h.env["POSTHOG_PROJECT_ID"] = "1"
	h.run("sync", h.dir, "--apply").must(t, exitOK)
	if len(h.emu.Holdouts(1)) != 1 {
		t.Fatal("POSTHOG_HOST/POSTHOG_PROJECT_ID not used")
	}
}

func TestSyncAPIKeyFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
	keyFile := h.t.TempDir() + "/key"
	if err := os.WriteFile(keyFile, []byte(h.key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	delete(h.env, "POSTHOG_PERSONAL_API_KEY")
	h.sync("--apply", "--api-key-file", keyFile).must(t, exitOK)
	if len(h.emu.Holdouts(1)) != 1 {
		t.Fatal("not applied with --api-key-file")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("ok.yaml", checkoutYAML)
	h.run("validate", h.dir).must(t, exitOK).contains(t, "1 holdout is valid.")
	h.write("bad.yaml", "name: bad\nfiltres:\n  - rollout_percentage: 150\n---\nname: bad2\nfilters:\n  - rollout_percentage: 101\n")
	r := h.run("validate", h.dir).must(t, exitFailure)
	r.contains(t, "bad.yaml:2:1:", "did you mean \"filters\"?", "bad.yaml:7:25:", "problems in manifests")
	if r.stdout != "" {
		t.Errorf("validate printed to stdout on failure: %q", r.stdout)
	}
	// sync reads PostHog while it parses the manifests, but changes
	// nothing when they are broken.
	h.emu.ResetRequests()
	h.sync("--apply").must(t, exitFailure).contains(t, "nothing was changed in PostHog")
	for _, q := range h.emu.Requests() {
		if q.Method != http.MethodGet {
			t.Errorf("%s %s sent with broken manifests", q.Method, q.Path)
		}
	}
}

func TestUsageErrorExits80(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.run("sync", "--no-such-flag").must(t, exitUsage)
	h.run("frobnicate").must(t, exitUsage)
	if os.Getenv("POSTHOG_PROJECT_ID") == "" { // kong reads the real environment
		h.run("sync", h.dir).must(t, exitUsage).contains(t, "no project: pass --project ID, set POSTHOG_PROJECT_ID, or name the project in the manifest directory's hogsync.yaml")
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := h.run(args...).must(t, exitOK)
		if !strings.HasPrefix(r.stdout, "hogsync dev (commit ") || !strings.Contains(r.stdout, "go1.") {
			t.Errorf("%v printed %q", args, r.stdout)
		}
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("demo").must(t, exitOK)
	parts := strings.Split(r.stdout, "=== ")
	if len(parts) != 4 {
		t.Fatalf("demo printed %d steps, want 3:\n%s", len(parts)-1, r.stdout)
	}
	dry, apply, again := parts[1], parts[2], parts[3]
	for _, want := range []string{"+ create holdout", "~ update holdout", "~ rename holdout", "- delete holdout", "Plan: 2 to create, 2 to update, 1 to delete."} {
		if !strings.Contains(dry, want) {
			t.Errorf("first dry run lacks %q:\n%s", want, dry)
		}
	}
	if !strings.Contains(apply, "Apply complete: 2 created, 2 updated, 1 deleted.") {
		t.Errorf("apply step:\n%s", apply)
	}
	if !strings.Contains(again, "\nNo changes.\n") {
		t.Errorf("last dry run:\n%s", again)
	}
	h.golden("e2e/demo.golden", r.stdout)
}

func TestValidateMissingDirectory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("validate", h.dir+"/nope").must(t, exitUsage)
	r.contains(t, `no such file or directory`)
	if strings.Contains(r.stderr, "Hint") {
		t.Errorf("a missing directory got a network hint:\n%s", r.stderr)
	}
}

// A name may hold a comma; --target takes it whole.
func TestSyncTargetWithComma(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", "name: \"checkout, EU\"\nfilters:\n  - rollout_percentage: 1\n---\nname: other\nfilters:\n  - rollout_percentage: 1\n")
	h.sync("--apply", "--target", "checkout, EU").must(t, exitOK).contains(t, "Apply complete: 1 created")
	if d := cmp.Diff(map[int64]string{1: "checkout, EU"}, h.names()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
