package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hogsync/hogsync/client"
)

// API is what Apply needs of PostHog. *client.Client satisfies it.
type API interface {
	Create(ctx context.Context, in client.HoldoutInput) (client.Holdout, error)
	Update(ctx context.Context, id int64, in client.HoldoutInput) (client.Holdout, error)
	Delete(ctx context.Context, id int64) error
}

var _ API = (*client.Client)(nil)

// Status is the outcome of one change.
type Status int

const (
	// Done: PostHog made the change.
	Done Status = iota
	// Failed: PostHog refused the change or could not be reached.
	Failed
	// Pending: PostHog turned the change into a change request that waits
	// for approval; nothing is changed until someone approves it.
	Pending
	// NotAttempted: the run stopped (interrupt, timeout) before this change
	// was sent.
	NotAttempted
)

func (s Status) String() string {
	return [...]string{"done", "failed", "pending approval", "not attempted"}[s]
}

// Result is what happened to one change.
type Result struct {
	Change Change
	Status Status
	// ID is the holdout's id: the new one for a create.
	ID int64
	// ChangeRequestID is PostHog's change request, for Pending.
	ChangeRequestID string
	// Err is why, for Failed and NotAttempted.
	Err error
	// Note adds what a reader should know about a Done change, such as a
	// delete that found the holdout already gone.
	Note string
}

// Report is every change's result, in plan order.
type Report struct {
	Results []Result
}

// Count returns how many results have status s.
func (r Report) Count(s Status) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == s {
			n++
		}
	}
	return n
}

// ApplyOptions shape an apply.
type ApplyOptions struct {
	// OnResult, when set, is called with each change's result as soon as it
	// is known, so progress can be shown while the apply runs.
	OnResult func(Result)
}

// Apply executes the plan's changes in order: creates, updates (renames
// first), deletes. A failed change does not stop the others: each is
// independent. Once ctx is done no new change is started, and the rest are
// reported NotAttempted. Every change ends up in the Report exactly once.
func Apply(ctx context.Context, api API, p Plan, opts ApplyOptions) Report {
	rep := Report{Results: make([]Result, 0, len(p.Changes))}
	for _, c := range p.Changes {
		var res Result
		if err := ctx.Err(); err != nil {
			res = Result{Change: c, Status: NotAttempted, ID: c.ID, Err: err}
		} else {
			res = applyOne(ctx, api, c)
		}
		rep.Results = append(rep.Results, res)
		if opts.OnResult != nil {
			opts.OnResult(res)
		}
	}
	return rep
}

func applyOne(ctx context.Context, api API, c Change) Result {
	res := Result{Change: c, ID: c.ID}
	var err error
	switch c.Action {
	case Create:
		var h client.Holdout
		h, err = api.Create(ctx, c.After.input())
		res.ID = h.ID
	case Update:
		_, err = api.Update(ctx, c.ID, c.After.input())
	case Delete:
		err = api.Delete(ctx, c.ID)
		if errors.Is(err, client.ErrNotFound) {
			// Someone deleted it since the plan was made: the goal holds.
			err, res.Note = nil, "it was already gone"
		}
	}
	if cr, ok := client.PendingApproval(err); ok {
		res.Status, res.ChangeRequestID = Pending, cr
		return res
	}
	if err != nil {
		res.Status, res.Err = Failed, err
		return res
	}
	res.Status = Done
	return res
}

// RenderResult writes one line saying what happened to a change.
func RenderResult(w io.Writer, r Result, opts TextOptions) error {
	pt := painter(opts.Color)
	c := r.Change
	var line string
	switch r.Status {
	case Done:
		line = string(rune(c.Action)) + " " + pastTense(c, r.ID)
		line = pt.paint(actionColor(c.Action), line)
		if r.Note != "" {
			line += " (" + r.Note + ")"
		}
	case Failed:
		line = pt.paint(ansiRed, "✗ "+Headline(c)+" failed") + ": " + r.Err.Error()
		if opts.Hint != nil {
			if h := opts.Hint(r.Err); h != "" {
				line += ". Hint: " + h
			}
		}
	case Pending:
		line = pt.paint(ansiYellow, "? "+Headline(c)+" is pending approval in PostHog") +
			fmt.Sprintf(" (change request %s)", r.ChangeRequestID)
	case NotAttempted:
		line = "  " + Headline(c) + " was not attempted"
		if r.Err != nil {
			line += ": " + r.Err.Error()
		}
	}
	_, err := io.WriteString(w, line+"\n")
	return err
}

func pastTense(c Change, id int64) string {
	h := Headline(c)
	for _, v := range [][2]string{{"create", "created"}, {"rename", "renamed"}, {"update", "updated"}, {"delete", "deleted"}} {
		if strings.HasPrefix(h, v[0]+" ") {
			h = v[1] + h[len(v[0]):]
			break
		}
	}
	if c.Action == Create {
		h += fmt.Sprintf(" (id %d)", id)
	}
	return h
}

// ApplySummary is the closing line of an apply, counting each outcome.
func ApplySummary(r Report) string {
	var created, updated, deleted int
	for _, res := range r.Results {
		if res.Status != Done {
			continue
		}
		switch res.Change.Action {
		case Create:
			created++
		case Update:
			updated++
		case Delete:
			deleted++
		}
	}
	s := fmt.Sprintf("%d created, %d updated, %d deleted", created, updated, deleted)
	var extra []string
	if n := r.Count(Failed); n > 0 {
		extra = append(extra, fmt.Sprintf("%d failed", n))
	}
	if n := r.Count(Pending); n > 0 {
		extra = append(extra, fmt.Sprintf("%d pending approval", n))
	}
	if n := r.Count(NotAttempted); n > 0 {
		extra = append(extra, fmt.Sprintf("%d not attempted", n))
	}
	if len(extra) == 0 {
		return "Apply complete: " + s + "."
	}
	return "Apply incomplete: " + s + "; " + strings.Join(extra, ", ") + "."
}
