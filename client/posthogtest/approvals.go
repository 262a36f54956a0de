package posthogtest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// ChangeRequest is a write that approval mode held back (see
// SetApprovals).
type ChangeRequest struct {
	ID        string // a UUID, as in change_request_id
	ActionKey string // "experiment_holdout.update" or "experiment_holdout.delete"
	Project   int64
	HoldoutID int64
	// State is "pending"; "approved" after MarkApproved; then "applied"
	// by Approve, or "failed" when Approve found the change stale or the
	// holdout gone. A pending or approved request blocks every other
	// gated change of the same action on the same holdout.
	State string
	// Changes holds, for an update, the validated fields the request set
	// ("name", "description", "filters"), as Holdout.Filters represents
	// values; nil for a delete.
	Changes   map[string]any
	CreatedAt time.Time
	AppliedAt time.Time // zero unless applied
	Error     string    // why Approve failed
}

type changeRequest struct {
	pub         ChangeRequest
	method      string    // PATCH, PUT or DELETE
	v           validated // the update to replay
	holdoutName string
	currentPct  any     // filters[0].rollout_percentage when requested
	newPct      any     // the percentage asked for (updates)
	experiments []int64 // experiments using the holdout when requested
	createdBy   User
}

const (
	actionUpdate = "experiment_holdout.update"
	actionDelete = "experiment_holdout.delete"

	msgCreated = "A change request has been created and is pending approval."
	msgPending = "A pending approval request already exists for this action"
)

// SetApprovals turns approval mode on or off. When on, as with an
// approval policy on experiment_holdout.update and .delete in PostHog:
//
//   - a PATCH or PUT whose filters change filters[0].rollout_percentage,
//     and every DELETE, change nothing and answer 409 approval_required
//     with a new change request (error-409-approval-update.json and
//     error-409-approval-delete.json); renames and description-only
//     changes go through;
//   - the same action on the same holdout while its change request is
//     pending answers 409 change_request_pending
//     (error-409-approval-pending.json);
//   - validation and 404s come first: an invalid write is never queued.
//
// Approve applies a pending change. Turning the mode off leaves pending
// change requests pending.
func (e *Emulator) SetApprovals(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.approvalsOn = on
}

// ChangeRequests returns every change request, oldest first.
func (e *Emulator) ChangeRequests() []ChangeRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]ChangeRequest, len(e.changeRequests))
	for i, cr := range e.changeRequests {
		out[i] = cr.public()
	}
	return out
}

func (cr *changeRequest) public() ChangeRequest {
	p := cr.pub
	if p.ActionKey == actionUpdate {
		p.Changes, _ = toGo(cr.desiredChanges()).(map[string]any)
	}
	return p
}

// Approve applies pending change request id, as an approver's approval
// does in PostHog: an update replays the name, description and filters
// it carried (the variant is re-normalised, updated_at moves); a delete
// deletes. It fails, marking the request "failed", when the holdout is
// gone or the change went stale: filters[0].rollout_percentage moved or
// the set of experiments using the holdout changed since the request.
func (e *Emulator) Approve(id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var cr *changeRequest
	for _, c := range e.changeRequests {
		if c.pub.ID == id {
			cr = c
		}
	}
	if cr == nil {
		return fmt.Errorf("posthogtest: no change request %q", id)
	}
	if cr.pub.State != "pending" && cr.pub.State != "approved" {
		return fmt.Errorf("posthogtest: change request %s is %s, not pending", id, cr.pub.State)
	}
	fail := func(format string, args ...any) error {
		cr.pub.State = "failed"
		cr.pub.Error = fmt.Sprintf(format, args...)
		return fmt.Errorf("posthogtest: change request %s: %s", id, cr.pub.Error)
	}
	row := e.holdouts[cr.pub.HoldoutID]
	if row == nil || row.project != cr.pub.Project {
		return fail("holdout %d no longer exists", cr.pub.HoldoutID)
	}
	if cur := firstPercentage(row); !pyEqual(cur, cr.currentPct) {
		return fail("stale: the exclusion moved from %s to %s", pyStr(cr.currentPct), pyStr(cur))
	}
	if !slices.Equal(e.usingExperiments(row.id), cr.experiments) {
		return fail("stale: the experiments using the holdout changed")
	}
	switch cr.pub.ActionKey {
	case actionUpdate:
		if _, ok := e.applyUpdate(row, cr.v); !ok {
			return fail("the database refused the filters")
		}
	case actionDelete:
		e.deleteHoldout(row)
	}
	cr.pub.State = "applied"
	cr.pub.AppliedAt = dbTime(e.now())
	return nil
}

// MarkApproved moves pending change request id to "approved" without
// applying it: the moment between an approver's decision and PostHog
// applying the change, during which the request still blocks other
// gated changes. Approve applies it later.
func (e *Emulator) MarkApproved(id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, cr := range e.changeRequests {
		if cr.pub.ID != id {
			continue
		}
		if cr.pub.State != "pending" {
			return fmt.Errorf("posthogtest: change request %s is %s, not pending", id, cr.pub.State)
		}
		cr.pub.State = "approved"
		return nil
	}
	return fmt.Errorf("posthogtest: no change request %q", id)
}

// gateUpdate holds back a PATCH or PUT that changes the first group's
// rollout percentage; it returns nil to let the update through.
func (e *Emulator) gateUpdate(q *apiRequest, row *holdoutRow, v validated) *response {
	if !e.approvalsOn || !v.hasFilters {
		return nil
	}
	cur := firstPercentage(row)
	groups, _ := v.filters.([]any)
	first, _ := groups[0].(*object)
	next, _ := first.get("rollout_percentage")
	if pyEqual(cur, next) {
		return nil
	}
	if p := e.pending(q.project, actionUpdate, row.id); p != nil {
		return e.pendingResponse(p, false)
	}
	cr := e.newChangeRequest(q, row, actionUpdate)
	cr.v, cr.newPct = v, next
	return e.approvalResponse(cr, true)
}

// gateDelete holds back every DELETE; it returns nil when approvals are
// off.
func (e *Emulator) gateDelete(q *apiRequest, row *holdoutRow) *response {
	if !e.approvalsOn {
		return nil
	}
	if p := e.pending(q.project, actionDelete, row.id); p != nil {
		return e.pendingResponse(p, true)
	}
	return e.approvalResponse(e.newChangeRequest(q, row, actionDelete), false)
}

// pending is the change request that blocks another gated change of
// action on holdout: PostHog's _check_for_duplicate looks for one in state
// PENDING or APPROVED with the same action, team and resource.
func (e *Emulator) pending(project int64, action string, holdout int64) *changeRequest {
	for _, cr := range e.changeRequests {
		st := cr.pub.State
		if (st == "pending" || st == "approved") && cr.pub.Project == project && cr.pub.ActionKey == action && cr.pub.HoldoutID == holdout {
			return cr
		}
	}
	return nil
}

func (e *Emulator) newChangeRequest(q *apiRequest, row *holdoutRow, action string) *changeRequest {
	cr := &changeRequest{
		pub: ChangeRequest{
			ID:        e.newUUID(),
			ActionKey: action,
			Project:   q.project,
			HoldoutID: row.id,
			State:     "pending",
			CreatedAt: dbTime(e.now()),
		},
		method:      q.method,
		holdoutName: row.name,
		currentPct:  firstPercentage(row),
		experiments: e.usingExperiments(row.id),
		createdBy:   q.key.User,
	}
	e.changeRequests = append(e.changeRequests, cr)
	return cr
}

// usingExperiments lists the ids of the experiments using holdout id.
func (e *Emulator) usingExperiments(id int64) []int64 {
	var out []int64
	for _, x := range e.experiments {
		if x.HoldoutID == id {
			out = append(out, x.ID)
		}
	}
	slices.Sort(out)
	return out
}

// desiredChanges is intent.desired_changes: the fields the update set.
func (cr *changeRequest) desiredChanges() *object {
	o := newObject()
	if cr.v.hasName {
		o.set("name", cr.v.name)
	}
	if cr.v.hasDesc {
		var d any
		if cr.v.desc != nil {
			d = *cr.v.desc
		}
		o.set("description", d)
	}
	if cr.v.hasFilters {
		o.set("filters", clone(cr.v.filters))
	}
	return o
}

// crJSON is the change_request object of a 409 body.
func (e *Emulator) crJSON(cr *changeRequest) *object {
	id := strconv.FormatInt(cr.pub.HoldoutID, 10)
	var affected []any
	for _, xid := range cr.experiments {
		name := ""
		if x := e.experiments[xid]; x != nil {
			name = x.Name
		}
		affected = append(affected, obj("id", xid, "name", name))
	}
	if affected == nil {
		affected = []any{}
	}
	before := obj("exclusion_percentage", cr.currentPct)
	intent := obj("holdout_id", cr.pub.HoldoutID, "holdout_name", cr.holdoutName, "current_state", before)
	var display *object
	if cr.pub.ActionKey == actionUpdate {
		after := obj("exclusion_percentage", cr.newPct)
		intent.set("gated_changes", after)
		intent.set("desired_filters", clone(cr.v.filters))
		intent.set("desired_changes", cr.desiredChanges())
		display = obj(
			"description", fmt.Sprintf("Change holdout '%s' exclusion from %s%% to %s%%, affecting %d experiments",
				cr.holdoutName, pyStr(cr.currentPct), pyStr(cr.newPct), len(cr.experiments)),
			"before", clone(before),
			"after", clone(after),
		)
	} else {
		intent.set("gated_changes", obj("deleted", true))
		display = obj(
			"description", fmt.Sprintf("Delete holdout '%s', releasing its users into %d experiments", cr.holdoutName, len(cr.experiments)),
			"before", clone(before),
			"after", obj("deleted", true),
		)
	}
	intent.set("affected_experiments", affected)
	intent.set("http_method", cr.method)
	created := pyTime(cr.pub.CreatedAt)
	user := cr.createdBy
	return obj(
		"id", cr.pub.ID,
		"action_key", cr.pub.ActionKey,
		"action_version", 1,
		"resource_type", "experiment_holdout",
		"resource_id", id,
		"intent", intent,
		"intent_display", display,
		"policy_snapshot", obj(
			"quorum", 1,
			"users", []any{pyInt("2")},
			"roles", []any{},
			"allow_self_approve", false,
			"conditions", newObject(),
			"bypass_org_membership_levels", []any{},
			"bypass_roles", []any{},
		),
		"validation_status", "valid",
		"validation_errors", nil,
		"validated_at", nil,
		"state", cr.pub.State,
		"created_by", userJSON(&user),
		"applied_by", nil,
		"created_at", created,
		"updated_at", created,
		"expires_at", pyTime(cr.pub.CreatedAt.Add(14*24*time.Hour)),
		"applied_at", nil,
		"apply_error", "",
		"result_data", nil,
		"approvals", []any{},
		"can_approve", false,
		"can_cancel", false,
		"is_requester", false,
		"user_decision", nil,
	)
}

// approvalResponse is the 409 for a new change request; only the update
// path carries "detail".
func (e *Emulator) approvalResponse(cr *changeRequest, withDetail bool) *response {
	body := obj("code", "approval_required", "status", "approval_required")
	if withDetail {
		body.set("detail", msgCreated)
	}
	body.set("message", msgCreated)
	body.set("resource_type", "experiment_holdout")
	body.set("resource_id", strconv.FormatInt(cr.pub.HoldoutID, 10))
	body.set("change_request_id", cr.pub.ID)
	body.set("change_request", e.crJSON(cr))
	body.set("required_approvers", obj("quorum", 1, "users", []any{pyInt("2")}))
	return jsonResponse(http.StatusConflict, body)
}

// pendingResponse is the 409 for another gated change while cr blocks
// it. The update path (the serializer's ApprovalRequired) says it under
// "detail" and "message" with change_request, as
// error-409-approval-pending.json; the delete path (the viewset's
// _result_to_response) has only code, "error", the resource,
// change_request_id and existing_change_request.
func (e *Emulator) pendingResponse(cr *changeRequest, deletePath bool) *response {
	body := obj("code", "change_request_pending")
	if deletePath {
		body.set("error", msgPending)
	} else {
		body.set("status", "approval_required")
		body.set("detail", msgPending)
		body.set("message", msgPending)
	}
	body.set("resource_type", "experiment_holdout")
	body.set("resource_id", strconv.FormatInt(cr.pub.HoldoutID, 10))
	body.set("change_request_id", cr.pub.ID)
	if deletePath {
		body.set("existing_change_request", e.crJSON(cr))
	} else {
		body.set("change_request", e.crJSON(cr))
		body.set("required_approvers", newObject())
	}
	return jsonResponse(http.StatusConflict, body)
}
