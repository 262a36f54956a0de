package main

import (
	"errors"

	"github.com/hogsync/hogsync/run"
)

// planCmd is `hogsync plan`, terraform's word for a dry run: sync with
// every flag sync has, except that it never applies. The flags are
// syncCmd's own (embedded), so the two cannot drift apart.
type planCmd struct {
	syncCmd
}

// Run refuses what only an apply does, pointing at `hogsync apply`.
func (c *planCmd) Run(e *run.Env) error {
	for _, f := range []struct {
		set  bool
		flag string
	}{{c.Apply, "--apply"}, {c.Plan != "", "--plan"}, {c.IDMap != "", "--id-map"}, {c.ReviewedPlan != "off", "--reviewed-plan"}} {
		if f.set {
			return run.Usage(errors.New("plan never changes anything, so it takes no " + f.flag + ": run 'hogsync apply' with the same arguments to make the changes"))
		}
	}
	return c.syncCmd.run(e, "plan")
}

// applyCmd is `hogsync apply`: sync --apply. With --plan FILE it applies
// exactly the plan saved there by --plan-out.
type applyCmd struct {
	syncCmd
}

// Run makes the changes.
func (c *applyCmd) Run(e *run.Env) error {
	if c.DetailedExitcode {
		return run.Usage(errors.New("--detailed-exitcode describes a dry run's plan; apply makes the changes, so its exit code says whether they were made (use 'hogsync plan --detailed-exitcode' to check for changes)"))
	}
	if c.DriftIssue {
		return run.Usage(errors.New("--drift-issue reports drift from a dry run: use 'hogsync plan --drift-issue'"))
	}
	c.Apply = true
	return c.syncCmd.run(e, "apply")
}

// verbHiddenFlags are the flags of sync that plan and apply accept (the
// struct is shared) but do not show: on plan those of an apply, on apply
// the one it sets itself and the dry run's exit code.
var verbHiddenFlags = map[string][]string{
	"plan":  {"apply", "plan", "id-map", "reviewed-plan", "plan-workflow"},
	"apply": {"apply", "detailed-exitcode", "drift-issue"},
}
