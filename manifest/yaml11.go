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

// YAML 1.1 traps. hogsync reads YAML with yaml.v3, which follows YAML 1.2
// for booleans and floats, and YAML 1.1 for dates and some integer forms;
// editors (yaml-language-server) follow YAML 1.2; PyYAML, Ruby and many
// scripts teams write around their manifests follow YAML 1.1. A value
// all three read alike is fine. The rule for the others:
//
//   - where hogsync and a YAML 1.2 editor read a value differently (a
//     bare date, which hogsync reads as a date and an editor as a string;
//     010, 1_000, 0b101), it is an error: yaml11-date, yaml11-number;
//   - where only YAML 1.1 tools read it differently (yes, on, off, y, n
//     as booleans; 1e2 as a string), it is a warning: yaml11-bool,
//     yaml11-float. hogsync reads it as the editor does, and the message
//     gives the form every tool reads alike.

// yaml11Bools are YAML 1.1's booleans (https://yaml.org/type/bool.html),
// lower-cased: plain scalars that are strings to YAML 1.2 and to hogsync.
// PyYAML reads them in three letter cases (yes, Yes, YES), Ruby's Psych
// in any; all of them are warned about.
var yaml11Bools = map[string]bool{
	"y": true, "yes": true, "on": true, "true": true,
	"n": false, "no": false, "off": false, "false": false,
}

// yaml11Bool warns when n, a plain scalar hogsync reads as a string where
// a string is expected, is a boolean to YAML 1.1 tools. what names the
// value ("name"), or is "" inside properties.
func (c *checker) yaml11Bool(n *yaml.Node, what string) {
	// The words are at most 5 letters: longer text is not lower-cased
	// (which would copy it).
	if n.Kind != yaml.ScalarNode || n.Style != 0 || len(n.Value) > 5 || n.ShortTag() != "!!str" {
		return
	}
	b, ok := yaml11Bools[strings.ToLower(n.Value)]
	if !ok {
		return
	}
	if what != "" {
		what += " "
	}
	c.warnf(n, CodeYAML11Bool, "%s%s is read as the string %q by hogsync and YAML 1.2 editors, but as the boolean %t by YAML 1.1 tools such as PyYAML; quote it so that every tool reads the string: %s",
		what, n.Value, n.Value, b, strconv.Quote(n.Value))
}

// yaml11FloatForm is a float YAML 1.1 reads as one: a dot, and an
// exponent only with its sign (https://yaml.org/type/float.html).
var yaml11FloatForm = regexp.MustCompile(`^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?$`)

// yaml11Float warns when n, a plain number hogsync reads, has an exponent
// in a form YAML 1.1 reads as a string (1e2, 1.5e3: no dot, or no sign
// after the e). It reports whether it warned.
func (c *checker) yaml11Float(n *yaml.Node, what string) bool {
	if n.Kind != yaml.ScalarNode || n.Style != 0 || n.ShortTag() != "!!float" ||
		!strings.ContainsAny(n.Value, "eE") || yaml11FloatForm.MatchString(n.Value) {
		return false
	}
	var f float64
	if n.Decode(&f) != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	mant, exp, _ := strings.Cut(strings.ToLower(n.Value), "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if !strings.HasPrefix(exp, "-") && !strings.HasPrefix(exp, "+") {
		exp = "+" + exp
	}
	fix := fmt.Sprintf("write %s, or %se%s", strconv.FormatFloat(f, 'f', -1, 64), mant, exp)
	if what == "" { // inside properties, where a string may be meant
		fix += fmt.Sprintf(", or quote it (%q) if the text is meant", n.Value)
	} else {
		what += " "
	}
	c.warnf(n, CodeYAML11Float, "%s%s is read as the number %s by hogsync and YAML 1.2 editors, but as a string by YAML 1.1 tools such as PyYAML (which need a dot and a signed exponent); %s",
		what, n.Value, strconv.FormatFloat(f, 'g', -1, 64), fix)
	return true
}

// exactNumber is the exact value of n, a plain or tagged YAML number
// (!!int or !!float), from its text: yaml.v3 would round 12.0000000000000001
// and reads an integer past 64 bits as a float. ok is false for what has
// no exact value (.nan, .inf) and for what is not a number.
func exactNumber(n *yaml.Node) (r *big.Rat, ok bool) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		return nil, false
	}
	s := strings.TrimPrefix(strings.ReplaceAll(n.Value, "_", ""), "+")
	if strings.HasPrefix(s, "-+") || strings.HasPrefix(s, "--") {
		return nil, false
	}
	var i int64
	if n.ShortTag() == "!!int" && n.Decode(&i) == nil {
		return new(big.Rat).SetInt64(i), true // 0x1F, 0o17, 010: as yaml.v3 reads them
	}
	return new(big.Rat).SetString(s)
}

// wholeNumberOf reads n, a number where a whole number is expected, as
// JSON Schema's "integer" does: 5, 5.0 and 5e0 are the same whole number.
// It returns the value and whether it is whole; ok is false when n is not
// a number (nor .nan nor .inf).
func wholeNumberOf(n *yaml.Node) (v *big.Int, whole, ok bool) {
	r, ok := exactNumber(n)
	if !ok {
		return nil, false, false
	}
	if !r.IsInt() {
		return nil, false, true
	}
	return new(big.Int).Set(r.Num()), true, true
}

// maxInt64 is the largest whole number a 64-bit integer holds.
var maxInt64 = big.NewInt(math.MaxInt64)

// inInt64Range reports whether 0 <= v <= 2^63-1.
func inInt64Range(v *big.Int) bool { return v.Sign() >= 0 && v.Cmp(maxInt64) <= 0 }
