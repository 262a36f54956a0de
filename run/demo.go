package run

import (
	"errors"
	"fmt"
	"github.com/hogsync/hogsync/internal/words"
	"net"
	"net/http"
	"time"

	"github.com/hogsync/hogsync/client/posthogtest"
	"github.com/hogsync/hogsync/examples"
	"github.com/hogsync/hogsync/manifest"
)

type Demo struct{}

// Run starts the PostHog emulator on loopback, seeds it with holdouts that
// drifted from the built-in example manifests, and runs sync three times:
// dry, applied with --prune, and dry again, which must find nothing to do.
func (Demo) Run(e *env) error {
	emu := posthogtest.New()
	seedDemo(emu)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	host := "http://" + ln.Addr().String()

	const dir = "examples/manifests"
	project := fmt.Sprint(posthogtest.DefaultProject)
	base := Sync{Dir: dir, Remote: Remote{Host: host, Project: project}, Prune: true, Output: "text",
		set: settings{host: host, hostFrom: "the demo's emulator", project: project, projectFrom: "the demo's emulator", maxDeletes: -1},
		// One change at a time, so the demo prints the same every run.
		Pacing: Pacing{Parallelism: 1, Timeout: time.Minute},
		Conn:   Conn{RequestTimeout: 10 * time.Second, MaxRetryWait: time.Second, BudgetTimeScale: 1}}
	vs := newViews(e, &base)
	holdouts, err := manifest.LoadFS(examples.Manifests(), dir)
	if err := reportLoad(vs, manifest.Result{}, err); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "hogsync demo: a PostHog emulator listens on %s (project %s).\n", host, project)
	files := map[string]bool{}
	for _, h := range holdouts {
		files[h.Pos.File] = true
	}
	fmt.Fprintf(e.stdout, "Its holdouts have drifted from the %d example %s built into hogsync (%s), which describe %d %s.\n",
		len(files), words.Plural(len(files), "manifest", "manifests"), dir, len(holdouts), words.Plural(len(holdouts), "holdout", "holdouts"))
	e.red.add(posthogtest.DefaultKey)
	steps := []struct {
		title, command string
		apply, detail  bool
	}{
		{"1. Dry run: what would change", "hogsync sync --prune " + dir, false, false},
		{"2. Apply the plan", "hogsync sync --apply --prune " + dir, true, false},
		{"3. Dry run again: PostHog now matches the manifests", "hogsync sync --prune --detailed-exitcode " + dir, false, true},
	}
	for i, s := range steps {
		fmt.Fprintf(e.stdout, "\n=== %s ===\n$ %s\n\n", s.title, s.command)
		step := base
		step.Apply, step.DetailedExitcode = s.apply, s.detail
		load := func() ([]manifest.Holdout, error) { return holdouts, nil }
		if err := step.run(e, newViews(e, &step), load, posthogtest.DefaultKey); err != nil {
			var ee *exitError
			if errors.As(err, &ee) && ee.code == exitChanges {
				return fmt.Errorf("demo step %d: the last dry run still found changes; sync did not converge", i+1)
			}
			return fmt.Errorf("demo step %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(e.stdout, "\nTry it on your own project: export POSTHOG_PERSONAL_API_KEY=phx_... and run\n  hogsync sync --project <id> <your manifests dir>\n")
	return nil
}

// seedDemo gives the emulator a project that drifted from the examples:
// one holdout to update, one to rename, two to create, one to delete and
// one already right, with experiments using some of them.
func seedDemo(emu *posthogtest.Emulator) {
	const p = posthogtest.DefaultProject
	str := func(s string) *string { return &s }
	started := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	oldStart := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	ended := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

	checkout := emu.Seed(p, posthogtest.Holdout{
		Name:        "checkout-q4",
		Description: str("Held out of all checkout experiments in Q4 2026"),
		Filters:     []map[string]any{{"rollout_percentage": 5}},
	})
	// A draft: a running experiment would block the update without --force.
	emu.AddExperiment(p, posthogtest.Experiment{Name: "one-page-checkout", HoldoutID: checkout.ID})
	search := emu.Seed(p, posthogtest.Holdout{
		Name:    "search-holdout",
		Filters: []map[string]any{{"rollout_percentage": 7.5}},
	})
	// Running, but a rename touches no feature flag, so nothing blocks it.
	emu.AddExperiment(p, posthogtest.Experiment{Name: "semantic-search", StartDate: &started, HoldoutID: search.ID})
	emu.Seed(p, posthogtest.Holdout{
		Name:        "onboarding-2026",
		Description: str("Onboarding flow experiments"),
		Filters:     []map[string]any{{"rollout_percentage": 5.0}},
	})
	legacy := emu.Seed(p, posthogtest.Holdout{
		Name:        "signup-2025",
		Description: str("Made by hand in the PostHog UI last year"),
		Filters:     []map[string]any{{"rollout_percentage": 15}},
	})
	emu.AddExperiment(p, posthogtest.Experiment{Name: "signup-wizard", StartDate: &oldStart, EndDate: &ended, HoldoutID: legacy.ID})
}
