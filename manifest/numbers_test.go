package manifest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parseAll parses one file's content and returns its errors and warnings
// as "line:col code: message".
func parseAll(t *testing.T, content string) (errs, warns []string) {
	t.Helper()
	p := parseFile("f.yaml", []byte(content))
	l := newLoader()
	l.addFile(p)
	_, w := l.result()
	show := func(list List) []string {
		var out []string
		for _, e := range list {
			out = append(out, strings.TrimPrefix(e.Pos.String(), "f.yaml:")+" "+e.Code+": "+e.Msg)
		}
		return out
	}
	var list List
	if err := l.err(); err != nil {
		list = err.(List)
	}
	return show(list), show(w)
}

// TestYAML11Numbers: number forms that YAML tools read differently are
// refused wherever a number is read, saying what they would be read as.
func TestYAML11Numbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, rollout, index, value string
		want                        []string // errors
	}{
		{name: "plain decimals pass", rollout: "10", index: "1", value: "[0, 10, -7, 0.5, 100]"},
		{
			name: "leading zero read as octal", rollout: "010", value: "[02134]",
			want: []string{
				"3:25 yaml11-number: rollout_percentage 010 has a leading zero, so YAML reads it as the octal number 8, not 10; write it in plain decimal digits",
				`6:17 yaml11-number: 02134 has a leading zero, so YAML reads it as the octal number 1116, not 2134; quote it ("02134") if a string is meant, or write the number in plain decimal digits if a number is meant`,
			},
		},
		{
			name: "leading zeros that are not octal, or do not change the value", rollout: "08", index: "00", value: "[-07, 01.5]",
			want: []string{
				"3:25 yaml11-number: rollout_percentage 08 has a leading zero, which YAML tools read differently (as an octal number, a decimal or a string); write it in plain decimal digits",
				"4:35 yaml11-number: aggregation_group_type_index 00 has a leading zero, which YAML tools read differently (as an octal number, a decimal or a string); write it in plain decimal digits",
				`6:17 yaml11-number: -07 has a leading zero, which YAML tools read differently (as an octal number, a decimal or a string); quote it ("-07") if a string is meant, or write the number in plain decimal digits if a number is meant`,
				`6:22 yaml11-number: 01.5 has a leading zero, which YAML tools read differently (as an octal number, a decimal or a string); quote it ("01.5") if a string is meant, or write the number in plain decimal digits if a number is meant`,
			},
		},
		{
			name: "separators", rollout: "1_0", value: "[1_000, 1_000.5]",
			want: []string{
				"3:25 yaml11-number: rollout_percentage 1_0 uses _ as a digit separator, which YAML tools read differently (YAML 1.1 as a number (10), YAML 1.2 as a string); write it in plain decimal digits",
				`6:17 yaml11-number: 1_000 uses _ as a digit separator, which YAML tools read differently (YAML 1.1 as a number (1000), YAML 1.2 as a string); quote it ("1_000") if a string is meant, or write the number in plain decimal digits if a number is meant`,
				`6:24 yaml11-number: 1_000.5 uses _ as a digit separator, which YAML tools read differently (YAML 1.1 as a number (1000.5), YAML 1.2 as a string); quote it ("1_000.5") if a string is meant, or write the number in plain decimal digits if a number is meant`,
			},
		},
		{
			name: "prefixes", rollout: "0x0A", index: "0b1", value: "[0o17, -0X1f]",
			want: []string{
				"3:25 yaml11-number: rollout_percentage 0x0A is written in hexadecimal (10), a form YAML tools read differently; write it in plain decimal digits",
				"4:35 yaml11-number: aggregation_group_type_index 0b1 is written in binary (1), a form YAML tools read differently; write it in plain decimal digits",
				`6:17 yaml11-number: 0o17 is written in octal (15), a form YAML tools read differently; quote it ("0o17") if a string is meant, or write the number in plain decimal digits if a number is meant`,
				`6:23 yaml11-number: -0X1f is written in hexadecimal (-31), a form YAML tools read differently; quote it ("-0X1f") if a string is meant, or write the number in plain decimal digits if a number is meant`,
			},
		},
		{
			name: "base 60", rollout: "1:30", value: "[190:20:30, 1:30.5, 0:30, '1:30', 12:30:00]",
			want: []string{
				`3:25 yaml11-number: rollout_percentage 1:30 is a base-60 number to YAML 1.1 tools, which read it as 90 (hogsync would read the string "1:30"); write it in plain decimal digits`,
				`6:17 yaml11-number: 190:20:30 is a base-60 number to YAML 1.1 tools, which read it as 685230 (hogsync would read the string "190:20:30"); quote it ("190:20:30") if a string is meant, or write the number in plain decimal digits if a number is meant`,
				`6:28 yaml11-number: 1:30.5 is a base-60 number to YAML 1.1 tools, which read it as 90.5 (hogsync would read the string "1:30.5"); quote it ("1:30.5") if a string is meant, or write the number in plain decimal digits if a number is meant`,
				`6:50 yaml11-number: 12:30:00 is a base-60 number to YAML 1.1 tools, which read it as 45000 (hogsync would read the string "12:30:00"); quote it ("12:30:00") if a string is meant, or write the number in plain decimal digits if a number is meant`,
			},
		},
		{
			name: "quoted and tagged values say what they are", value: `["010", '1_000', !!str 0x1, "1:30"]`,
		},
		{
			name: "nested inside properties", value: "{a: [{b: 010}]}",
			want: []string{`6:25 yaml11-number: 010 has a leading zero, so YAML reads it as the octal number 8, not 10; quote it ("010") if a string is meant, or write the number in plain decimal digits if a number is meant`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rollout, index := tt.rollout, tt.index
			if rollout == "" {
				rollout = "1"
			}
			if index == "" {
				index = "0"
			}
			content := "name: h\nfilters:\n  - rollout_percentage: " + rollout + "\n    aggregation_group_type_index: " + index +
				"\n    properties:\n      - value: " + tt.value + "\n"
			errs, _ := parseAll(t, content)
			if diff := cmp.Diff(tt.want, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s\n%s", diff, content)
			}
		})
	}
}

// TestNumberText: a number inside properties that reaches PostHog as other
// text is a warning; rollout_percentage never is. 1e3, which YAML 1.1
// tools read as the text "1e3", gets the YAML 1.1 warning instead.
func TestNumberText(t *testing.T) {
	t.Parallel()
	errs, warns := parseAll(t, `name: h
filters:
  - rollout_percentage: 10.0
    properties:
      - key: app_version
        value: [1.10, 1e3, 1.0, +5, .5, 2.5, 7, -0, 1.5e+3, "1.10"]
`)
	if errs != nil {
		t.Fatalf("errors: %v", errs)
	}
	want := []string{
		"4:5 ignored-by-flags: properties are stored but not evaluated by current PostHog: a holdout's flag uses only rollout_percentage, so it excludes that share of all users, matching or not (older self-hosted PostHog evaluated them); remove them unless your PostHog is one of those",
		`6:17 number-text: number 1.10 is sent to PostHog as 1.1; quote it ("1.10") if its text matters, as in a version number`,
		`6:23 yaml11-float: 1e3 is read as the number 1000 by hogsync and YAML 1.2 editors, but as a string by YAML 1.1 tools such as PyYAML (which need a dot and a signed exponent); write 1000, or 1.0e+3, or quote it ("1e3") if the text is meant`,
		`6:28 number-text: number 1.0 is sent to PostHog as 1; quote it ("1.0") if its text matters, as in a version number`,
		`6:33 number-text: number +5 is sent to PostHog as 5; quote it ("+5") if its text matters, as in a version number`,
		`6:37 number-text: number .5 is sent to PostHog as 0.5; quote it (".5") if its text matters, as in a version number`,
		`6:49 number-text: number -0 is sent to PostHog as 0; quote it ("-0") if its text matters, as in a version number`,
		`6:53 number-text: number 1.5e+3 is sent to PostHog as 1500; quote it ("1.5e+3") if its text matters, as in a version number`,
	}
	if diff := cmp.Diff(want, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestIgnoredByFlags: what current PostHog stores but does not evaluate
// is a warning where it stands.
func TestIgnoredByFlags(t *testing.T) {
	t.Parallel()
	_, warns := parseAll(t, `name: h
filters:
  - rollout_percentage: 10
    aggregation_group_type_index: 0
    properties: []
  - rollout_percentage: 20
    properties: [{key: k, value: v}]
  - rollout_percentage: 30
---
name: quiet
filters:
  - rollout_percentage: 10
    aggregation_group_type_index: null
    properties: null
`)
	var got []string
	for _, w := range warns {
		got = append(got, w[:strings.Index(w, ": ")])
	}
	want := []string{"4:5 ignored-by-flags", "6:5 ignored-by-flags"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s\n%v", diff, warns)
	}
}

// TestDuplicateSourceID: two manifests from one exported holdout.
func TestDuplicateSourceID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a.yaml": "# hogsync-source-id: 42\n" + manifestOf("a"),
		"b.yaml": "# hogsync-source-id: 42\n" + manifestOf("b") + "---\n# hogsync-source-id: 7\n" + manifestOf("c"),
		"c.yaml": "# hogsync-source-id: 7\n" + manifestOf("d"),
	})
	_, err := loadDirAs(t, dir, ".")
	want := List{
		{Pos: Pos{"b.yaml", 2, 7}, Severity: SeverityError, Code: CodeDuplicateSourceID, Msg: `source id 42 (from the "# hogsync-source-id: 42" comment) is also on the holdout at ` + dir + `/a.yaml:2:7; an exported holdout can have only one manifest, so remove the comment from the copy`},
		{Pos: Pos{"c.yaml", 2, 7}, Severity: SeverityError, Code: CodeDuplicateSourceID, Msg: `source id 7 (from the "# hogsync-source-id: 7" comment) is also on the holdout at ` + dir + `/b.yaml:7:7; an exported holdout can have only one manifest, so remove the comment from the copy`},
	}
	if diff := cmp.Diff(want, errList(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestNumbersThatChangeOnReading: a rollout_percentage whose text a
// 64-bit float cannot hold (too small to be anything but 0, or more
// digits than it keeps) is an error saying what it would be read as; a
// property number too small to be anything but 0 likewise. Decimals a
// float holds as written pass.
func TestNumbersThatChangeOnReading(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, want string }{
		{"1e-400", "3:25 out-of-range: rollout_percentage 1e-400 is too small for a 64-bit float and would be read as 0; write the decimal you mean (0 is what would be used)"},
		{"0." + strings.Repeat("0", 400) + "1", "too small for a 64-bit float"},
		{"33.3333333333333333333", "3:25 out-of-range: rollout_percentage 33.3333333333333333333 has more digits than a 64-bit float holds and would be read as 33.333333333333336; write the decimal you mean (33.333333333333336 is what would be used)"},
		{"12.50000000000000000001", "would be read as 12.5"},
		{"0.1", ""}, {"12.5", ""}, {"1e-7", ""}, {"100", ""}, {"33.333333333333336", ""}, {"0", ""}, {"-0.0", ""},
	} {
		errs, _ := parseAll(t, "name: h\nfilters:\n  - rollout_percentage: "+tc.value+"\n")
		got := strings.Join(errs, "\n")
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("rollout_percentage: %s: errors %q, want %q", tc.value, got, tc.want)
		}
	}
	errs, _ := parseAll(t, "name: h\nfilters:\n  - rollout_percentage: 1\n    properties:\n      - key: k\n        value: [1e-400, 0.0, 0e5]\n")
	if want := []string{"6:17 out-of-range: number 1e-400 is too small for a 64-bit float and would be read as 0; write the decimal you mean, or put it in quotes to pass it as a string"}; !cmp.Equal(want, errs) {
		t.Errorf("properties: errors %q, want %q", errs, want)
	}
}

// TestBigIntegersKeepTheirDigits: an integer past int64 (or uint64) in
// properties is passed on with every digit, as PostHog keeps it, so an
// exported holdout holding one loads back as it is.
func TestBigIntegersKeepTheirDigits(t *testing.T) {
	t.Parallel()
	hs, err := Parse("f.yaml", []byte("name: h\nfilters:\n  - rollout_percentage: 1\n    properties:\n      - key: k\n        value: [12345678901234567890, -99999999999999999999999, 9223372036854775807]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := hs[0].Filters[0].Properties[0]["value"]
	want := []any{json.Number("12345678901234567890"), json.Number("-99999999999999999999999"), int64(9223372036854775807)}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
}
