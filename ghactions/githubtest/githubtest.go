// Package githubtest is a fake of the parts of GitHub's REST API that
// hogsync uses, for tests: issue and pull request comments, issues, the
// token's user, the pull requests of a commit, and workflow artifacts
// (listed by name, downloaded through a redirect to a second server that,
// like GitHub's blob storage, refuses an Authorization header). It can
// answer with scripted failures (secondary rate limits, 5xx), never
// answer at all, and records every request.
//
// Like a token with write access, it lets any comment or issue be edited,
// whoever wrote it: keeping to one's own is the client's job.
package githubtest

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ActionsBot is who the default GITHUB_TOKEN writes as.
const ActionsBot = "github-actions[bot]"

// Comment is a comment on an issue or pull request.
type Comment struct {
	ID    int64
	Issue int // the issue or pull request number
	User  string
	Body  string
}

// Issue is an issue (not a pull request).
type Issue struct {
	Number      int
	Title, Body string
	User        string
	State       string // open or closed
	StateReason string
	Labels      []string
}

// Pull is a pull request as GET /repos/{o}/{r}/commits/{sha}/pulls tells
// it: it is listed for its head commit, each of Commits, and its merge
// commit.
type Pull struct {
	Number         int
	HeadSHA        string
	Commits        []string
	Merged         bool
	MergeCommitSHA string
	// HeadRef is its head branch ("feature" when empty); HeadRepoID the
	// repository it comes from (RepoID when 0: not a fork); BaseRef the
	// branch it is to ("main" when empty).
	HeadRef    string
	HeadRepoID int64
	BaseRef    string
}

// RepoID is the fake repository's id (GITHUB_REPOSITORY_ID).
const RepoID = 4242

// Workflow is the workflow file a Run is of when it names none.
const Workflow = ".github/workflows/hogsync.yml"

// Run is the workflow run that uploaded an artifact, as
// GET /repos/{o}/{r}/actions/runs/{id} tells it. A zero field takes its
// default: Event "pull_request", Path Workflow, RepoID and HeadRepoID
// RepoID, HeadBranch and PullRequests those of the pull requests whose
// head is the artifact's HeadSHA (a fork's run lists none: set
// NoPullRequests).
type Run struct {
	ID             int64
	Event          string
	Path           string
	RepoID         int64
	HeadRepoID     int64
	HeadBranch     string
	PullRequests   []RunPull
	NoPullRequests bool
}

// RunPull is one of a run's pull_requests.
type RunPull struct {
	Number     int
	BaseRef    string
	BaseRepoID int64
}

// Artifact is a workflow artifact; Zip is its archive.
type Artifact struct {
	ID      int64
	Name    string
	HeadSHA string // workflow_run.head_sha
	Expired bool
	Created time.Time
	Zip     []byte
	// Run is the run that uploaded it (see Run for the defaults).
	Run Run
}

// Failure is a scripted answer: the next Times requests whose method is
// Method ("" for any) and whose path starts with Path ("" for any) get
// Status, Header and Body instead of the real answer. With Lost, the
// request is carried out first (its answer lost on the way back).
type Failure struct {
	Method, Path string
	Status       int
	Header       map[string]string
	Body         string
	Times        int
	Lost         bool
}

// SecondaryRateLimit is GitHub's answer to too many requests: 403 with a
// Retry-After of seconds.
func SecondaryRateLimit(method, path string, retryAfter, times int) Failure {
	return Failure{
		Method: method, Path: path, Status: http.StatusForbidden, Times: times,
		Header: map[string]string{"Retry-After": strconv.Itoa(retryAfter)},
		Body:   `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`,
	}
}

// Request is one request the fake received.
type Request struct {
	Server     string // "api" or "blob"
	Method     string
	Path       string
	Query      string
	Authorized bool // it carried an Authorization header
	Body       string
}

// Server is the fake: API serves the REST API for repository Repo, Blob
// the artifact archives.
type Server struct {
	API, Blob *httptest.Server
	// URL is the API's base URL, for GITHUB_API_URL.
	URL   string
	Token string
	Repo  string

	mu           sync.Mutex
	login        string
	comments     []Comment
	issues       []Issue
	pulls        []Pull
	artifacts    []Artifact
	nextID       int64
	failures     []*Failure
	hang         bool
	rejectLabels bool
	// rejectCreator answers 422 to an issue listing filtered by creator.
	rejectCreator bool
	requests      []Request
	closing       chan struct{}
	closeOnce     sync.Once
}

// New starts a fake for repository "o/r" that accepts token. It acts as
// the default GITHUB_TOKEN: GET /user answers 403 and what the token
// writes is written by github-actions[bot] (SetLogin changes that).
func New(token string) *Server {
	s := &Server{Token: token, Repo: "o/r", closing: make(chan struct{})}
	s.API = httptest.NewServer(http.HandlerFunc(s.serveAPI))
	s.Blob = httptest.NewServer(http.HandlerFunc(s.serveBlob))
	s.URL = s.API.URL
	return s
}

// Close stops both servers, ending requests that hang.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.API.Close()
	s.Blob.Close()
}

// SetLogin makes the token a user's (a personal access token): GET /user
// answers login, and what the token writes is written by login. "" goes
// back to the default GITHUB_TOKEN's behaviour.
func (s *Server) SetLogin(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.login = login
}

func (s *Server) author() string {
	if s.login == "" {
		return ActionsBot
	}
	return s.login
}

// Hang makes the API accept requests and never answer them.
func (s *Server) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = on
}

// RejectCreator makes listing issues with a creator filter fail with
// 422 (as GitHub might for a login it does not take there).
func (s *Server) RejectCreator(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectCreator = on
}

// RejectLabels makes creating an issue with labels fail with 422, as
// GitHub does for a label it will not make.
func (s *Server) RejectLabels(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectLabels = on
}

// Fail scripts failures, answered in order of matching.
func (s *Server) Fail(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range f {
		s.failures = append(s.failures, &f[i])
	}
}

// AddComment adds a comment by user on issue or pull request n.
func (s *Server) AddComment(n int, user, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.comments = append(s.comments, Comment{ID: s.nextID, Issue: n, User: user, Body: body})
	return s.nextID
}

// Comments returns the comments on issue or pull request n, oldest first.
func (s *Server) Comments(n int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Issue == n {
			out = append(out, c)
		}
	}
	return out
}

// AddIssue adds an open issue by user.
func (s *Server) AddIssue(user, title, body string, labels ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addIssue(user, title, body, labels)
}

func (s *Server) addIssue(user, title, body string, labels []string) int {
	n := len(s.issues) + 1000
	s.issues = append(s.issues, Issue{Number: n, Title: title, Body: body, User: user, State: "open", Labels: slices.Clone(labels)})
	return n
}

// Issues returns every issue, open and closed, in order of creation.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.issues)
	for i := range out {
		out[i].Labels = slices.Clone(out[i].Labels)
	}
	return out
}

// AddPull adds a pull request.
func (s *Server) AddPull(p Pull) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pulls = append(s.pulls, p)
}

// AddArtifact adds an artifact (an id and a creation time are given when
// missing) and returns its id.
func (s *Server) AddArtifact(a Artifact) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == 0 {
		s.nextID++
		a.ID = s.nextID
	}
	if a.Created.IsZero() {
		a.Created = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(len(s.artifacts)) * time.Minute)
	}
	if a.Run.ID == 0 {
		a.Run.ID = 900000 + a.ID
	}
	s.artifacts = append(s.artifacts, a)
	return a.ID
}

// Artifacts returns the artifacts.
func (s *Server) Artifacts() []Artifact {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.artifacts)
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Zip makes an archive of files (name to content), in name order.
func Zip(files map[string][]byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			panic(err)
		}
		if _, err := w.Write(files[n]); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

func (s *Server) record(server string, r *http.Request) []byte {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.requests = append(s.requests, Request{
		Server: server, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Authorized: r.Header.Get("Authorization") != "", Body: string(body),
	})
	return body
}

// scripted returns the first failure matching r, counting it down.
func (s *Server) scripted(r *http.Request) *Failure {
	for i, f := range s.failures {
		if (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.Path) {
			f.Times--
			if f.Times <= 0 {
				s.failures = append(s.failures[:i], s.failures[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body := s.record("api", r)
	if s.hang {
		s.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return
	}
	defer s.mu.Unlock()
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+s.Token && auth != "token "+s.Token {
		message(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	if f := s.scripted(r); f != nil {
		if f.Lost {
			r.Body = io.NopCloser(bytes.NewReader(body))
			s.route(httptest.NewRecorder(), r, body)
		}
		for k, v := range f.Header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(f.Status)
		fmt.Fprint(w, f.Body)
		return
	}
	s.route(w, r, body)
}

// route answers an authorised API request (s.mu held).
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	prefix := "/repos/" + s.Repo
	path := r.URL.Path
	if path == "/user" && r.Method == http.MethodGet {
		if s.login == "" {
			message(w, http.StatusForbidden, "Resource not accessible by integration")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"login": s.login, "type": "User"})
		return
	}
	if path == prefix && r.Method == http.MethodGet {
		writeJSON(w, http.StatusOK, map[string]any{"id": RepoID, "full_name": s.Repo})
		return
	}
	if !strings.HasPrefix(path, prefix+"/") {
		message(w, http.StatusNotFound, "Not Found")
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, prefix+"/"), "/")
	switch {
	case len(parts) == 3 && parts[0] == "issues" && parts[2] == "comments":
		n, err := strconv.Atoi(parts[1])
		if err != nil {
			break
		}
		switch r.Method {
		case http.MethodGet:
			s.listComments(w, r, n)
			return
		case http.MethodPost:
			var in struct{ Body string }
			if json.Unmarshal(body, &in) != nil || in.Body == "" {
				message(w, http.StatusUnprocessableEntity, "Validation Failed")
				return
			}
			s.nextID++
			c := Comment{ID: s.nextID, Issue: n, User: s.author(), Body: in.Body}
			s.comments = append(s.comments, c)
			writeJSON(w, http.StatusCreated, wireComment(c))
			return
		}
	case len(parts) == 3 && parts[0] == "issues" && parts[1] == "comments" && r.Method == http.MethodPatch:
		id, _ := strconv.ParseInt(parts[2], 10, 64)
		var in struct{ Body string }
		if json.Unmarshal(body, &in) != nil || in.Body == "" {
			message(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		for i := range s.comments {
			if s.comments[i].ID == id {
				s.comments[i].Body = in.Body
				writeJSON(w, http.StatusOK, wireComment(s.comments[i]))
				return
			}
		}
		message(w, http.StatusNotFound, "Not Found")
		return
	case len(parts) == 1 && parts[0] == "issues":
		switch r.Method {
		case http.MethodGet:
			s.listIssues(w, r)
			return
		case http.MethodPost:
			var in struct {
				Title, Body string
				Labels      []string
			}
			if json.Unmarshal(body, &in) != nil || in.Title == "" {
				message(w, http.StatusUnprocessableEntity, "Validation Failed")
				return
			}
			if s.rejectLabels && len(in.Labels) > 0 {
				message(w, http.StatusUnprocessableEntity, "Validation Failed: label does not exist")
				return
			}
			s.addIssue(s.author(), in.Title, in.Body, in.Labels)
			writeJSON(w, http.StatusCreated, s.wireIssue(s.issues[len(s.issues)-1]))
			return
		}
	case len(parts) == 2 && parts[0] == "issues" && r.Method == http.MethodPatch:
		n, _ := strconv.Atoi(parts[1])
		var in struct {
			Title, Body *string
			State       *string
			StateReason *string `json:"state_reason"`
		}
		if json.Unmarshal(body, &in) != nil {
			message(w, http.StatusBadRequest, "Problems parsing JSON")
			return
		}
		for i := range s.issues {
			is := &s.issues[i]
			if is.Number != n {
				continue
			}
			if in.Title != nil {
				is.Title = *in.Title
			}
			if in.Body != nil {
				is.Body = *in.Body
			}
			if in.State != nil {
				is.State = *in.State
			}
			if in.StateReason != nil {
				is.StateReason = *in.StateReason
			}
			writeJSON(w, http.StatusOK, s.wireIssue(*is))
			return
		}
		message(w, http.StatusNotFound, "Not Found")
		return
	case len(parts) == 3 && parts[0] == "commits" && parts[2] == "pulls" && r.Method == http.MethodGet:
		sha := parts[1]
		out := []any{}
		for _, p := range s.pulls {
			if p.HeadSHA == sha || p.MergeCommitSHA == sha || slices.Contains(p.Commits, sha) {
				out = append(out, wirePull(p))
			}
		}
		writeJSON(w, http.StatusOK, out)
		return
	case len(parts) == 3 && parts[0] == "actions" && parts[1] == "runs" && r.Method == http.MethodGet:
		id, _ := strconv.ParseInt(parts[2], 10, 64)
		for _, a := range s.artifacts {
			if a.Run.ID == id {
				writeJSON(w, http.StatusOK, s.wireRun(a))
				return
			}
		}
		message(w, http.StatusNotFound, "Not Found")
		return
	case len(parts) == 2 && parts[0] == "actions" && parts[1] == "artifacts" && r.Method == http.MethodGet:
		s.listArtifacts(w, r)
		return
	case len(parts) == 4 && parts[0] == "actions" && parts[1] == "artifacts" && parts[3] == "zip" && r.Method == http.MethodGet:
		id, _ := strconv.ParseInt(parts[2], 10, 64)
		for _, a := range s.artifacts {
			if a.ID != id {
				continue
			}
			if a.Expired {
				message(w, http.StatusGone, "Artifact has expired")
				return
			}
			w.Header().Set("Location", fmt.Sprintf("%s/blob/%d?sig=s3cr3t-signature", s.Blob.URL, id))
			w.WriteHeader(http.StatusFound)
			return
		}
		message(w, http.StatusNotFound, "Not Found")
		return
	}
	message(w, http.StatusNotFound, "Not Found")
}

// serveBlob serves artifact archives as GitHub's blob storage does: a
// signed URL, and an Authorization header is an error.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record("blob", r)
	if r.Header.Get("Authorization") != "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, "<Error><Code>InvalidAuthenticationInfo</Code><Message>Authentication information is not given in the correct format.</Message></Error>")
		return
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/blob/"), 10, 64)
	for _, a := range s.artifacts {
		if a.ID == id && r.URL.Query().Get("sig") == "s3cr3t-signature" {
			w.Header().Set("Content-Type", "application/zip")
			_, _ = w.Write(a.Zip)
			return
		}
	}
	w.WriteHeader(http.StatusForbidden)
}

// page cuts items by ?page= and ?per_page= (30 by default, as GitHub).
func page[T any](r *http.Request, items []T) []T {
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	p, per = max(p, 1), min(max(per, 1), 100)
	if r.URL.Query().Get("per_page") == "" {
		per = 30
	}
	lo, hi := min((p-1)*per, len(items)), min(p*per, len(items))
	return items[lo:hi]
}

func wireComment(c Comment) map[string]any {
	return map[string]any{"id": c.ID, "body": c.Body, "user": wireUser(c.User)}
}

func wireUser(login string) map[string]any {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	return map[string]any{"login": login, "type": typ}
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, n int) {
	var all []map[string]any
	for _, c := range s.comments {
		if c.Issue == n {
			all = append(all, wireComment(c))
		}
	}
	writeJSON(w, http.StatusOK, append([]map[string]any{}, page(r, all)...))
}

func (s *Server) wireIssue(is Issue) map[string]any {
	labels := []map[string]any{}
	for _, l := range is.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	return map[string]any{
		"number": is.Number, "title": is.Title, "body": is.Body, "state": is.State,
		"user": wireUser(is.User), "labels": labels,
		"html_url": fmt.Sprintf("https://github.com/%s/issues/%d", s.Repo, is.Number),
	}
}

func (s *Server) listIssues(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "open"
	}
	creator := r.URL.Query().Get("creator")
	var labels []string
	if l := r.URL.Query().Get("labels"); l != "" {
		labels = strings.Split(l, ",")
	}
	if creator != "" && s.rejectCreator {
		message(w, http.StatusUnprocessableEntity, "Validation Failed: creator")
		return
	}
	var all []map[string]any
	for _, is := range s.issues {
		if (state == "all" || is.State == state) && (creator == "" || strings.EqualFold(creator, is.User)) &&
			!slices.ContainsFunc(labels, func(l string) bool { return !slices.Contains(is.Labels, l) }) {
			all = append(all, s.wireIssue(is))
		}
	}
	// GitHub lists pull requests among issues: one stands here for them.
	if len(labels) == 0 && (creator == "" || strings.EqualFold(creator, s.author())) {
		all = append(all, map[string]any{"number": 1, "title": "a pull request", "state": "open", "body": "",
			"user": wireUser(s.author()), "pull_request": map[string]any{"url": "x"}})
	}
	if r.URL.Query().Get("direction") != "asc" {
		slices.Reverse(all)
	}
	writeJSON(w, http.StatusOK, append([]map[string]any{}, page(r, all)...))
}

// wireRun is the run that uploaded a, its defaults filled in.
func (s *Server) wireRun(a Artifact) map[string]any {
	run := a.Run
	run.Event = cmp.Or(run.Event, "pull_request")
	run.Path = cmp.Or(run.Path, Workflow)
	run.RepoID = cmp.Or(run.RepoID, RepoID)
	run.HeadRepoID = cmp.Or(run.HeadRepoID, RepoID)
	var prs []map[string]any
	for _, p := range s.pulls {
		if p.HeadSHA != a.HeadSHA {
			continue
		}
		run.HeadBranch = cmp.Or(run.HeadBranch, p.HeadRef, "feature")
		if a.Run.PullRequests == nil && !run.NoPullRequests {
			run.PullRequests = append(run.PullRequests, RunPull{Number: p.Number, BaseRef: cmp.Or(p.BaseRef, "main")})
		}
	}
	if run.NoPullRequests {
		run.PullRequests = nil
	}
	for _, p := range run.PullRequests {
		prs = append(prs, map[string]any{"number": p.Number,
			"base": map[string]any{"ref": cmp.Or(p.BaseRef, "main"), "repo": map[string]any{"id": cmp.Or(p.BaseRepoID, RepoID)}},
			"head": map[string]any{"sha": a.HeadSHA, "ref": run.HeadBranch, "repo": map[string]any{"id": run.HeadRepoID}}})
	}
	return map[string]any{
		"id": run.ID, "event": run.Event, "path": run.Path, "head_sha": a.HeadSHA, "head_branch": run.HeadBranch,
		"repository": map[string]any{"id": run.RepoID}, "head_repository": map[string]any{"id": run.HeadRepoID},
		"pull_requests": append([]map[string]any{}, prs...),
	}
}

func wirePull(p Pull) map[string]any {
	out := map[string]any{
		"number": p.Number, "state": "open", "merged_at": nil, "merge_commit_sha": p.MergeCommitSHA,
		"head": map[string]any{"sha": p.HeadSHA, "ref": cmp.Or(p.HeadRef, "feature"), "repo": map[string]any{"id": cmp.Or(p.HeadRepoID, RepoID)}},
		"base": map[string]any{"ref": cmp.Or(p.BaseRef, "main"), "repo": map[string]any{"id": RepoID}},
	}
	if p.Merged {
		out["state"] = "closed"
		out["merged_at"] = "2026-01-02T03:04:05Z"
	}
	return out
}

func (s *Server) listArtifacts(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	var match []Artifact
	for _, a := range s.artifacts {
		if name == "" || a.Name == name {
			match = append(match, a)
		}
	}
	// Newest first, as GitHub lists them.
	sort.SliceStable(match, func(i, j int) bool { return match[i].Created.After(match[j].Created) })
	var out []map[string]any
	for _, a := range page(r, match) {
		run := s.wireRun(a)
		out = append(out, map[string]any{
			"id": a.ID, "name": a.Name, "size_in_bytes": len(a.Zip), "expired": a.Expired,
			"created_at":           a.Created.Format(time.RFC3339),
			"expires_at":           a.Created.Add(7 * 24 * time.Hour).Format(time.RFC3339),
			"archive_download_url": fmt.Sprintf("%s/repos/%s/actions/artifacts/%d/zip", s.URL, s.Repo, a.ID),
			"workflow_run": map[string]any{"id": a.Run.ID, "head_sha": a.HeadSHA, "head_branch": run["head_branch"],
				"repository_id": run["repository"].(map[string]any)["id"], "head_repository_id": run["head_repository"].(map[string]any)["id"]},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(match), "artifacts": append([]map[string]any{}, out...)})
}
