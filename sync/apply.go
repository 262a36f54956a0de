package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	stdsync "sync"
	"time"

	"github.com/hogsync/hogsync/client"
)

// API is what Apply needs of PostHog. *client.Client satisfies it.
type API interface {
	// List is used only after a create whose answer was lost, to learn
	// whether PostHog made the holdout before trying again.
	List(ctx context.Context) ([]client.Holdout, error)
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
	// Blocked: running experiments use the holdout and --force was not
	// given; nothing was sent.
	Blocked
)

func (s Status) String() string {
	return [...]string{"done", "failed", "pending approval", "not attempted", "blocked"}[s]
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
	// is known, one call at a time, so progress can be shown while the
	// apply runs.
	OnResult func(Result)
	// Parallelism is how many changes may be in flight at once (default
	// 1). The API's own rate limit still paces the requests.
	Parallelism int
	// CreateAttempts bounds how often one create is sent when PostHog's
	// answers are lost (default 4). Each new attempt follows a listing that
	// shows the holdout was not made.
	CreateAttempts int
	// sleep waits between create attempts; tests replace it.
	sleep func(context.Context, time.Duration) error
}

// Apply executes the plan's changes in phases: creates, then renames, then
// other updates, then deletes. A phase starts only when the one before has
// finished; within a phase up to Parallelism changes run at once. A failed
// change does not stop the others: each is independent.
//
// When ctx is done (an interrupt, a deadline) no new change is started and
// the rest are reported NotAttempted; a request already sent is allowed to
// finish, bounded by the client's request timeout, so that what is
// reported done is done, but it is not retried. Every change ends up in the
// Report exactly once.
func Apply(ctx context.Context, api API, p Plan, opts ApplyOptions) Report {
	par := max(opts.Parallelism, 1)
	if opts.CreateAttempts < 1 {
		opts.CreateAttempts = 4
	}
	if opts.sleep == nil {
		opts.sleep = sleepCtx
	}
	// A request already sent outlives ctx, as cutting it off would leave
	// its outcome unknown; but once ctx ends the client retries nothing.
	flight := client.Detach(ctx)
	results := make([]Result, len(p.Changes))
	var mu stdsync.Mutex // serialises OnResult
	emit := func(r Result) {
		if opts.OnResult != nil {
			mu.Lock()
			defer mu.Unlock()
			opts.OnResult(r)
		}
	}
	for start := 0; start < len(p.Changes); {
		end := start + 1
		for end < len(p.Changes) && phase(p.Changes[end]) == phase(p.Changes[start]) {
			end++
		}
		sem := make(chan struct{}, par)
		var wg stdsync.WaitGroup
		for i := start; i < end; i++ {
			c := p.Changes[i]
			select {
			case <-ctx.Done():
			case sem <- struct{}{}:
			}
			if err := ctx.Err(); err != nil {
				results[i] = Result{Change: c, Status: NotAttempted, ID: c.ID, Err: err}
				emit(results[i])
				continue
			}
			if c.Blocked() {
				<-sem
				results[i] = Result{Change: c, Status: Blocked, ID: c.ID, Err: errors.New(BlockedReason(c))}
				emit(results[i])
				continue
			}
			wg.Go(func() {
				defer func() { <-sem }()
				results[i] = applyOne(ctx, flight, api, c, opts)
				emit(results[i])
			})
		}
		wg.Wait()
		start = end
	}
	return Report{Results: results}
}

// applyOne makes one change. ctx says whether to start anything new;
// flight carries the requests.
func applyOne(ctx, flight context.Context, api API, c Change, opts ApplyOptions) Result {
	res := Result{Change: c, ID: c.ID}
	var err error
	switch c.Action {
	case Create:
		return create(ctx, flight, api, c, opts)
	case Update:
		_, err = api.Update(flight, c.ID, c.After.input())
	case Delete:
		err = api.Delete(flight, c.ID)
		if errors.Is(err, client.ErrNotFound) {
			// Someone deleted it since the plan was made: the goal holds.
			err, res.Note = nil, "it was already gone"
		}
	}
	return settle(res, err)
}

// settle sorts an API answer into done, pending approval or failed.
func settle(res Result, err error) Result {
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

// create sends a create, never blindly twice. When PostHog's answer is
// lost the holdout may exist:
//   - after a timeout or a 504, PostHog may still be making it, and a
//     listing now proves nothing, so it is not sent again in this run: the
//     change is reported failed, and the next sync finds the holdout or
//     creates it;
//   - after a reset or a 5xx it lists the holdouts (after a pause, for the
//     server to settle) and looks for the name before sending again. The
//     plan only creates names PostHog did not have, so a holdout found with
//     the name is the one this create made (or one made meanwhile with the
//     same purpose): it is adopted, and brought to the desired state if it
//     differs.
func create(ctx, flight context.Context, api API, c Change, opts ApplyOptions) Result {
	res := Result{Change: c}
	for attempt := 1; ; attempt++ {
		h, err := api.Create(flight, c.After.input())
		if err == nil {
			res.ID = h.ID
			return settle(res, nil)
		}
		if !client.IsAmbiguous(err) {
			return settle(res, err)
		}
		if client.MayStillBeProcessing(err) {
			return settle(res, fmt.Errorf("%w; PostHog may still be making it, so it was not sent again: run sync again in a minute, and it will be created only if it does not exist by then", err))
		}
		if serr := opts.sleep(ctx, time.Duration(attempt)*500*time.Millisecond); serr != nil {
			return settle(res, fmt.Errorf("%w; not checked or sent again: %w", err, serr))
		}
		found, lerr := findByName(flight, api, c.Name)
		if lerr != nil {
			return settle(res, fmt.Errorf("%w; whether PostHog made it is unknown, as listing failed too (%v): run sync again to find out", err, lerr))
		}
		switch len(found) {
		case 0:
			// Not made: sending again cannot duplicate it.
		case 1:
			res.ID = found[0].ID
			res.Note = "PostHog's answer was lost; a listing confirmed it was made"
			if have := remoteState(found[0]); !equal(have, *c.After) {
				_, uerr := api.Update(flight, found[0].ID, c.After.input())
				res.Note = "PostHog's answer was lost; a listing found it, and it was updated to match"
				return settle(res, uerr)
			}
			return settle(res, nil)
		default:
			ids := make([]string, len(found))
			for i, f := range found {
				ids[i] = fmt.Sprint(f.ID)
			}
			return settle(res, fmt.Errorf("%w; PostHog now has %d holdouts named %q (ids %s): keep one and delete the others, then sync again",
				err, len(found), c.Name, strings.Join(ids, ", ")))
		}
		if attempt >= opts.CreateAttempts {
			return settle(res, fmt.Errorf("%w (not made after %d attempts)", err, attempt))
		}
		if ctx.Err() != nil {
			return settle(res, fmt.Errorf("%w; not sent again: %w", err, ctx.Err()))
		}
	}
}

func findByName(ctx context.Context, api API, name string) ([]client.Holdout, error) {
	all, err := api.List(ctx)
	if err != nil {
		return nil, err
	}
	var found []client.Holdout
	for _, h := range all {
		if h.Name == name {
			found = append(found, h)
		}
	}
	return found, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
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
				line = strings.TrimSuffix(line, ".") + ". Hint: " + h
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
	case Blocked:
		line = pt.paint(ansiMagenta, "! "+Headline(c)+" was not applied") + ": " + BlockedReason(c)
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
	if n := r.Count(Blocked); n > 0 {
		extra = append(extra, fmt.Sprintf("%d blocked by running experiments", n))
	}
	if len(extra) == 0 {
		return "Apply complete: " + s + "."
	}
	return "Apply incomplete: " + s + "; " + strings.Join(extra, ", ") + "."
}
