package manifest

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAML 1.1 read some plain scalars as numbers that YAML 1.2 reads
// differently, and yaml.v3 follows neither fully: it reads 010 as the
// octal 8 (as YAML 1.1 does) and 1_000 as 1000, but 1:30 as a string where
// YAML 1.1 reads 90. A manifest must mean the same to every tool that
// reads it (editors, linters, a reviewer's eye), so these forms are
// refused wherever a number is read.
var (
	// YAML 1.1's base-60 integers and floats (https://yaml.org/type/int.html,
	// https://yaml.org/type/float.html).
	sexagesimalInt   = regexp.MustCompile(`^[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+$`)
	sexagesimalFloat = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*$`)
	// A leading zero followed by more digits or separators; in YAML 1.1 an
	// integer of octal digits is octal.
	leadingZero = regexp.MustCompile(`^[-+]?0[0-9_]`)
	octalDigits = regexp.MustCompile(`^[-+]?0[0-7_]+$`)
)

// yaml11Number returns what is wrong with n, a scalar where a number may
// stand, when it is written in one of the forms YAML tools disagree on:
// leading zeros, "_" separators, 0x/0o/0b prefixes, or base 60. It returns
// "" for every other scalar, and for quoted or tagged ones, whose meaning
// is explicit.
func yaml11Number(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.Style != 0 {
		return ""
	}
	s := n.Value
	tag := n.ShortTag()
	if tag == "!!str" {
		switch {
		case sexagesimalInt.MatchString(s):
			return fmt.Sprintf("%s is a base-60 number to YAML 1.1 tools, which read it as %d (hogsync would read the string %q)", s, sexagesimal(s), s)
		case sexagesimalFloat.MatchString(s):
			return fmt.Sprintf("%s is a base-60 number to YAML 1.1 tools, which read it as %s (hogsync would read the string %q)", s, strconv.FormatFloat(sexagesimalF(s), 'g', -1, 64), s)
		}
		return ""
	}
	if tag != "!!int" && tag != "!!float" {
		return ""
	}
	digits := strings.TrimLeft(s, "+-")
	switch {
	case len(digits) > 1 && digits[0] == '0' && strings.ContainsRune("xXoObB", rune(digits[1])):
		base := map[byte]string{'x': "hexadecimal", 'o': "octal", 'b': "binary"}[digits[1]|0x20]
		return fmt.Sprintf("%s is written in %s%s, a form YAML tools read differently", s, base, readAs(n))
	case octalDigits.MatchString(s):
		// What a reader who ignores the leading zeros expects.
		decimal := strings.TrimLeft(strings.ReplaceAll(digits, "_", ""), "0")
		if decimal == "" {
			decimal = "0"
		}
		if strings.HasPrefix(s, "-") && decimal != "0" {
			decimal = "-" + decimal
		}
		var v int64
		if err := n.Decode(&v); err == nil && strconv.FormatInt(v, 10) != decimal {
			return fmt.Sprintf("%s has a leading zero, so YAML reads it as the octal number %d, not %s", s, v, decimal)
		}
		return fmt.Sprintf("%s has a leading zero, which YAML tools read differently (as an octal number, a decimal or a string)", s)
	case leadingZero.MatchString(s):
		return fmt.Sprintf("%s has a leading zero, which YAML tools read differently (as an octal number, a decimal or a string)", s)
	case strings.ContainsRune(s, '_'):
		return fmt.Sprintf("%s uses _ as a digit separator, which YAML tools read differently (YAML 1.1 as a number%s, YAML 1.2 as a string)", s, readAs(n))
	}
	return ""
}

// readAs is " (N)": the number yaml.v3 reads n as, or "" when it cannot.
func readAs(n *yaml.Node) string {
	var f float64
	if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return ""
	}
	var i int64
	if n.ShortTag() == "!!int" && n.Decode(&i) == nil {
		return fmt.Sprintf(" (%d)", i)
	}
	return " (" + strconv.FormatFloat(f, 'g', -1, 64) + ")"
}

// sexagesimal is the value YAML 1.1 gives a base-60 integer, saturated
// rather than overflowing (the message only needs to show it is a number).
func sexagesimal(s string) int64 {
	neg := strings.HasPrefix(s, "-")
	var v int64
	for _, part := range strings.Split(strings.TrimLeft(s, "+-"), ":") {
		d, err := strconv.ParseInt(strings.ReplaceAll(part, "_", ""), 10, 64)
		if err != nil || v > (math.MaxInt64-d)/60 {
			v = math.MaxInt64
			break
		}
		v = v*60 + d
	}
	if neg {
		return -v
	}
	return v
}

// sexagesimalF is the value YAML 1.1 gives a base-60 float.
func sexagesimalF(s string) float64 {
	neg := strings.HasPrefix(s, "-")
	var v float64
	for _, part := range strings.Split(strings.TrimLeft(s, "+-"), ":") {
		d, _ := strconv.ParseFloat(strings.ReplaceAll(part, "_", ""), 64)
		v = v*60 + d
	}
	if neg {
		return -v
	}
	return v
}

// floatChange says how the decimal text s changes when read as the
// float64 f PostHog and hogsync carry ("" when it does not): a nonzero
// number too small for a float64 reads as 0, and digits past what a
// float64 holds are lost (33.3333333333333333 reads as 33.333333333333336).
// The text f is written as (its shortest form) is what reaches PostHog.
func floatChange(s string, f float64) string {
	want, ok := new(big.Rat).SetString(strings.TrimPrefix(s, "+"))
	if !ok {
		return "" // not decimal text (.inf, say): checked elsewhere
	}
	sent := strconv.FormatFloat(f, 'g', -1, 64)
	got, _ := new(big.Rat).SetString(sent)
	switch {
	case got == nil || want.Cmp(got) == 0:
		return ""
	case f == 0:
		return fmt.Sprintf("%s is too small for a 64-bit float and would be read as 0", s)
	}
	return fmt.Sprintf("%s has more digits than a 64-bit float holds and would be read as %s", s, sent)
}
