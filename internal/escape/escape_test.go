package escape

import (
	"encoding/json"
	"html"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain name", "plain name"},
		{"a\x1b[31mred", `a\x1b[31mred`},
		{"bell\x07", `bell\x07`},
		{"line\nbreak\r", `line\nbreak\r`},
		{"tab\there", `tab\there`},
		{"del\x7f", `del\x7f`},
		{"c1\u0085\u009b", `c1\u0085\u009b`},
		{"rtl\u202eevil", `rtl\u202eevil`},
		{"iso\u2066x\u2069", `iso\u2066x\u2069`},
		{"sep\u2028x", `sep\u2028x`},
		{"bad\xffutf8", `bad\xffutf8`},
		{`C:\path`, `C:\path`},
		{"café ✓ 日本", "café ✓ 日本"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if HasUnsafe(Text(tc.in)) {
			t.Errorf("Text(%q) still holds an unsafe rune", tc.in)
		}
	}
}

func TestLines(t *testing.T) {
	in := "ok\n::warning::x\n   ::add-mask::k\n\t::stop-commands::t\nmid::dle\r::error::cr\nname ##[add-mask]k ###[set-output name=a]b\n::warning::##[error]x\n"
	got := Lines(in)
	want := "ok\n\\x3a:warning::x\n   \\x3a:add-mask::k\n\t\\x3a:stop-commands::t\nmid::dle\r\\x3a:error::cr\n" +
		"name #\\x23[add-mask]k ##\\x23[set-output name=a]b\n\\x3a:warning::#\\x23[error]x\n"
	if got != want {
		t.Errorf("Lines =\n%s\nwant\n%s", got, want)
	}
	for _, l := range strings.FieldsFunc(got, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if IsCommand(l) {
			t.Errorf("line %q is still a workflow command", l)
		}
	}
}

func TestJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":"plain ✓"}`, `{"a":"plain ✓"}`},
		{"{\"a\":\"rtl\u202eevil\u2066x\u2069\"}", `{"a":"rtl\u202eevil\u2066x\u2069"}`},
		{"[\"del\x7f c1\u0085\u009b\"]", `["del\u007f c1\u0085\u009b"]`},
		{`["already \u202e escaped"]`, `["already \u202e escaped"]`},
		{`{"a":"n ##[add-mask]k ###[x]"}`, `{"a":"n #\u0023[add-mask]k ##\u0023[x]"}`},
	} {
		got := string(JSON([]byte(tc.in)))
		if got != tc.want {
			t.Errorf("JSON(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if HasUnsafe(got) {
			t.Errorf("JSON(%q) still holds an unsafe rune", tc.in)
		}
		var a, b any
		if err := json.Unmarshal([]byte(tc.in), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(got), &b); err != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("JSON(%q) decodes to %v (%v), want %v", tc.in, b, err, a)
		}
	}
}

func TestMarkdown(t *testing.T) {
	got := Markdown("</details>`x`_a\n\n<!-- m -->\x1b")
	for _, bad := range []string{"<", ">", "`", "_", "\n", "\x1b"} {
		if strings.Contains(got, bad) {
			t.Errorf("Markdown left %q in %q", bad, got)
		}
	}
}

// FuzzEscape: whatever the input, Text leaves no unsafe rune, Lines no
// line the runner would read as a workflow command, and Markdown no
// character that opens markup.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "::warning::x", "a\n  ::add-mask::k", "\u202e\x1b]0;t\x07", "</details>", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if HasUnsafe(Text(s)) {
			t.Fatalf("Text(%q) = %q holds an unsafe rune", s, Text(s))
		}
		for _, l := range strings.FieldsFunc(Lines(s), func(r rune) bool { return r == '\n' || r == '\r' }) {
			if IsCommand(l) {
				t.Fatalf("Lines(%q) keeps the command line %q", s, l)
			}
		}
		if strings.ContainsAny(Markdown(s), "<>`\n\r") {
			t.Fatalf("Markdown(%q) = %q opens markup", s, Markdown(s))
		}
		js, _ := json.Marshal(s)
		var want, back string
		_ = json.Unmarshal(js, &want)
		if got := JSON(js); HasUnsafe(string(got)) || json.Unmarshal(got, &back) != nil || back != want {
			t.Fatalf("JSON(%s) = %s (decodes to %q)", js, got, back)
		}
		if IsCommand(string(JSON(js))) {
			t.Fatalf("JSON(%s) = %s holds a workflow command", js, JSON(js))
		}
	})
}

// HasUnsafe flags bytes that are not UTF-8, and not U+FFFD written as
// UTF-8: a name holding a real replacement character reads as it is.
func TestHasUnsafe(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"plain", false},
		{"caf\u00e9 \uFFFD", false},
		{"\xff", true},
		{"a\xef\xbf", true}, // U+FFFD cut short
		{"\u202e", true},
		{"\x1b", true},
	} {
		if got := HasUnsafe(tc.in); got != tc.want {
			t.Errorf("HasUnsafe(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if got := Text(tc.in); tc.want == (got == tc.in) {
			t.Errorf("Text(%q) = %q: escaped %v, want %v", tc.in, got, got != tc.in, tc.want)
		}
	}
}

// linkPatterns are what GitHub makes mentions, cross-references and
// autolinks of, on text as shown (character references decoded).
var linkPatterns = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])@[A-Za-z0-9]|(?:^|[^A-Za-z0-9_&])#[0-9]|/[A-Za-z0-9_.-]+[#@][0-9A-Za-z]|(?i:\bgh-[0-9])|(?i:\bwww\.)|(?i:[a-z]://)|[A-Za-z0-9._+-]@[A-Za-z0-9-]`)

func TestUnlink(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"@org/team", "www.example.com", "WWW.x.org", "https://x.example", "owner/repo#1", "#12", "GH-12", "gh-3", "a@b.example", "o/r@abc123"} {
		if !linkPatterns.MatchString(s) {
			t.Errorf("the pattern misses %q: the case tests nothing", s)
		}
		shown := html.UnescapeString(Markdown(s))
		if linkPatterns.MatchString(shown) {
			t.Errorf("Markdown(%q) shows %q, which GitHub links", s, shown)
		}
		if strings.ReplaceAll(shown, WordJoiner, "") != s {
			t.Errorf("Markdown(%q) shows %q, not the text", s, shown)
		}
	}
	if Unlink("plain: name-1 #") != "plain: name-1 #"+WordJoiner || Unlink("no signs") != "no signs" {
		t.Errorf("Unlink changes text it need not: %q", Unlink("plain: name-1 #"))
	}
}

// FuzzMarkdownLinks: whatever the text, Markdown shows it (word joiners
// aside, Unsafe runes escaped) with nothing GitHub links.
func FuzzMarkdownLinks(f *testing.F) {
	for _, s := range []string{"@org/team", "x www.a.b https://c", "o/r#1 #12 GH-12", "a@b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		shown := html.UnescapeString(Markdown(s))
		if loc := linkPatterns.FindStringIndex(shown); loc != nil {
			t.Fatalf("Markdown(%q) shows %q: GitHub links %q", s, shown, shown[loc[0]:loc[1]])
		}
	})
}
