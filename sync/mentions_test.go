package sync

import (
	"bytes"
	"errors"
	"html"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/manifest"
)

// linky is text GitHub would make a mention, an autolink or a
// cross-reference of, were it shown as it is outside code.
const linky = "@org/team www.example.com https://x.example owner/repo#1 #12 GH-12 a@b.example"

// linkyMarkdown is every markdown hogsync writes for GitHub, built from
// names, descriptions, paths, experiment names, errors and reasons that
// hold linky: a plan (the PR comment and job summary), an apply result, a
// refusal, a failure to plan and a drift issue body.
func linkyMarkdown(t *testing.T) map[string]string {
	t.Helper()
	ms := []manifest.Holdout{
		func() manifest.Holdout {
			h := desired("new "+linky, 10, withDescription("see "+linky))
			h.Pos.File = "m/@org/team/#12.yaml"
			return h
		}(),
		desired("kept", 20, withDescription("kept "+linky)),
	}
	rs := []client.Holdout{remote(2, "kept", "10"), remote(3, "gone "+linky, "1"), remote(4, "prot "+linky, "1")}
	exps := []client.Experiment{{ID: 5, Name: "exp " + linky, Holdout: &client.ExperimentHoldout{ID: 2}}}
	p, err := Compute(ms, rs, exps, Options{Prune: true, Force: true, Protect: []string{"prot*"}})
	if err != nil {
		t.Fatal(err)
	}
	meta := Meta{Host: "https://us.posthog.com", Project: "1"}
	render := func(meta Meta, rep *Report, opts MarkdownOptions) string {
		var b bytes.Buffer
		if err := RenderMarkdown(&b, p, meta, rep, opts); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	var results []Result
	for _, c := range p.Changes {
		results = append(results, Result{Change: c, Status: Failed, Err: errors.New("PostHog said " + linky)})
	}
	refused := meta
	refused.Refused = "the reviewed plan is stale: " + linky
	var failure bytes.Buffer
	if err := RenderMarkdownFailure(&failure, "1", "manifest "+linky+" is broken", MarkdownOptions{Marker: "hogsync-plan:x"}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"plan":    render(meta, nil, MarkdownOptions{Marker: "hogsync-plan:x"}),
		"apply":   render(meta, &Report{Results: results, VerifyErr: errors.New("verify " + linky)}, MarkdownOptions{Marker: "hogsync-plan:x"}),
		"refusal": render(refused, nil, MarkdownOptions{Marker: "hogsync-plan:x"}),
		"failure": failure.String(),
		// as cmd/hogsync builds a drift issue's body
		"drift": "<!-- hogsync-drift:x -->\n" + render(meta, nil, MarkdownOptions{}),
	}
}

// GitHub's patterns, on text as shown (character references decoded).
var githubLinks = map[string]*regexp.Regexp{
	"mention":         regexp.MustCompile(`(?:^|[^A-Za-z0-9_` + "`" + `])@[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9_.-]+)?`),
	"reference":       regexp.MustCompile(`(?:^|[^A-Za-z0-9_&])#[0-9]+|[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+[#@][0-9A-Za-z]+|(?i:\bgh-[0-9]+)`),
	"www autolink":    regexp.MustCompile(`(?i)\bwww\.`),
	"url autolink":    regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://`),
	"email autolink":  regexp.MustCompile(`[A-Za-z0-9._+-]+@[A-Za-z0-9-]+\.[A-Za-z]`),
	"hogsync's links": regexp.MustCompile(`(?i)<a[\s>]`),
}

func findLinks(text string) []string {
	var found []string
	for name, re := range githubLinks {
		if m := re.FindString(text); m != "" {
			found = append(found, name+" "+m)
		}
	}
	return found
}

var fenceLine = regexp.MustCompile("^(`{3,})")

// shownOutsideFences is markdown with its fenced code blocks left out and
// character references decoded: the text GitHub scans, and (stricter than
// GitHub, which skips them too) inline code with it.
func shownOutsideFences(md string) string {
	var b strings.Builder
	fence := ""
	for _, l := range strings.Split(md, "\n") {
		if m := fenceLine.FindString(l); m != "" && (fence == "" || strings.TrimRight(l, " ") == fence) {
			if fence == "" {
				fence = m
			} else {
				fence = ""
			}
			continue
		}
		if fence == "" {
			b.WriteString(l + "\n")
		}
	}
	return html.UnescapeString(b.String())
}

// TestMarkdownMakesNoLinks (Go only, always runs): no markdown hogsync
// writes holds, outside code blocks, a mention, an autolink or a
// cross-reference made of text from manifests or PostHog, which is there
// (word joiners aside).
func TestMarkdownMakesNoLinks(t *testing.T) {
	t.Parallel()
	if len(findLinks(linky)) < 5 {
		t.Fatalf("the patterns miss the raw text: %v", findLinks(linky))
	}
	for name, md := range linkyMarkdown(t) {
		text := shownOutsideFences(md)
		if !strings.Contains(strings.ReplaceAll(text, escape.WordJoiner, ""), linky) {
			t.Errorf("%s: the text is not shown at all:\n%s", name, md)
		}
		if found := findLinks(text); len(found) > 0 {
			t.Errorf("%s: GitHub would make %q of:\n%s", name, found, md)
		}
	}
}

var (
	htmlTag   = regexp.MustCompile(`<(/?)([A-Za-z]+)[^>]*>`)
	skipsText = map[string]bool{"code": true, "pre": true, "a": true}
)

// textOutsideCode is the text of rendered HTML outside <code>, <pre> and
// <a>, where GitHub makes mentions and references.
func textOutsideCode(page string) string {
	var b strings.Builder
	depth := 0
	last := 0
	for _, m := range htmlTag.FindAllStringSubmatchIndex(page, -1) {
		if depth == 0 {
			b.WriteString(html.UnescapeString(page[last:m[0]]))
		}
		last = m[1]
		if tag := strings.ToLower(page[m[4]:m[5]]); skipsText[tag] {
			if m[3] > m[2] {
				depth--
			} else {
				depth++
			}
		}
	}
	if depth == 0 {
		b.WriteString(html.UnescapeString(page[last:]))
	}
	return b.String()
}

// TestMarkdownMakesNoLinksCmarkGFM renders the markdown as GitHub does
// (cmark-gfm with its autolink extension, raw HTML kept) and finds no
// link at all, and no mention or reference outside code.
func TestMarkdownMakesNoLinksCmarkGFM(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("cmark-gfm")
	if err != nil {
		t.Skip("cmark-gfm is not installed (apt-get install cmark-gfm); TestMarkdownMakesNoLinks checks without it")
	}
	render := func(md string) string {
		cmd := exec.Command(bin, "-e", "autolink", "-e", "table", "-e", "strikethrough", "--unsafe")
		cmd.Stdin = strings.NewReader(md)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("cmark-gfm: %v", err)
		}
		return string(out)
	}
	// The check finds what it is for when the text is left as it is.
	if raw := render("Named " + linky + ".\n"); len(findLinks(textOutsideCode(raw))) < 2 || !strings.Contains(raw, "<a ") {
		t.Fatalf("the check finds no link in unescaped text: %s", raw)
	}
	for name, md := range linkyMarkdown(t) {
		page := render(md)
		if strings.Contains(page, "<a ") {
			t.Errorf("%s: cmark-gfm made a link:\n%s", name, page)
		}
		text := textOutsideCode(page)
		if !strings.Contains(strings.ReplaceAll(page, escape.WordJoiner, ""), "owner/repo#1") {
			t.Errorf("%s: the text is not on the page:\n%s", name, page)
		}
		if found := findLinks(text); len(found) > 0 {
			t.Errorf("%s: GitHub would make %q of:\n%s", name, found, page)
		}
	}
}
