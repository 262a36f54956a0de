package ghactions

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxSummary is the most GitHub accepts in $GITHUB_STEP_SUMMARY for one
// step (1 MiB); AppendSummary keeps what it writes under it.
const MaxSummary = 1_000_000

// escapeData escapes a workflow command's message as the Actions toolkit
// does (toolkit/packages/core/src/command.ts escapeData).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value (escapeProperty).
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// Annotation is an "::error file=…,line=…,col=…::message" workflow command
// that GitHub shows on the pull request's changed line.
func Annotation(level, file string, line, col int, msg string) string {
	return fmt.Sprintf("::%s file=%s,line=%d,col=%d::%s", level, escapeProperty(file), line, col, escapeData(msg))
}

// Warning is a "::warning::message" workflow command.
func Warning(msg string) string { return "::warning::" + escapeData(msg) }

// AppendSummary appends markdown to the job summary file at path, cut to
// MaxSummary bytes (on a rune boundary) with a note when it is longer.
func AppendSummary(path, markdown string) error {
	if len(markdown) > MaxSummary {
		const note = "\n\n> [!IMPORTANT]\n> Cut here: the job summary holds at most 1 MiB.\n"
		cut := MaxSummary - len(note)
		for cut > 0 && !utf8.RuneStart(markdown[cut]) {
			cut--
		}
		markdown = markdown[:cut] + note
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("job summary: %w", err)
	}
	if _, err := f.WriteString(markdown + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("job summary: %w", err)
	}
	return f.Close()
}

// SetOutputs appends name=value pairs to the step outputs file at path,
// each in the multi-line form with a random delimiter absent from its
// value, so no value can forge another output.
func SetOutputs(path string, outputs [][2]string) error {
	var b strings.Builder
	for _, kv := range outputs {
		name, value := kv[0], kv[1]
		// The runner reads a line as NAME=VALUE or NAME<<DELIMITER,
		// whichever sign comes first: a name holding "=", "<" (a name
		// ending in one makes "<<<"), or a line break could forge
		// another output. Names are what GitHub's docs allow.
		if !outputNameRE.MatchString(name) {
			return fmt.Errorf("step output name %q is not valid", name)
		}
		delim, err := delimiter(value)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", name, delim, value, delim)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("step outputs: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("step outputs: %w", err)
	}
	return f.Close()
}

var outputNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func delimiter(value string) (string, error) {
	for range 8 {
		var r [12]byte
		if _, err := rand.Read(r[:]); err != nil {
			return "", err
		}
		d := "ghadelimiter_" + hex.EncodeToString(r[:])
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
	return "", errors.New("step outputs: no delimiter fits the value")
}

// PullRequestNumber reads the pull request number from the event payload
// at path ($GITHUB_EVENT_PATH). ok is false for events that are not about
// a pull request.
func PullRequestNumber(path string) (n int, ok bool, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, false, fmt.Errorf("read the event payload: %w", err)
	}
	var ev struct {
		PullRequest *struct {
			Number int `json:"number"`
		} `json:"pull_request"`
		Issue *struct {
			Number      int              `json:"number"`
			PullRequest *json.RawMessage `json:"pull_request"`
		} `json:"issue"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return 0, false, fmt.Errorf("read the event payload: %w", err)
	}
	switch {
	case ev.PullRequest != nil && ev.PullRequest.Number > 0:
		return ev.PullRequest.Number, true, nil
	case ev.Issue != nil && ev.Issue.PullRequest != nil && ev.Issue.Number > 0:
		return ev.Issue.Number, true, nil
	}
	return 0, false, nil
}
