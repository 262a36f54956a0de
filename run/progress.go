package run

import (
	"fmt"
	"io"
	"strings"
	stdsync "sync"
	"time"
	"unicode/utf8"

	"github.com/hogsync/hogsync/internal/words"

	"github.com/hogsync/hogsync/client"
	hsync "github.com/hogsync/hogsync/sync"
)

// liveLine shares a terminal between the lines hogsync prints and one
// status line at the bottom, on stderr, redrawn in place (carriage
// return, then "clear line"). Every line written through one of its
// writers (stderr's, and stdout's when stdout is the terminal too) first
// clears the status line, so no line ever lands after the status text,
// and the status is drawn again once the line is complete. It is made
// only when stderr is a terminal; nothing of it reaches a pipe or a file.
type liveLine struct {
	mu      stdsync.Mutex
	term    io.Writer // stderr
	width   int       // the terminal's columns; 0 when unknown
	status  string
	shown   bool // the status is on the screen
	midLine bool // the last write left a line unfinished: do not draw
}

const clearLine = "\r\x1b[K"

// writer returns a writer to w (stderr, or stdout on the same terminal)
// that keeps the status line out of the way of what is written.
func (l *liveLine) writer(w io.Writer) io.Writer { return &liveWriter{l: l, w: w} }

type liveWriter struct {
	l *liveLine
	w io.Writer
}

func (lw *liveWriter) Write(p []byte) (int, error) {
	l := lw.l
	l.mu.Lock()
	defer l.mu.Unlock()
	l.eraseLocked()
	n, err := lw.w.Write(p)
	if len(p) > 0 {
		l.midLine = p[len(p)-1] != '\n'
	}
	l.drawLocked()
	return n, err
}

// set shows s as the status line ("" removes it).
func (l *liveLine) set(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s == l.status && l.shown {
		return
	}
	l.status = s
	if s == "" {
		l.eraseLocked()
		return
	}
	l.drawLocked()
}

// clear removes the status line for good (until the next set).
func (l *liveLine) clear() { l.set("") }

func (l *liveLine) drawLocked() {
	if l.status == "" || l.midLine {
		return
	}
	s := l.status
	// One row only: a status that wraps could not be cleared with one
	// carriage return.
	if l.width > 1 && utf8.RuneCountInString(s) > l.width-1 {
		s = string([]rune(s)[:l.width-2]) + "…"
	}
	_, _ = io.WriteString(l.term, clearLine+s)
	l.shown = true
}

func (l *liveLine) eraseLocked() {
	if l.shown {
		_, _ = io.WriteString(l.term, clearLine)
		l.shown = false
	}
}

// progressView is the live status line of a run on a terminal: how many
// requests the listing took so far, then during an apply how many changes
// are done out of how many, how many failed, and the time left at the
// rate so far. It is a view like the others, fed by the same results;
// the lines themselves (with their [n/N]) are the text view's.
type progressView struct {
	live *liveLine
	now  func() time.Time

	mu       stdsync.Mutex
	phase    int // listing, applying, or idle
	requests int
	start    time.Time
	total    int
	finished int
	failed   int
	pending  int
}

const (
	phaseListing = iota
	phaseApplying
	phaseIdle
)

func newProgressView(live *liveLine, now func() time.Time) *progressView {
	return &progressView{live: live, now: now}
}

// request is the client's observer: each attempt during the listing
// moves the status on.
func (p *progressView) request(a client.Attempt) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.phase != phaseListing {
		return
	}
	p.requests++
	p.live.set(p.listingStatus())
}

func (p *progressView) listingStatus() string {
	return fmt.Sprintf("hogsync: reading PostHog: %d %s", p.requests, words.Plural(p.requests, "request", "requests"))
}

func (p *progressView) plan(o *outcome) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished, p.failed, p.pending = 0, 0, 0
	if !o.meta.Apply || !o.plan.HasChanges() {
		p.phase = phaseIdle
		p.live.clear()
		return nil
	}
	p.phase, p.total, p.start = phaseApplying, len(o.plan.Changes), p.now()
	p.live.set(p.applyStatus())
	return nil
}

func (p *progressView) result(_ *outcome, r hsync.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.phase != phaseApplying {
		return
	}
	p.finished++
	switch r.Status {
	case hsync.Failed, hsync.NotAttempted:
		p.failed++
	case hsync.Pending:
		p.pending++
	}
	if r.Of > 0 {
		p.total = r.Of
	}
	p.live.set(p.applyStatus())
}

// applyStatus is "hogsync: applying 3/10, 1 failed, about 12s left".
func (p *progressView) applyStatus() string {
	parts := []string{fmt.Sprintf("hogsync: applying %d/%d", p.finished, p.total)}
	if p.failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", p.failed))
	}
	if p.pending > 0 {
		parts = append(parts, fmt.Sprintf("%d pending approval", p.pending))
	}
	if left := timeLeft(p.now().Sub(p.start), p.finished, p.total); left != "" {
		parts = append(parts, left)
	}
	return strings.Join(parts, ", ")
}

// timeLeft is the time the rest takes at the rate so far, "" before the
// first change is done or once all are.
func timeLeft(elapsed time.Duration, done, total int) string {
	if done <= 0 || done >= total || elapsed <= 0 {
		return ""
	}
	left := elapsed * time.Duration(total-done) / time.Duration(done)
	switch {
	case left < time.Second:
		return "under a second left"
	case left < time.Minute:
		return fmt.Sprintf("about %ds left", int(left.Round(time.Second)/time.Second))
	case left < time.Hour:
		return fmt.Sprintf("about %dm%02ds left", int(left/time.Minute), int(left%time.Minute/time.Second))
	}
	return fmt.Sprintf("about %dh%02dm left", int(left/time.Hour), int(left%time.Hour/time.Minute))
}

func (p *progressView) done(*outcome) error {
	p.stop()
	return nil
}

func (p *progressView) failure(*outcome, error) { p.stop() }
func (p *progressView) diagnostic(diagnostic)   {}

func (p *progressView) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase = phaseIdle
	p.live.clear()
}

// reset readies the view for another run in the same process (the
// demo's steps).
func (p *progressView) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.requests = phaseListing, 0
}
