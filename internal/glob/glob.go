// Package glob matches holdout names against the patterns of hogsync.yaml's
// protect and of --target: one syntax, one matcher, for both.
//
// The syntax is path.Match's, except that a name is not a path:
//
//   - any run of characters, "/" included (also none)
//     ?        exactly one character (a Unicode code point)
//     [abc]    one character of the class: single characters and ranges
//     [a-z]    such as a-z; [^...] matches one character NOT in the class
//     \c       the character c itself (\*, \?, \[, \\); inside a class too
//
// Every other character matches itself, byte for byte. Inside a class,
// "-" and "]" are written \- and \]; a class cannot be empty, and a range
// must not run backwards (z-a would match nothing). "!" is not a negation
// (write ^). A pattern matches the whole name, never a part of it.
//
// Match runs in O(len(pattern) × len(name)) time at worst, whatever the
// pattern: it keeps one backtracking point (the last *), as the classic
// wildcard matchers do, instead of recursing once per star.
package glob

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is what is wrong with a pattern, and where.
type Error struct {
	// Pattern is the pattern as given.
	Pattern string
	// Offset is the byte offset in Pattern where the problem starts,
	// counted from 0.
	Offset int
	// Msg says what is wrong and how to fix it, without the pattern.
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Pattern is a compiled pattern; it is safe for concurrent use.
type Pattern struct {
	src  string
	toks []token
}

type kind uint8

const (
	kLiteral kind = iota // lit, byte for byte
	kOne                 // ?
	kClass               // [...]
	kStar                // *
)

type token struct {
	kind    kind
	lit     string
	negated bool
	ranges  []runeRange
}

type runeRange struct{ lo, hi rune }

func (t *token) inClass(r rune) bool {
	for _, rg := range t.ranges {
		if rg.lo <= r && r <= rg.hi {
			return !t.negated
		}
	}
	return t.negated
}

// Compile parses pattern. The error, an *Error, says what is wrong and at
// which byte offset.
func Compile(pattern string) (*Pattern, error) {
	p := &Pattern{src: pattern}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, token{kind: kLiteral, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		switch c := pattern[i]; c {
		case '*':
			flush()
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != kStar { // ** is *
				p.toks = append(p.toks, token{kind: kStar})
			}
			i++
		case '?':
			flush()
			p.toks = append(p.toks, token{kind: kOne})
			i++
		case '[':
			flush()
			t, next, err := class(pattern, i)
			if err != nil {
				return nil, err
			}
			p.toks = append(p.toks, t)
			i = next
		case '\\':
			if i+1 >= len(pattern) {
				return nil, errorf(pattern, i, `"\" at offset %d, the end of the pattern, quotes nothing; write "\\" for a backslash`, i)
			}
			lit.WriteByte(pattern[i+1])
			i += 2
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return p, nil
}

// class parses the character class that starts with the "[" at pattern[start].
func class(pattern string, start int) (token, int, error) {
	t := token{kind: kClass}
	i := start + 1
	if i < len(pattern) && pattern[i] == '^' {
		t.negated = true
		i++
	}
	unclosed := func() (token, int, error) {
		return token{}, 0, errorf(pattern, start, `the character class "[" at offset %d has no closing "]"; write "\[" for a "["`, start)
	}
	// char reads one character of the class at pattern[i]: a plain one or
	// a quoted one.
	char := func(i int) (rune, int, error) {
		if i >= len(pattern) {
			return 0, 0, nil
		}
		switch pattern[i] {
		case '-':
			return 0, 0, errorf(pattern, i, `"-" at offset %d does not stand between the two ends of a range such as a-z; write "\-" for a "-"`, i)
		case ']':
			return 0, 0, errorf(pattern, i, `"]" at offset %d would end the class before anything is in it (a class cannot be empty, and a range needs an end); write "\]" for a "]"`, i)
		case '\\':
			i++
			if i >= len(pattern) {
				return 0, 0, nil
			}
		}
		r, n := utf8.DecodeRuneInString(pattern[i:])
		if r == utf8.RuneError && n == 1 {
			return 0, 0, errorf(pattern, i, "byte 0x%02x at offset %d, inside a character class, is not valid UTF-8", pattern[i], i)
		}
		return r, i + n, nil
	}
	for {
		if i >= len(pattern) {
			return unclosed()
		}
		if pattern[i] == ']' && len(t.ranges) > 0 {
			return t, i + 1, nil
		}
		at := i
		lo, next, err := char(i)
		if err != nil {
			return token{}, 0, err
		}
		if next == 0 {
			return unclosed()
		}
		i = next
		hi := lo
		if i < len(pattern) && pattern[i] == '-' {
			hi, next, err = char(i + 1)
			if err != nil {
				return token{}, 0, err
			}
			if next == 0 {
				return unclosed()
			}
			if hi < lo {
				return token{}, 0, errorf(pattern, at, "the range %s at offset %d runs backwards and would match nothing; write %s", pattern[at:next], at, fmt.Sprintf("%c-%c", hi, lo))
			}
			i = next
		}
		t.ranges = append(t.ranges, runeRange{lo, hi})
	}
}

func errorf(pattern string, offset int, format string, args ...any) *Error {
	return &Error{Pattern: pattern, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// Valid reports whether pattern compiles.
func Valid(pattern string) bool {
	_, err := Compile(pattern)
	return err == nil
}

// Match reports whether name matches pattern; the error is Compile's.
func Match(pattern, name string) (bool, error) {
	p, err := Compile(pattern)
	if err != nil {
		return false, err
	}
	return p.Match(name), nil
}

// String is the pattern as given to Compile.
func (p *Pattern) String() string { return p.src }

// Match reports whether the whole of name matches the pattern.
func (p *Pattern) Match(name string) bool {
	toks := p.toks
	ti, si := 0, 0
	starT, starS := -1, 0 // the last star met, and where in name it resumes
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case kStar:
				starT, starS = ti, si
				ti++
				continue
			case kLiteral:
				if strings.HasPrefix(name[si:], t.lit) {
					si += len(t.lit)
					ti++
					continue
				}
			case kOne:
				if si < len(name) {
					_, n := utf8.DecodeRuneInString(name[si:])
					si += n
					ti++
					continue
				}
			case kClass:
				if si < len(name) {
					r, n := utf8.DecodeRuneInString(name[si:])
					if t.inClass(r) {
						si += n
						ti++
						continue
					}
				}
			}
		} else if si == len(name) {
			return true
		}
		// A mismatch: let the last star take one more character, and try
		// the rest of the pattern again from there. Earlier stars need no
		// retry: whatever they could take, the last one can.
		if starT < 0 || starS >= len(name) {
			return false
		}
		_, n := utf8.DecodeRuneInString(name[starS:])
		starS += n
		si, ti = starS, starT+1
	}
}
