package run

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	hsync "github.com/hogsync/hogsync/sync"
)

// The status line is drawn in place, moved out of the way of every line
// written to stdout or stderr, never drawn over an unfinished line, and
// cleared at the end.
func TestLiveLine(t *testing.T) {
	t.Parallel()
	var term, out bytes.Buffer // stderr (the terminal) and stdout
	l := &liveLine{term: &term}
	errw, outw := l.writer(&term), l.writer(&out)

	l.set("working 1")
	io.WriteString(errw, "a warning\n")
	l.set("working 2")
	l.set("working 2") // unchanged: not drawn again
	io.WriteString(outw, "a result\n")
	io.WriteString(errw, "half a line")
	l.set("working 3") // not drawn over the unfinished line
	io.WriteString(errw, ", the rest\n")
	l.clear()
	l.clear()

	want := clearLine + "working 1" +
		clearLine + "a warning\n" + clearLine + "working 1" +
		clearLine + "working 2" +
		clearLine + // before "a result" on stdout
		clearLine + "working 2" +
		clearLine + "half a line" +
		", the rest\n" + clearLine + "working 3" +
		clearLine
	if d := cmp.Diff(strings.Split(want, "\r"), strings.Split(term.String(), "\r")); d != "" {
		t.Errorf("the terminal got (-want +got):\n%s", d)
	}
	if out.String() != "a result\n" {
		t.Errorf("stdout got %q", out.String())
	}
}

// A status wider than the terminal is cut to one row: a wrapped one could
// not be cleared with one carriage return.
func TestLiveLineFitsOneRow(t *testing.T) {
	t.Parallel()
	var term bytes.Buffer
	l := &liveLine{term: &term, width: 10}
	l.set("hogsync: applying 1/2")
	if got, want := term.String(), clearLine+"hogsync:…"; got != want {
		t.Errorf("drew %q, want %q", got, want)
	}
}

func TestTimeLeft(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		elapsed     time.Duration
		done, total int
		want        string
	}{
		{0, 0, 10, ""},
		{time.Second, 0, 10, ""},
		{5 * time.Second, 10, 10, ""},
		{2 * time.Second, 1, 4, "about 6s left"},
		{100 * time.Millisecond, 1, 2, "under a second left"},
		{30 * time.Second, 1, 11, "about 5m00s left"},
		{90 * time.Second, 3, 10, "about 3m30s left"},
		{time.Hour, 1, 4, "about 3h00m left"},
	} {
		if got := timeLeft(tt.elapsed, tt.done, tt.total); got != tt.want {
			t.Errorf("timeLeft(%v, %d, %d) = %q, want %q", tt.elapsed, tt.done, tt.total, got, tt.want)
		}
	}
}

// The progress view counts requests while PostHog is read, then changes
// done, failed and pending, with the time left at the rate so far.
func TestProgressView(t *testing.T) {
	t.Parallel()
	var term bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newProgressView(&liveLine{term: &term}, func() time.Time { return now })
	var shown []string
	look := func() {
		s := term.String()
		shown = append(shown, s[strings.LastIndex(s, clearLine)+len(clearLine):])
	}
	p.request(client.Attempt{Method: "GET"})
	look()
	p.request(client.Attempt{Method: "GET"})
	look()
	changes := make([]hsync.Change, 4)
	o := &outcome{plan: hsync.Plan{Changes: changes}, meta: hsync.Meta{Apply: true}}
	if err := p.plan(o); err != nil {
		t.Fatal(err)
	}
	look()
	p.request(client.Attempt{Method: "POST"}) // an apply's request moves nothing
	now = now.Add(2 * time.Second)
	p.result(o, hsync.Result{Status: hsync.Done, Seq: 1, Of: 4})
	look()
	now = now.Add(2 * time.Second)
	p.result(o, hsync.Result{Status: hsync.Failed, Err: errors.New("no"), Seq: 2, Of: 4})
	look()
	p.result(o, hsync.Result{Status: hsync.Pending, Seq: 3, Of: 4})
	look()
	p.result(o, hsync.Result{Status: hsync.Done, Seq: 4, Of: 4})
	look()
	if err := p.done(o); err != nil {
		t.Fatal(err)
	}
	look()
	want := []string{
		"hogsync: reading PostHog: 1 request",
		"hogsync: reading PostHog: 2 requests",
		"hogsync: applying 0/4",
		"hogsync: applying 1/4, about 6s left",
		"hogsync: applying 2/4, 1 failed, about 4s left",
		"hogsync: applying 3/4, 1 failed, 1 pending approval, about 1s left",
		"hogsync: applying 4/4, 1 failed, 1 pending approval",
		"", // cleared
	}
	if d := cmp.Diff(want, shown); d != "" {
		t.Errorf("status lines (-want +got):\n%s", d)
	}

	// A dry run shows no apply status.
	term.Reset()
	p.reset()
	if err := p.plan(&outcome{plan: hsync.Plan{Changes: changes}}); err != nil {
		t.Fatal(err)
	}
	p.result(o, hsync.Result{Status: hsync.Done, Seq: 1, Of: 4})
	if strings.Contains(term.String(), "applying") {
		t.Errorf("a dry run drew %q", term.String())
	}
}

// The apply status line, on a fake clock: done out of total (the total a
// result carries wins over the plan's count), every failure counted
// (a change the run stopped before counts as one), and the time left at
// the rate since the plan was shown, in the unit that suits it.
func TestApplyStatus(t *testing.T) {
	t.Parallel()
	type step struct {
		after  time.Duration // on the clock since the step before
		status hsync.Status
		of     int
	}
	tests := []struct {
		name    string
		changes int
		before  time.Duration // on the clock between the view's start and the plan
		steps   []step
		want    string
	}{
		{"nothing done yet", 5, 0, nil, "hogsync: applying 0/5"},
		{"one done", 4, 0, []step{{2 * time.Second, hsync.Done, 4}}, "hogsync: applying 1/4, about 6s left"},
		{"failed and not attempted are failures", 10, 0, []step{
			{time.Second, hsync.Failed, 10}, {time.Second, hsync.NotAttempted, 10}, {time.Second, hsync.Done, 10},
		}, "hogsync: applying 3/10, 2 failed, about 7s left"},
		{"pending is not a failure", 3, 0, []step{{time.Second, hsync.Pending, 3}}, "hogsync: applying 1/3, 1 pending approval, about 2s left"},
		{"minutes left", 11, 0, []step{{30 * time.Second, hsync.Done, 11}}, "hogsync: applying 1/11, about 5m00s left"},
		{"hours left", 4, 0, []step{{time.Hour, hsync.Failed, 4}}, "hogsync: applying 1/4, 1 failed, about 3h00m left"},
		{"the clock starts at the plan", 3, time.Hour, []step{{time.Second, hsync.Done, 3}}, "hogsync: applying 1/3, about 2s left"},
		{"the result's total wins", 2, 0, []step{{2 * time.Second, hsync.Done, 6}}, "hogsync: applying 1/6, about 10s left"},
		{"all done: no time left", 2, 0, []step{{time.Second, hsync.Done, 2}, {time.Second, hsync.Failed, 2}}, "hogsync: applying 2/2, 1 failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			live := &liveLine{term: io.Discard}
			p := newProgressView(live, func() time.Time { return now })
			now = now.Add(tt.before)
			o := &outcome{plan: hsync.Plan{Changes: make([]hsync.Change, tt.changes)}, meta: hsync.Meta{Apply: true}}
			if err := p.plan(o); err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.steps {
				now = now.Add(s.after)
				p.result(o, hsync.Result{Status: s.status, Seq: i + 1, Of: s.of})
			}
			if live.status != tt.want {
				t.Errorf("status %q, want %q", live.status, tt.want)
			}
		})
	}
}
