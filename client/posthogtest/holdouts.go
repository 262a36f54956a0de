package posthogtest

import (
	"github.com/hogsync/hogsync/internal/canon"

	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// userJSON is PostHog's UserBasicSerializer, or null.
func userJSON(u *User) any {
	if u == nil {
		return nil
	}
	return obj(
		"id", u.ID,
		"uuid", u.UUID,
		"distinct_id", u.DistinctID,
		"first_name", u.FirstName,
		"last_name", u.LastName,
		"email", u.Email,
		"is_email_verified", true,
		"hedgehog_config", nil,
		"role_at_organization", nil,
	)
}

// render is ExperimentHoldoutSerializer's output for the row, with
// filters as given: the stored (jsonb-ordered) value for rows read from
// the database, or the in-memory value right after a create or update.
// It is written directly rather than through the value model: lists of
// tens of thousands of rows render each row once.
func (r *holdoutRow) render(filters any) rawJSON {
	ok := true
	b := make([]byte, 0, 512)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.id, 10)
	b = append(b, `,"name":`...)
	b = appendPyString(b, r.name)
	b = append(b, `,"description":`...)
	if r.description == nil {
		b = append(b, "null"...)
	} else {
		b = appendPyString(b, *r.description)
	}
	b = append(b, `,"filters":`...)
	b = appendJSON(b, filters, &ok)
	b = append(b, `,"created_by":`...)
	b = appendJSON(b, userJSON(r.createdBy), &ok)
	b = append(b, `,"created_at":"`...)
	b = appendPyTime(b, r.createdAt)
	b = append(b, `","updated_at":"`...)
	b = appendPyTime(b, r.updatedAt)
	b = append(b, `","user_access_level":"manager"}`...)
	return rawJSON{b, ok}
}

// stored is the row as every read from the database renders it (list,
// retrieve, the holdout nested in an experiment). It is rendered when the
// row is written (see restored) so that reads, the first included, only
// copy it.
func (r *holdoutRow) stored() rawJSON {
	if r.rendered.b == nil {
		r.restored()
	}
	return r.rendered
}

// restored renders the row's stored form again; every write calls it.
func (r *holdoutRow) restored() { r.rendered = r.render(r.filters) }

func (q *apiRequest) listHoldouts() *response {
	rows := q.e.projectHoldouts(q.project)
	if q.e.shuffleSeed != 0 || q.e.reorderSeed != 0 {
		rows = slices.Clone(rows)
		listOrder(q.e, rows, func(r *holdoutRow) int64 { return r.id })
	}
	p, ok := paginate(q.r, len(rows))
	if !ok {
		return serverError()
	}
	// The envelope is written around the rows' stored renderings, without
	// boxing each row: a 50,000-row page is a copy.
	page := rows[p.lo:p.hi]
	size := 512 // count, next, previous
	for _, row := range page {
		size += len(row.stored().b) + 1
	}
	ok = true
	b := make([]byte, 0, size)
	b = append(b, `{"count":`...)
	b = strconv.AppendInt(b, int64(len(rows)), 10)
	b = append(b, `,"next":`...)
	b = appendJSON(b, p.next, &ok)
	b = append(b, `,"previous":`...)
	b = appendJSON(b, p.previous, &ok)
	b = append(b, `,"results":[`...)
	for i, row := range page {
		if i > 0 {
			b = append(b, ',')
		}
		s := row.stored()
		ok = ok && s.ok
		b = append(b, s.b...)
	}
	b = append(b, "]}"...)
	if !ok {
		return djangoServerError()
	}
	return &response{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

// lookup is get_object(): the holdout named by the {id} segment, if it is
// in the request's project.
func (q *apiRequest) lookup() *holdoutRow {
	n, ok := pyParseInt(q.route.id)
	if !ok || !n.IsInt64() {
		return nil
	}
	row := q.e.holdouts[n.Int64()]
	if row == nil || row.project != q.project {
		return nil
	}
	return row
}

func (q *apiRequest) retrieveHoldout() *response {
	row := q.lookup()
	if row == nil {
		return notFound()
	}
	return jsonResponse(http.StatusOK, row.stored())
}

func (q *apiRequest) createHoldout() *response {
	e := q.e
	data, resp := q.parse()
	if resp != nil {
		return resp
	}
	v, resp := validateHoldout(data, false)
	if resp != nil {
		return resp
	}
	if !v.hasFilters {
		return validationError("invalid_input", "Filters are required to create an holdout group", nil)
	}
	// Postgres refuses the jsonb value while binding the INSERT's
	// parameters, before the id's default (nextval) is evaluated: no id
	// is used up.
	if dbError(v.filters) {
		return serverError()
	}
	e.lastHoldout++
	id := e.lastHoldout
	filters := withVariant(v.filters, id)
	user := q.key.User
	row := &holdoutRow{
		id:        id,
		project:   q.project,
		name:      v.name,
		filters:   toJSONB(filters),
		createdBy: &user,
		createdAt: dbTime(e.now()),
	}
	if v.hasDesc && v.desc != nil {
		d := *v.desc
		row.description = &d
	}
	row.updatedAt = dbTime(e.now()) // the second save, which writes the variant
	e.holdouts[id] = row
	e.holdoutsChanged(q.project)
	row.restored()
	resp = jsonResponse(http.StatusCreated, row.render(filters))
	if e.faults.loseCreates > 0 && resp.status == http.StatusCreated {
		e.faults.loseCreates--
		e.stats.Faults++
		resp.drop = true
	}
	return resp
}

func (q *apiRequest) updateHoldout(partial bool) *response {
	e := q.e
	row := q.lookup()
	if row == nil {
		return notFound()
	}
	data, resp := q.parse()
	if resp != nil {
		return resp
	}
	v, resp := validateHoldout(data, partial)
	if resp != nil {
		return resp
	}
	if resp := e.gateUpdate(q, row, v); resp != nil {
		return resp
	}
	filters, ok := e.applyUpdate(row, v)
	if !ok {
		return serverError()
	}
	return jsonResponse(http.StatusOK, row.render(filters))
}

// applyUpdate is ExperimentHoldoutSerializer.update and save: only the
// given fields change, the variant is re-normalised only when the filters
// differ from the stored ones, and updated_at always moves. It returns
// the filters as the response shows them (in memory: as sent, or as
// stored when not sent), and false when the database would refuse them.
func (e *Emulator) applyUpdate(row *holdoutRow, v validated) (any, bool) {
	filters := row.filters
	if v.hasFilters {
		filters = v.filters
		changed := !pyEqual(row.filters, v.filters)
		if changed {
			filters = withVariant(v.filters, row.id)
		}
		if dbError(filters) {
			return nil, false
		}
		row.filters = toJSONB(filters)
		if changed {
			// if filters and instance.filters != filters: every linked
			// experiment's flag is rewritten, whatever its state.
			for _, x := range e.experiments {
				if x.HoldoutID == row.id {
					x.FlagSaves++
				}
			}
		}
	}
	if v.hasName {
		row.name = v.name
	}
	if v.hasDesc {
		row.description = nil
		if v.desc != nil {
			d := *v.desc
			row.description = &d
		}
	}
	row.updatedAt = dbTime(e.now())
	row.restored()
	return filters, true
}

func (q *apiRequest) destroyHoldout() *response {
	e := q.e
	row := q.lookup()
	if row == nil {
		return notFound()
	}
	if resp := e.gateDelete(q, row); resp != nil {
		return resp
	}
	e.deleteHoldout(row)
	return &response{status: http.StatusNoContent, header: http.Header{}}
}

// deleteHoldout removes row; experiments that used it lose it (SET_NULL)
// and their flags' holdout is cleared.
func (e *Emulator) deleteHoldout(row *holdoutRow) {
	for _, x := range e.experiments {
		if x.HoldoutID == row.id {
			x.HoldoutID = 0
			x.holdoutCleared = true
			x.FlagSaves++
		}
	}
	delete(e.holdouts, row.id)
	e.holdoutsChanged(row.project)
}

// withVariant is _get_filters_with_holdout_id: a copy of each group with
// "variant" set to holdout-{id} (a new key goes last, an existing one keeps
// its place).
func withVariant(filters any, id int64) any {
	groups, _ := filters.([]any)
	out := make([]any, len(groups))
	for i, g := range groups {
		o, ok := clone(g).(*object)
		if !ok {
			o = newObject()
		}
		o.set("variant", fmt.Sprintf("holdout-%d", id))
		out[i] = o
	}
	return out
}

// validated holds the fields that passed ExperimentHoldoutSerializer's
// validation; the has* flags tell which the request carried.
type validated struct {
	hasName    bool
	name       string
	hasDesc    bool
	desc       *string
	hasFilters bool
	filters    any // a non-empty []any of *object
}

// validateHoldout runs the serializer's field validation on data. DRF
// validates every field and reports the first error in field order
// (name, description, filters); a crash in validate_filters is a 500
// whatever the other fields hold. partial is PATCH: nothing is required.
func validateHoldout(data any, partial bool) (validated, *response) {
	var v validated
	o, ok := data.(*object)
	if !ok {
		if data == nil {
			return v, validationError("null", "No data provided", nil)
		}
		return v, validationError("invalid_input", fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pyTypeName(data)), nil)
	}
	var first *response
	note := func(r *response) {
		if first == nil {
			first = r
		}
	}

	if raw, ok := o.get("name"); !ok {
		if !partial {
			note(validationError("required", "This field is required.", "name"))
		}
	} else if s, err := charField(raw, false); err != nil {
		note(err.response("name"))
	} else {
		v.hasName, v.name = true, *s
	}

	if raw, ok := o.get("description"); ok {
		if s, err := charField(raw, true); err != nil {
			note(err.response("description"))
		} else {
			v.hasDesc, v.desc = true, s
		}
	}

	if raw, ok := o.get("filters"); ok {
		switch {
		case raw == nil:
			note(validationError("null", "This field may not be null.", "filters"))
		case !finite(raw):
			// JSONField checks the value with json.dumps(allow_nan=False)
			// before validate_filters runs.
			note(validationError("invalid_input", "Value must be valid JSON.", "filters"))
		default:
			msg, crash := validateFilters(raw)
			switch {
			case crash:
				return v, serverError()
			case msg != "":
				note(validationError("invalid_input", msg, "filters"))
			default:
				v.hasFilters, v.filters = true, raw
			}
		}
	}
	return v, first
}

// fieldError is one DRF field error.
type fieldError struct{ code, detail string }

func (f *fieldError) response(attr string) *response { return validationError(f.code, f.detail, attr) }

// maxCharLength is max_length of name and description.
const maxCharLength = 400

// charField is DRF's CharField(max_length=400, trim_whitespace=True) with
// allow_blank and allow_null both set to nullable. It returns the
// validated value (nil for null).
func charField(raw any, nullable bool) (*string, *fieldError) {
	if s, ok := raw.(string); ok && canon.Strip(s) == "" {
		if !nullable {
			return nil, &fieldError{"blank", "This field may not be blank."}
		}
		empty := ""
		return &empty, nil
	}
	switch raw.(type) {
	case nil:
		if nullable {
			return nil, nil
		}
		return nil, &fieldError{"null", "This field may not be null."}
	case string, pyInt, float64:
	default:
		return nil, &fieldError{"invalid_input", "Not a valid string."}
	}
	s := canon.Strip(pyStr(raw))
	switch {
	case utf8.RuneCountInString(s) > maxCharLength:
		return nil, &fieldError{"max_length", fmt.Sprintf("Ensure this field has no more than %d characters.", maxCharLength)}
	case strings.ContainsRune(s, 0):
		return nil, &fieldError{"null_characters_not_allowed", "Null characters are not allowed."}
	}
	return &s, nil
}

// validateFilters is validate_filters. It returns the validation message,
// or crash when Python would raise (filters not a list, a group not an
// object, a percentage that is not a number).
func validateFilters(raw any) (msg string, crash bool) {
	if !pyTruthy(raw) {
		return "Filters must not be empty.", false
	}
	groups, ok := raw.([]any)
	if !ok {
		return "", true
	}
	for _, g := range groups {
		o, ok := g.(*object)
		if !ok {
			return "", true
		}
		rp, _ := o.get("rollout_percentage")
		if rp == nil {
			return "Rollout percentage must be present.", false
		}
		lo, ok := pyCompare(rp, pyInt("0"))
		if !ok {
			return "", true
		}
		hi, _ := pyCompare(rp, pyInt("100"))
		if lo < 0 || hi > 0 {
			return "Rollout percentage must be between 0 and 100.", false
		}
	}
	return "", false
}
