package glob

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestMatch is the syntax, case by case; the cases marked path.Match
// differ from path.Match on purpose ("/" is an ordinary character).
func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, name string
		want          bool
	}{
		// The acceptance cases of issue 17: a name holding "/".
		{"legacy-*", "legacy-growth/2024", true}, // path.Match: false
		{"team/*", "team/a/b", true},             // path.Match: false
		{"team/*", "team/", true},
		{"team/*", "team", false},
		{"*", "", true},
		{"*", "a/b/c", true},
		{"?", "/", true}, // path.Match: false
		{"a?c", "a/c", true},
		{"[/]", "/", true},
		{"[^a]", "/", true},
		{"*/2024", "legacy/growth/2024", true},
		{"*/2024", "legacy/growth/2023", false},

		// The whole name, never a part.
		{"legacy", "legacy-growth", false},
		{"growth", "legacy-growth", false},
		{"", "", true},
		{"", "a", false},
		{"a", "", false},

		// Stars.
		{"a*", "a", true},
		{"*a", "ba", true},
		{"*a", "ab", false},
		{"a*b*c", "a-b-c", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "acb", false},
		{"a**b", "axyb", true},
		{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"*ab", "aab", true},   // the star must give back what it took
		{"*aab", "aaab", true}, // and retry the literal one character on
		{"a*?", "a", false},
		{"a*?", "ab", true},
		{"*?*", "", false},

		// ? is one character, not one byte.
		{"?", "é", true},
		{"??", "é", false},
		{"*??", "€", false}, // path.Match: true (its * stops inside the rune)
		{"h?llo", "hällo", true},

		// Classes.
		{"[abc]", "b", true},
		{"[abc]", "d", false},
		{"[a-c]x", "bx", true},
		{"[^a-c]x", "bx", false},
		{"[^a-c]x", "dx", true},
		{"[a-cx-z]", "y", true},
		{"[!a]", "!", true}, // "!" is not a negation
		{"[!a]", "b", false},
		{`[\]]`, "]", true},
		{`[\-]`, "-", true},
		{`[a\-z]`, "b", false},
		{`[\^]`, "^", true},
		{"[^^]", "^", false},
		{"[é-ë]", "ê", true},
		{"[x]", "", false},
		{"]", "]", true},
		{"a-b", "a-b", true},
		{"^a", "^a", true},

		// Quoting.
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`\?`, "?", true},
		{`\[a]`, "[a]", true},
		{`\\`, `\`, true},
		{`\a`, "a", true},
		{`a\*b*`, "a*bc", true},

		// Bytes that are not UTF-8 match themselves.
		{"a\xffb", "a\xffb", true},
		{"a?b", "a\xffb", true},
	}
	for _, tt := range tests {
		p, err := Compile(tt.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		if got := p.Match(tt.name); got != tt.want {
			t.Errorf("Compile(%q).Match(%q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
		if got, err := Match(tt.pattern, tt.name); got != tt.want || err != nil {
			t.Errorf("Match(%q, %q) = %v, %v; want %v", tt.pattern, tt.name, got, err, tt.want)
		}
		if p.String() != tt.pattern {
			t.Errorf("String() = %q, want %q", p.String(), tt.pattern)
		}
	}
}

// TestCompileErrors: each malformed pattern says what is wrong and at
// which offset.
func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		offset  int
		msg     string // a part of the message
	}{
		{"[a", 0, `the character class "[" at offset 0 has no closing "]"; write "\[" for a "["`},
		{"x[", 1, `"[" at offset 1 has no closing "]"`},
		{"*[", 1, `has no closing`},
		{"[a-", 0, `has no closing`},
		{`[\`, 0, `has no closing`},
		{`[a-\`, 0, `has no closing`},
		{"[^", 0, `has no closing`},
		{`ab\`, 2, `"\" at offset 2, the end of the pattern, quotes nothing; write "\\" for a backslash`},
		{"[]", 1, `"]" at offset 1 would end the class before anything is in it`},
		{"[]a]", 1, `write "\]" for a "]"`},
		{"[^]", 2, `"]" at offset 2`},
		{"[a-]", 3, `"]" at offset 3`},
		{"[-a]", 1, `"-" at offset 1 does not stand between the two ends of a range such as a-z; write "\-" for a "-"`},
		{"[a--]", 3, `"-" at offset 3`},
		{"[z-a]", 1, "the range z-a at offset 1 runs backwards and would match nothing; write a-z"},
		{"ok-[\xff]", 4, "byte 0xff at offset 4, inside a character class, is not valid UTF-8"},
	}
	for _, tt := range tests {
		p, err := Compile(tt.pattern)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Compile(%q) = %v, %v; want an *Error", tt.pattern, p, err)
			continue
		}
		if e.Offset != tt.offset || e.Pattern != tt.pattern || !strings.Contains(e.Error(), tt.msg) {
			t.Errorf("Compile(%q): offset %d, pattern %q, %q; want offset %d and a message holding %q", tt.pattern, e.Offset, e.Pattern, e.Error(), tt.offset, tt.msg)
		}
		if Valid(tt.pattern) {
			t.Errorf("Valid(%q) = true", tt.pattern)
		}
		if _, err := Match(tt.pattern, "a"); err == nil {
			t.Errorf("Match(%q, ...) gave no error", tt.pattern)
		}
	}
}

// oracle is the meaning of pattern as a regular expression, for valid
// UTF-8 patterns that compile.
func oracle(t *testing.T, pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < len(pattern); {
		switch c := pattern[i]; c {
		case '*':
			b.WriteString(".*")
			i++
		case '?':
			b.WriteString(".")
			i++
		case '\\':
			r, n := utf8.DecodeRuneInString(pattern[i+1:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += 1 + n
		case '[':
			j := i + 1
			b.WriteByte('[')
			if pattern[j] == '^' {
				b.WriteByte('^')
				j++
			}
			for first := true; first || pattern[j] != ']'; first = false {
				if pattern[j] == '-' {
					b.WriteByte('-')
					j++
					continue
				}
				if pattern[j] == '\\' {
					j++
				}
				r, n := utf8.DecodeRuneInString(pattern[j:])
				fmt.Fprintf(&b, `\x{%x}`, r)
				j += n
			}
			b.WriteByte(']')
			i = j + 1
		default:
			r, n := utf8.DecodeRuneInString(pattern[i:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += n
		}
	}
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		t.Fatalf("oracle of %q: %v", pattern, err)
	}
	return re
}

var seeds = [][2]string{
	{"legacy-*", "legacy-growth/2024"}, {"team/*", "team/a/b"}, {"*a*b", "xaxb"}, {"[a-c]?", "b€"},
	{"[^x-z]*", "a"}, {`\*\[`, "*["}, {"[]a]", "]"}, {"[z-a]", "b"}, {"*??", "€"}, {"a\xffb", "a\xffb"},
	{"[!-]", "!"}, {"**?*", "ab"}, {`[\]\-]`, "-"},
}

// FuzzMatchLikePathMatch: where path.Match and this package mean the
// same (an ASCII name without "/"), they agree, and they agree on which
// patterns are valid except a range that runs backwards, which
// path.Match takes and lets match nothing.
func FuzzMatchLikePathMatch(f *testing.F) {
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		p, err := Compile(pattern)
		_, pathErr := path.Match(pattern, "")
		switch {
		case err != nil && pathErr == nil:
			if !strings.Contains(err.Error(), "runs backwards") {
				t.Fatalf("Compile(%q): %v; path.Match takes it", pattern, err)
			}
			return
		case err == nil && pathErr != nil:
			t.Fatalf("Compile(%q) takes what path.Match refuses: %v", pattern, pathErr)
		case err != nil:
			return
		}
		for i := 0; i < len(name); i++ {
			if name[i] == '/' || name[i] >= utf8.RuneSelf {
				return
			}
		}
		want, _ := path.Match(pattern, name)
		if got := p.Match(name); got != want {
			t.Fatalf("Compile(%q).Match(%q) = %v; path.Match says %v", pattern, name, got, want)
		}
	})
}

// FuzzMatchLikeRegexp: on valid UTF-8, Match means what the regular
// expression that spells the syntax out means, "/" and all.
func FuzzMatchLikeRegexp(f *testing.F) {
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(name) || len(pattern) > 200 || len(name) > 1000 {
			return
		}
		p, err := Compile(pattern)
		if err != nil {
			return
		}
		if got, want := p.Match(name), oracle(t, pattern).MatchString(name); got != want {
			t.Fatalf("Compile(%q).Match(%q) = %v; the regular expression says %v", pattern, name, got, want)
		}
	})
}

// FuzzCompile: no input panics, and an error always points inside the
// pattern.
func FuzzCompile(f *testing.F) {
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		p, err := Compile(pattern)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset >= len(pattern) || e.Msg == "" {
				t.Fatalf("Compile(%q): %#v", pattern, err)
			}
			return
		}
		p.Match(name)
	})
}

// BenchmarkMatchNoBacktrackBlowUp is the pattern that takes a recursive
// matcher exponential time: here it is one pass per star position.
func BenchmarkMatchNoBacktrackBlowUp(b *testing.B) {
	p, err := Compile(strings.Repeat("a*", 20) + "b")
	if err != nil {
		b.Fatal(err)
	}
	name := strings.Repeat("a", 1000)
	for b.Loop() {
		if p.Match(name) {
			b.Fatal("matched")
		}
	}
}
