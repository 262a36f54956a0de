package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/hogsync/hogsync/internal/words"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

var sampleMeta = Meta{Version: "v0.0.0-test", Host: "https://us.posthog.com", Project: "12345", Prune: true}

func TestRenderJSONGolden(t *testing.T) {
	p := samplePlan(t)
	var plan bytes.Buffer
	if err := RenderJSON(&plan, p, sampleMeta, nil); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.json.golden", plan.Bytes())

	rep := Apply(context.Background(), &fakeAPI{nextID: 100, errs: map[string]error{
		"update 2": &client.APIError{Method: "PATCH", Path: "/api/projects/12345/experiment_holdouts/2/", StatusCode: 409, Code: "approval_required", Detail: "A change request has been created and is pending approval.", ChangeRequestID: "4ab016da-9064-4395-9155-8f3f9fc711e2"},
	}}, p, ApplyOptions{})
	meta := sampleMeta
	meta.Apply = true
	var applied bytes.Buffer
	if err := RenderJSON(&applied, p, meta, &rep); err != nil {
		t.Fatal(err)
	}
	golden(t, "apply.json.golden", applied.Bytes())
}

// The JSON document is a contract: these fields must stay where they are.
func TestRenderJSONContract(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderJSON(&buf, samplePlan(t), sampleMeta, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion string `json:"format_version"`
		Changes       []struct {
			Action      string `json:"action"`
			Name        string `json:"name"`
			ID          *int64 `json:"id"`
			Experiments []struct {
				Name string `json:"name"`
			} `json:"experiments"`
			After *struct {
				Filters []map[string]any `json:"filters"`
			} `json:"after"`
		} `json:"changes"`
		Summary struct {
			Create, Update, Delete int
			HasChanges             bool `json:"has_changes"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != "1" {
		t.Errorf("format_version = %q", doc.FormatVersion)
	}
	var got []string
	for _, c := range doc.Changes {
		id := "null"
		if c.ID != nil {
			id = fmt.Sprint(*c.ID)
		}
		got = append(got, c.Action+" "+c.Name+" "+id)
	}
	want := []string{"create checkout-q4 null", "update search-v2 4", "update pricing 2", "delete legacy 3"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
	if doc.Summary.Create != 1 || doc.Summary.Update != 2 || doc.Summary.Delete != 1 || !doc.Summary.HasChanges {
		t.Errorf("summary = %+v", doc.Summary)
	}
	if n := len(doc.Changes[2].Experiments); n != 3 {
		t.Errorf("pricing experiments = %d, want 3 (one archived)", n)
	}
	if _, ok := doc.Changes[0].After.Filters[0]["variant"]; ok {
		t.Error("variant in the JSON plan")
	}
}

func TestRenderMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderMarkdown(&buf, samplePlan(t), sampleMeta, nil, MarkdownOptions{Marker: "hogsync-plan:test"}); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.md.golden", buf.Bytes())
	if !strings.HasPrefix(buf.String(), "<!-- hogsync-plan:test -->\n") {
		t.Error("marker is not the first line")
	}
	if i, j := strings.Index(buf.String(), "[!CAUTION]"), strings.Index(buf.String(), "<details>"); i < 0 || i > j {
		t.Error("deletion warning is not above the changes")
	}
}

// A partial plan with a protected holdout, made for a project and host
// that came from somewhere: the markdown header and JSON say so.
func TestRenderPartialProtected(t *testing.T) {
	p := partialPlan(t)
	var md bytes.Buffer
	if err := RenderMarkdown(&md, p, sourcedMeta, nil, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan-partial-protected.md.golden", md.Bytes())
	var js bytes.Buffer
	if err := RenderJSON(&js, p, sourcedMeta, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partial       bool     `json:"partial"`
		Targets       []string `json:"targets"`
		HostSource    string   `json:"host_source"`
		ProjectSource string   `json:"project_source"`
		Protected     []struct {
			ID          int64  `json:"id"`
			ProtectedBy string `json:"protected_by"`
		} `json:"protected"`
		Summary struct {
			Protected int `json:"protected"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Partial || len(doc.Targets) != 3 || doc.HostSource != "hogsync.yaml" || doc.ProjectSource != "--project" {
		t.Errorf("header fields = %+v", doc)
	}
	if len(doc.Protected) != 1 || doc.Protected[0].ID != 11 || doc.Protected[0].ProtectedBy != "manual-k*" || doc.Summary.Protected != 1 {
		t.Errorf("protected = %+v, summary %+v", doc.Protected, doc.Summary)
	}
}

// bigPlan has n creates with long descriptions and properties.
func bigPlan(t testing.TB, n int) Plan {
	t.Helper()
	var ms []manifest.Holdout
	for i := 0; i < n; i++ {
		ms = append(ms, desired(fmt.Sprintf("holdout-%05d", i), float64(i%100),
			withDescription(strings.Repeat("words ", 30)),
			withProperties(map[string]any{"key": "email", "type": "person", "operator": "icontains", "value": []any{"@example.com", "@example.org"}})))
	}
	p, err := Compute(ms, nil, []client.Experiment{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRenderMarkdownTruncates(t *testing.T) {
	p := bigPlan(t, 2000)
	var buf bytes.Buffer
	if err := RenderMarkdown(&buf, p, sampleMeta, nil, MarkdownOptions{Marker: "hogsync-plan:test"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := len([]rune(out)); n > 65000 {
		t.Fatalf("markdown is %d characters, limit 65000", n)
	}
	shown := strings.Count(out, "<details>")
	m := regexp.MustCompile(`\*\*(\d+) more sections are not shown\*\*`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no truncation marker in:\n%s", out[len(out)-500:])
	}
	if want := fmt.Sprint(2000 - shown); m[1] != want {
		t.Errorf("marker says %s left out; %d of 2000 shown, so want %s", m[1], shown, want)
	}
	if shown < 50 {
		t.Errorf("only %d changes shown: truncation is too eager", shown)
	}
	if !strings.HasSuffix(out, "**Plan: 2000 to create, 0 to update, 0 to delete.**\n") {
		t.Errorf("closing line missing: %q", out[len(out)-100:])
	}
	if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
		t.Error("unbalanced <details>")
	}
}

// Names, descriptions and property values are the author's text: none of it
// may end a code block or a <details>, start an HTML comment, or pass for
// the hidden marker.
func TestRenderMarkdownHostileText(t *testing.T) {
	const marker = "hogsync-plan:test"
	hostile := "x` </details> <!-- " + marker + " --> ``` ```` **bold** [link](https://evil) | col <script>"
	ms := []manifest.Holdout{
		desired(hostile, 10, withDescription("```\n</details>\n<!-- "+marker+" -->\n````"),
			withProperties(map[string]any{"key": "k", "type": "person", "operator": "exact", "value": "````` </summary>"})),
	}
	rs := []client.Holdout{remote(9, "<!-- "+marker+" --> `unmanaged`", "1")}
	p, err := Compute(ms, rs, []client.Experiment{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := RenderMarkdown(&buf, p, sampleMeta, nil, MarkdownOptions{Marker: marker}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	golden(t, "hostile.md.golden", buf.Bytes())

	// Outside code blocks, no raw tag from the text survives. (Inside one,
	// text is shown as written; the marker is looked for on the first line
	// only.)
	outside := stripFences(t, out)
	if n := strings.Count(outside, MarkerComment(marker)); n != 1 {
		t.Errorf("marker comment appears %d times outside code, want once (the real one)", n)
	}
	if strings.Count(outside, "<!--") != 1 {
		t.Errorf("an HTML comment was opened by manifest text:\n%s", outside)
	}
	if !strings.HasPrefix(out, MarkerComment(marker)+"\n") {
		t.Error("the marker is not the first line")
	}
	for _, bad := range []string{"<script>", "</summary> ", "[link](https://evil)", "**bold**", "`"} {
		if strings.Contains(outside, bad) {
			t.Errorf("%q left unescaped outside code blocks:\n%s", bad, outside)
		}
	}
	if strings.Count(outside, "<details>") != strings.Count(outside, "</details>") {
		t.Errorf("text closed a <details>:\n%s", outside)
	}
}

// stripFences removes fenced code blocks as CommonMark reads them: a
// block closes only at a fence of the same character at least as long.
func stripFences(t *testing.T, s string) string {
	t.Helper()
	var out []string
	open := ""
	for _, l := range strings.Split(s, "\n") {
		trim := strings.TrimRight(l, " ")
		if open == "" {
			if n := len(trim) - len(strings.TrimLeft(trim, "`")); n >= 3 {
				open = strings.Repeat("`", n)
				continue
			}
			out = append(out, l)
			continue
		}
		if strings.HasPrefix(trim, open) && strings.Trim(trim, "`") == "" {
			open = ""
		}
	}
	if open != "" {
		t.Fatalf("code block never closed:\n%s", s)
	}
	return strings.Join(out, "\n")
}

// Markdown builds sections only until the limit, and writes what the
// earlier algorithm wrote, which built every section first and dropped
// those past the limit.
func TestRenderMarkdownBuildsOnlyWhatFits(t *testing.T) {
	t.Parallel()
	p := benchPlan(t, 3000)
	for _, limit := range []int{2000, 20000, MaxMarkdown, 1 << 30} {
		head, n, section, tail := markdownParts(p, sampleMeta, nil, MarkdownOptions{Marker: "m"})
		all := make([]string, n)
		for i := range n {
			all[i] = section(i)
		}
		built := 0
		counting := func(i int) string { built++; return section(i) }
		got := assembleMarkdown(head, n, counting, tail, limit)
		if want := assembleEagerly(head, all, tail, limit); got != want {
			t.Fatalf("limit %d: output differs from building every section first", limit)
		}
		shown := strings.Count(got, "<details>")
		if built > shown+1 {
			t.Errorf("limit %d: built %d sections to show %d", limit, built, shown)
		}
		var buf bytes.Buffer
		if err := RenderMarkdown(&buf, p, sampleMeta, nil, MarkdownOptions{Marker: "m", Limit: limit}); err != nil || buf.String() != got {
			t.Errorf("limit %d: RenderMarkdown differs from its parts (%v)", limit, err)
		}
	}
}

// assembleEagerly is RenderMarkdown's assembly as it was before sections
// were built lazily, kept to prove the output did not change.
func assembleEagerly(head string, sections []string, tail string, limit int) string {
	var out strings.Builder
	out.WriteString(head)
	left := 0
	for i, s := range sections {
		if out.Len()+len(s)+len(tail)+200 > limit {
			left = len(sections) - i
			break
		}
		out.WriteString(s)
	}
	if left > 0 {
		fmt.Fprintf(&out, "> [!IMPORTANT]\n> **%d more %s not shown**: the plan is too long for one comment. Run `hogsync sync` locally or read the job log for the full plan.\n\n",
			left, words.Plural(left, "section is", "sections are"))
	}
	out.WriteString(tail)
	s := out.String()
	if len(s) > limit {
		s = s[:limit-len("\n…\n")] + "\n…\n"
	}
	return s
}

// A refused plan says so on top of the markdown and in the JSON.
func TestRenderRefusal(t *testing.T) {
	meta := sampleMeta
	meta.Refused = "refusing a plan that deletes 1 holdouts: --max-deletes allows 0"
	var md, js bytes.Buffer
	if err := RenderMarkdown(&md, samplePlan(t), meta, nil, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "> **Refused: nothing will be changed.** refusing a plan that deletes 1 holdouts&#58; --max-deletes allows 0") {
		t.Errorf("markdown:\n%s", md.String()[:400])
	}
	if err := RenderJSON(&js, samplePlan(t), meta, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Refused string }
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc.Refused != meta.Refused {
		t.Errorf("json refused = %q (%v)", doc.Refused, err)
	}
}
