// Package ghactions is what hogsync needs of GitHub Actions: workflow
// command annotations escaped as the Actions toolkit escapes them, the job
// summary and step outputs files, the pull request an event is about, and
// a small client of GitHub's REST API (Client) that keeps one sticky
// comment per marker, finds the plan reviewed on a merged pull request
// (a workflow artifact), and keeps one drift issue per marker.
//
// The client only ever edits comments and issues written by the token's
// own account, is bounded by its caller's context and a per-request
// timeout, and never puts the token in an error.
//
// It knows nothing of holdouts or plans: callers hand it text and bytes.
package ghactions
