package main

import (
	"fmt"
	"strconv"

	"github.com/alecthomas/kong"
)

// maxDeletes is --max-deletes: a whole number of holdouts, or -1 for no
// limit, written --max-deletes=-1 or --max-deletes -1 (kong alone reads a
// separate "-1" as a short flag). set says the flag was given, so that
// hogsync.yaml's max_deletes applies otherwise.
type maxDeletes struct {
	n   int
	set bool
}

func (m *maxDeletes) Decode(ctx *kong.DecodeContext) error {
	t := ctx.Scan.Pop()
	s := t.String()
	if t.IsEOL() {
		return fmt.Errorf("--max-deletes needs a number of holdouts (or -1 for no limit)")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("--max-deletes %q: not a whole number; give a number of holdouts, or -1 for no limit", s)
	}
	if n < -1 {
		return fmt.Errorf("--max-deletes %d: must be 0 or more, or -1 for no limit", n)
	}
	m.n, m.set = n, true
	return nil
}
