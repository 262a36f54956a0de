// Package sync turns desired holdouts (from manifests) and remote holdouts
// (from PostHog) into a Plan, renders that plan for people and machines, and
// applies it.
//
// The flow is the one terraform made familiar, and each step is separate:
//
//	Compute(desired, remote, experiments, opts) -> Plan   pure, no I/O
//	RenderText(w, plan, opts)                              pure formatting
//	Apply(ctx, api, plan, opts) -> Report                  executes exactly the plan
//
// What is applied is what was reviewed: Apply never re-reads or re-compares
// remote state, it executes the Changes of the Plan it is given.
//
// The package name shadows the standard library's sync; a file needing both
// imports the standard one as stdsync.
package sync
