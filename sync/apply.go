package sync

import (
	"context"
	"errors"
	"fmt"
	"github.com/hogsync/hogsync/internal/wait"
	"io"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"time"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/canon"
	"github.com/hogsync/hogsync/internal/escape"
)

// API is what Apply needs of PostHog. *client.Client satisfies it.
type API interface {
	// List is used after a create whose answer was lost, to learn whether
	// PostHog made the holdout before trying again, and by VerifyCreates.
	List(ctx context.Context) ([]client.Holdout, error)
	Create(ctx context.Context, in client.HoldoutInput) (client.Holdout, error)
	// Patch sends only the fields that change: a PATCH carrying filters
	// makes PostHog re-save every linked experiment's flag.
	Patch(ctx context.Context, id int64, p client.HoldoutPatch) (client.Holdout, error)
	Delete(ctx context.Context, id int64) error
}

// Lister lists the holdouts PostHog has.
type Lister interface {
	List(ctx context.Context) ([]client.Holdout, error)
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

var statusNames = [...]string{"done", "failed", "pending approval", "not attempted", "blocked"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("status(%d)", int(s))
	}
	return statusNames[s]
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
	// Seq is the result's place in completion order, from 1; Of is how
	// many changes the plan holds. RenderResult shows them as [Seq/Of].
	Seq, Of int
}

// Report is every change's result, in plan order.
type Report struct {
	Results []Result
	// Duplicates are names this run created that PostHog held more than
	// once right after the apply (ApplyOptions.VerifyCreates): something
	// else, such as another apply at the same time, created them too.
	// Each is a failure of the run.
	Duplicates []Duplicate
	// VerifyErr is why the check for duplicates could not be made; nil
	// when it was made or not asked for.
	VerifyErr error
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
	// VerifyCreates lists the holdouts again after an apply that created
	// any, and reports in Report.Duplicates each name this run created
	// that PostHog now holds more than once (see VerifyCreates).
	VerifyCreates bool
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
		opts.sleep = wait.Sleep
	}
	// A request already sent outlives ctx, as cutting it off would leave
	// its outcome unknown; but once ctx ends the client retries nothing.
	flight := client.Detach(ctx)
	results := make([]Result, len(p.Changes))
	var mu stdsync.Mutex // serialises OnResult and numbers the results
	seq := 0
	emit := func(i int, r Result) {
		mu.Lock()
		defer mu.Unlock()
		seq++
		r.Seq, r.Of = seq, len(p.Changes)
		results[i] = r
		if opts.OnResult != nil {
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
				emit(i, Result{Change: c, Status: NotAttempted, ID: c.ID, Err: err})
				continue
			}
			if c.Blocked() {
				<-sem
				emit(i, Result{Change: c, Status: Blocked, ID: c.ID, Err: errors.New(BlockedReason(c))})
				continue
			}
			wg.Go(func() {
				defer func() { <-sem }()
				emit(i, applyOne(ctx, flight, api, c, opts))
			})
		}
		wg.Wait()
		start = end
	}
	rep := Report{Results: results}
	if opts.VerifyCreates {
		// The listing is a read: it may run after an interrupt, as the
		// creates it checks have happened all the same.
		rep.Duplicates, rep.VerifyErr = VerifyCreates(flight, api, rep)
	}
	return rep
}

// Duplicate is a name this run created that PostHog holds more than once.
type Duplicate struct {
	Name string
	// IDs are every holdout with the name, ascending; Created are the
	// ones this run made.
	IDs     []int64
	Created []int64
}

func (d Duplicate) Error() string {
	return fmt.Sprintf("holdout %q now exists %d times in PostHog (ids %s; this run created %s): something else created it at the same time, such as another apply; keep one, delete the others in PostHog, then sync again",
		d.Name, len(d.IDs), joinIDs(d.IDs), joinIDs(d.Created))
}

// VerifyCreates lists the holdouts and returns, sorted by name, each name
// that rep shows this run created and that PostHog now holds more than
// once. Two applies of the same new manifests at once each see the name
// free and each create it; only a listing afterwards can tell. Nothing is
// listed when rep holds no completed create.
func VerifyCreates(ctx context.Context, api Lister, rep Report) ([]Duplicate, error) {
	created := map[string][]int64{}
	for _, r := range rep.Results {
		if r.Change.Action == Create && r.Status == Done {
			created[r.Change.Name] = append(created[r.Change.Name], r.ID)
		}
	}
	if len(created) == 0 {
		return nil, nil
	}
	all, err := api.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("could not check that no holdout this run created exists twice (another apply at the same time would do that): %w", err)
	}
	byName := map[string][]int64{}
	for _, h := range all {
		if _, ok := created[h.Name]; ok {
			byName[h.Name] = append(byName[h.Name], h.ID)
		}
	}
	var dups []Duplicate
	for name, ids := range byName {
		if len(ids) < 2 {
			continue
		}
		slices.Sort(ids)
		mine := slices.Clone(created[name])
		slices.Sort(mine)
		dups = append(dups, Duplicate{Name: name, IDs: ids, Created: mine})
	}
	slices.SortFunc(dups, func(a, b Duplicate) int { return strings.Compare(a.Name, b.Name) })
	return dups, nil
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
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
		_, err = api.Patch(flight, c.ID, patch(*c.Before, *c.After))
	case Delete:
		err = api.Delete(flight, c.ID)
		if errors.Is(err, client.ErrNotFound) {
			// Someone deleted it since the plan was made: the goal holds.
			err, res.Note = nil, "it was already gone"
		}
	}
	return settle(res, err)
}

// patch is the body that brings a holdout from `from` to `to`: only the
// fields that differ. Filters are left out unless they change, so a
// rename or a new description leaves every linked experiment's feature
// flag untouched.
func patch(from, to State) client.HoldoutPatch {
	var p client.HoldoutPatch
	if from.Name != to.Name {
		p.Name = &to.Name
	}
	if from.Description != to.Description {
		p.Description = &to.Description
	}
	if !equalFilters(from, to) {
		p.Filters = to.Filters
	}
	return p
}

// settle sorts an API answer into done, pending approval or failed. A
// 409 change_request_pending names a request that was already waiting;
// it is this change pending only when its intent is this change's.
func settle(res Result, err error) Result {
	if cr, ok := client.PendingApproval(err); ok {
		var ae *client.APIError
		if errors.As(err, &ae) && ae.Code == codeChangeRequestPending && !sameIntent(res.Change, ae.ChangeRequest) {
			res.Status, res.Err = Failed, otherPending(cr, ae.ChangeRequest)
			return res
		}
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
				_, uerr := api.Patch(flight, found[0].ID, patch(have, *c.After))
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

// PostHog's answer when a change request for the same action and holdout
// is already waiting (whatever value it holds).
const codeChangeRequestPending = "change_request_pending"

// sameIntent reports whether a waiting change request would make change c:
// the same action on the holdout and, for an update, the same filters
// and, where the request sets them, the same name and description.
func sameIntent(c Change, cr *client.ChangeRequest) bool {
	if cr == nil {
		return false // PostHog did not show it: it cannot be told to be this one
	}
	switch c.Action {
	case Delete:
		return cr.ActionKey == "experiment_holdout.delete"
	case Update:
		if cr.ActionKey != "experiment_holdout.update" || c.After == nil {
			return false
		}
		filters := cr.DesiredFilters
		if filters == nil {
			filters = groupsOf(cr.DesiredChanges["filters"])
		}
		if filters == nil || !canon.Equal(canon.Groups(filters), c.After.Filters) {
			return false
		}
		if v, ok := cr.DesiredChanges["name"]; ok {
			if n, _ := v.(string); canon.Strip(n) != c.After.Name {
				return false
			}
		}
		if v, ok := cr.DesiredChanges["description"]; ok {
			if d, _ := v.(string); canon.Strip(d) != c.After.Description {
				return false
			}
		}
		return true
	}
	return false
}

// groupsOf reads a decoded JSON list of filter groups; nil when v is not one.
func groupsOf(v any) []map[string]any {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil
		}
		out = append(out, m)
	}
	return out
}

// otherPending is the failure of a change that another waiting change
// request keeps from being sent.
func otherPending(id string, cr *client.ChangeRequest) error {
	what := "PostHog did not show what it would change, so it cannot be told to be this change"
	if cr != nil {
		switch {
		case cr.Description != "":
			what = cr.Description
		case cr.DesiredFilters != nil:
			what = "it would set filters to " + string(canon.JSON(canon.Groups(cr.DesiredFilters)))
		case cr.ActionKey != "":
			what = cr.ActionKey
		}
	}
	return fmt.Errorf("another change is already pending in PostHog (change request %s: %s); approve or cancel it there, then run again", id, what)
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

// RenderResult writes one line saying what happened to a change, numbered
// [n/N] when the result carries its place. Text from PostHog and from
// manifests is shown through escape.Text, and no line it writes can be
// read as a GitHub workflow command.
func RenderResult(w io.Writer, r Result, opts TextOptions) error {
	pt := painter(opts.Color)
	c := r.Change
	errText := func() string {
		if r.Err == nil {
			return ""
		}
		return escape.Text(r.Err.Error())
	}
	var line string
	switch r.Status {
	case Done:
		line = string(rune(c.Action)) + " " + pastTense(c, r.ID)
		line = pt.paint(actionColor(c.Action), line)
		if r.Note != "" {
			line += " (" + escape.Text(r.Note) + ")"
		}
	case Failed:
		line = pt.paint(ansiRed, "✗ "+Headline(c)+" failed") + ": " + errText()
		if opts.Hint != nil && r.Err != nil {
			if h := opts.Hint(r.Err); h != "" {
				line = strings.TrimSuffix(line, ".") + ". Hint: " + escape.Text(h)
			}
		}
	case Pending:
		line = pt.paint(ansiYellow, "? "+Headline(c)+" is pending approval in PostHog") +
			fmt.Sprintf(" (change request %s)", escape.Text(r.ChangeRequestID))
	case NotAttempted:
		line = "  " + Headline(c) + " was not attempted"
		if r.Err != nil {
			line += ": " + errText()
		}
	case Blocked:
		line = pt.paint(ansiMagenta, "! "+Headline(c)+" was not applied") + ": " + escape.Text(BlockedReason(c))
	default:
		line = Headline(c) + ": " + r.Status.String()
	}
	if r.Of > 0 {
		line = fmt.Sprintf("[%d/%d] ", r.Seq, r.Of) + line
	}
	_, err := io.WriteString(w, escape.Lines(line+"\n"))
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
		extra = append(extra, fmt.Sprintf("%d blocked", n))
	}
	if n := len(r.Duplicates); n > 0 {
		extra = append(extra, fmt.Sprintf("%d created more than once (another apply at the same time?)", n))
	}
	if len(extra) == 0 {
		return "Apply complete: " + s + "."
	}
	return "Apply incomplete: " + s + "; " + strings.Join(extra, ", ") + "."
}
