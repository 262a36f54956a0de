package posthogtest

import (
	"fmt"
	"net/http"
	"slices"
)

// organizationID is the organization every emulated project belongs to.
const organizationID = "0191a3c2-5e7b-7000-8000-0000000000a1"

// SetCurrentProject makes "@current" resolve to project for key from the
// next request on, as when the key's owner opens another project in
// PostHog's web app: PostHog resolves "@current" on every request, so a
// run that does not pin it can read one project and write another. The
// project need not exist ("@current" then answers 404). SetCurrentProject
// panics if key is not registered.
func (e *Emulator) SetCurrentProject(key string, project int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k, ok := e.keys[key]
	if !ok {
		panic("posthogtest: SetCurrentProject: no such key is registered")
	}
	k.CurrentProject = project
	e.keys[key] = k
}

// SetOnRequest calls f at the start of every request, before faults,
// latency and handling, with n the request's number (1 for the first
// request since New) and r the request (f must not read its body; the
// request log has it). f runs without the emulator's lock, so it may call
// any Emulator method, for example SetCurrentProject after the Nth
// request; concurrent requests call it concurrently. nil removes it.
func (e *Emulator) SetOnRequest(f func(n int, r *http.Request)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onRequest = f
}

// SetProjectName names project id (created if missing); a project's name
// is "Project {id}" until then.
func (e *Emulator) SetProjectName(id int64, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.projects[id] = true
	e.projectNames[id] = name
}

func (e *Emulator) projectName(id int64) string {
	if n, ok := e.projectNames[id]; ok {
		return n
	}
	return fmt.Sprintf("Project %d", id)
}

// serveProject is PostHog's ProjectViewSet on /api/projects/{id}/ for
// GET, HEAD and OPTIONS: "@current" is the key owner's current project.
// Its permission order differs from the nested routes: the project is
// looked up before the scope check only for keys limited to some
// projects (PostHog reads view.team for them), and an unknown project is
// 404 "Not found.". Writes are not emulated: 405 once permissions pass.
func (q *apiRequest) serveProject(action string) *response {
	e := q.e
	scope := requiredScope("project", action)
	scoped := len(q.key.Scopes) > 0
	if scoped && scope == "" {
		return permissionDenied("This action does not support personal API key access")
	}
	resolved := false
	resolve := func() *response {
		resolved = true
		if q.route.project == "@current" {
			if q.project = q.key.CurrentProject; !e.projects[q.project] {
				return notFound()
			}
			return nil
		}
		n, ok := pyParseInt(q.route.project)
		if !ok {
			return validationError("invalid_input", fmt.Sprintf("Field 'id' expected a number but got '%s'.", q.route.project), nil)
		}
		if !n.IsInt64() || !e.projects[n.Int64()] {
			return notFound()
		}
		q.project = n.Int64()
		return nil
	}
	if len(q.key.Projects) > 0 {
		if resp := resolve(); resp != nil {
			return resp
		}
		if !slices.Contains(q.key.Projects, q.project) {
			return permissionDenied(fmt.Sprintf("API key does not have access to the requested project: ID %d.", q.project))
		}
	}
	if scoped && !hasScope(q.key.Scopes, scope) {
		return permissionDenied("API key missing required scope '" + scope + "'")
	}
	if resp := q.checkThrottle(); resp != nil {
		return resp
	}
	switch action {
	case "metadata":
		return jsonResponse(http.StatusOK, obj(
			"name", "Project Instance", "description", "Projects for the current organization.",
			"renders", []any{"application/json"}, "parses", []any{"application/json"},
		))
	case "retrieve":
		if !resolved {
			if resp := resolve(); resp != nil {
				return resp
			}
		}
		return jsonResponse(http.StatusOK, obj("id", q.project, "organization", organizationID, "name", e.projectName(q.project)))
	}
	return methodNotAllowed(q.method)
}
