// Package ghactions is what hogsync needs of GitHub Actions: workflow
// command annotations escaped as the Actions toolkit escapes them, the job
// summary and step outputs files, the pull request an event is about, and
// one sticky pull request comment kept up to date through GitHub's REST
// API.
//
// It knows nothing of holdouts or plans: callers hand it text.
package ghactions
