package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/manifest"
)

// The second editor check. TestSchemaAndLoaderAgree (manifest/) judges
// the schema with a Go validator; this runs the editor's own checker,
// yaml-language-server (what VS Code's YAML extension runs), over LSP on
// stdio, and compares the lines it marks in each file with the lines of
// the errors `hogsync validate -o json` reports for the same files.
//
// The editor is set up as docs/manifests.md tells a user to: each file's
// modeline (# yaml-language-server: $schema=URL) and the docs'
// .vscode/settings.json yaml.schemas, read from the docs themselves. The
// schema URLs are answered from schema/*.json in this checkout, through
// the content requests VS Code's extension serves (vscode/content), so
// the check needs no network and judges the checked-in schemas.

// yamllsInstall is how CI and a developer get the server; the test skips
// without it.
const yamllsInstall = "npm install -g yaml-language-server@1.25.0"

// yamllsFile is one file both checkers see, at its path under the
// temporary workspace.
type yamllsFile struct {
	path string // slash-separated, under the workspace root
	data string
	// broken: hogsync must report at least one error in it, so that the
	// case cannot quietly become valid on both sides.
	broken bool
	// editorMisses are lines hogsync reports that the editor does not
	// mark, each a disagreement docs/manifests.md explains. The test fails
	// when the editor marks one after all: the docs are then out of date.
	editorMisses []int
}

// yamllsCases are the files both checkers see: the examples, copied
// unchanged; two valid hogsync.yaml; broken manifests where the schema
// and the loader agree (each a case of manifest/testdata/differential
// that both refuse), found by the editor through a modeline or through
// the settings' globs alone; and, outside those globs, files whose
// schema comes from modelines alone.
func yamllsCases(t *testing.T) []yamllsFile {
	t.Helper()
	var files []yamllsFile
	examples, err := filepath.Glob("../../examples/manifests/*.yaml")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, e := range examples {
		data, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, yamllsFile{path: "holdouts/" + filepath.Base(e), data: string(data)})
	}
	modeline := manifest.SchemaComment + "\n"
	config := "host: https://eu.posthog.com\n" +
		"project: 12345\n" +
		"protect: [legacy-*]\n"
	files = append(files,
		// The settings give a hogsync.yaml the config schema, and not
		// the manifest schema that its folder's glob would.
		yamllsFile{path: "holdouts/hogsync.yaml", data: config},
		yamllsFile{path: "holdouts/eu/hogsync.yaml", data: "# yaml-language-server: $schema=" + manifest.ConfigSchemaURL + "\n" + config},

		// desc-401: maxLength.
		yamllsFile{path: "holdouts/long-description.yaml", broken: true, data: modeline +
			"name: long-description\n" +
			"description: " + strings.Repeat("x", manifest.MaxDescriptionLength+1) + "\n" +
			"filters:\n" +
			"  - rollout_percentage: 5\n"},
		// rollout-string and name-number: type, in the document the
		// modeline heads and in the next one, which the glob covers.
		yamllsFile{path: "holdouts/wrong-type.yaml", broken: true, data: modeline +
			"name: wrong-type\n" +
			"filters:\n" +
			"  - rollout_percentage: ten\n" +
			"---\n" +
			"name: 12\n" +
			"filters:\n" +
			"  - rollout_percentage: 5\n"},
		// top-unknown-key and group-unknown-key, in a .yml file without
		// a modeline.
		yamllsFile{path: "holdouts/eu/unknown-key.yml", broken: true, data: "" +
			"name: unknown-key\n" +
			"colour: red\n" +
			"filters:\n" +
			"  - rollout_percentage: 5\n" +
			"---\n" +
			"name: unknown-key-2\n" +
			"filters:\n" +
			"  - rollout_percentage: 5\n" +
			"    rollout: 5\n"},
		// configs' unknown key, in a hogsync.yml found by the glob.
		yamllsFile{path: "holdouts/us/hogsync.yml", broken: true, data: config + "colour: red\n"},

		// A modeline heads one YAML document, not the file: the editor
		// leaves a later document unchecked, where no glob covers the
		// file (docs/manifests.md says so).
		yamllsFile{path: "other/modeline-once.yaml", broken: true, data: modeline +
			"name: modeline-once\n" +
			"filters:\n" +
			"  - rollout_percentage: 5\n" +
			"---\n" +
			"name: modeline-once-2\n" +
			"colour: red\n" +
			"filters:\n" +
			"  - rollout_percentage: 5\n",
			editorMisses: []int{7}},
		// ...and checks it when the modeline is repeated after "---".
		yamllsFile{path: "other/modeline-each.yaml", broken: true, data: modeline +
			"name: modeline-each\n" +
			"filters:\n" +
			"  - rollout_percentage: 5\n" +
			"---\n" +
			modeline +
			"name: modeline-each-2\n" +
			"colour: red\n" +
			"filters:\n" +
			"  - rollout_percentage: 5\n"},
	)
	return files
}

func TestYAMLLanguageServerMarksTheLinesValidateReports(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("yaml-language-server")
	if err != nil {
		t.Skip("yaml-language-server is not on PATH; install it with: " + yamllsInstall)
	}
	// The guard: the server is killed when it runs out. Cancelled after
	// the server's own cleanup (cleanups run last first), so that it is
	// shut down politely first.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)

	h := newHarness(t)
	files := yamllsCases(t)
	for _, f := range files {
		h.write(filepath.FromSlash(f.path), f.data)
	}

	// hogsync's side: the lines of its errors, per file.
	r := h.run("validate", filepath.Join(h.dir, "holdouts"), filepath.Join(h.dir, "other"), "-o", "json").must(t, exitFailure)
	var problems []struct {
		File     string `json:"file"`
		Line     int    `json:"line"`
		Col      int    `json:"col"`
		Code     string `json:"code"`
		Severity string `json:"severity"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &problems); err != nil {
		t.Fatalf("validate -o json: %v\n%s", err, r.stdout)
	}
	hogsync := map[string][]int{}
	hogsyncAt := map[string][]string{} // "line:col code", for the log
	for _, p := range problems {
		rel, err := filepath.Rel(h.dir, p.File)
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		if !slices.ContainsFunc(files, func(f yamllsFile) bool { return f.path == rel }) {
			t.Errorf("validate reports %s:%d (%s), a file the test did not write", rel, p.Line, p.Code)
		}
		// Warnings are left out: each is something the YAML holds that
		// hogsync reads as an editor does but another tool may not (a
		// YAML 1.1 habit), or that PostHog ignores; none is a schema
		// violation, and none stops a plan. The examples must have none.
		if p.Severity != "error" {
			if !slices.ContainsFunc(files, func(f yamllsFile) bool { return f.path == rel && f.broken }) {
				t.Errorf("validate warns on %s:%d (%s); a file that is not broken must have no problem", rel, p.Line, p.Code)
			}
			continue
		}
		hogsync[rel] = append(hogsync[rel], p.Line)
		hogsyncAt[rel] = append(hogsyncAt[rel], fmt.Sprintf("%d:%d %s", p.Line, p.Col, p.Code))
	}

	// The editor's side.
	ls := startYAMLLS(ctx, t, bin, h.dir, docsYAMLSchemas(t))
	uris := map[string]string{}
	for _, f := range files {
		uri := ls.open(filepath.Join(h.dir, filepath.FromSlash(f.path)), f.data)
		uris[uri] = f.path
	}
	published := ls.waitDiagnostics(ctx, t, slices.Collect(maps.Keys(uris)))

	// Every diagnostic counts, whatever its severity: the server raises
	// the schema's warnings to errors itself (validationHandlers.ts).
	for _, f := range files {
		var editor []int
		var messages []string
		for _, d := range published[uriOf(filepath.Join(h.dir, filepath.FromSlash(f.path)))] {
			editor = append(editor, d.Range.Start.Line+1)
			messages = append(messages, fmt.Sprintf("%d:%d %s", d.Range.Start.Line+1, d.Range.Start.Character+1, d.Message))
		}
		t.Logf("%s: editor %q, validate %q", f.path, messages, hogsyncAt[f.path])
		want := lineSet(hogsync[f.path])
		if f.broken && len(want) == 0 {
			t.Errorf("%s: validate reports no error: the case is not broken any more", f.path)
		}
		for _, l := range f.editorMisses {
			if !slices.Contains(want, l) {
				t.Errorf("%s: validate reports no error on line %d, listed as one the editor misses", f.path, l)
			}
		}
		want = slices.DeleteFunc(want, func(l int) bool { return slices.Contains(f.editorMisses, l) })
		if d := cmp.Diff(want, lineSet(editor)); d != "" {
			t.Errorf("%s: lines the editor marks (+) and validate's errors (-) differ:\n%s\neditor: %q\nvalidate: %s",
				f.path, d, messages, r.stdout)
		}
	}
	if t.Failed() {
		t.Logf("yaml-language-server's log:\n%s", ls.logText())
	}
}

// lineSet is lines sorted, without repeats: an editor may mark one line
// twice (two rules of one value), where validate reports one problem.
func lineSet(lines []int) []int {
	s := slices.Clone(lines)
	slices.Sort(s)
	s = slices.Compact(s)
	if s == nil {
		s = []int{}
	}
	return s
}

// docsYAMLSchemas is the yaml.schemas of the .vscode/settings.json that
// docs/manifests.md shows: the test uses the docs' own setting.
func docsYAMLSchemas(t *testing.T) map[string]any {
	t.Helper()
	doc, err := os.ReadFile("../../docs/manifests.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)`\\.vscode/settings\\.json`:\n\n```json\n(.*?)\n```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/manifests.md shows no .vscode/settings.json (a json block after \"`.vscode/settings.json`:\")")
	}
	var settings struct {
		Schemas map[string]any `json:"yaml.schemas"`
	}
	if err := json.Unmarshal(m[1], &settings); err != nil || len(settings.Schemas) == 0 {
		t.Fatalf("docs/manifests.md's settings.json: %v, yaml.schemas %v", err, settings.Schemas)
	}
	return settings.Schemas
}

// yamlls is a client of yaml-language-server over stdio.
type yamlls struct {
	stdin   io.WriteCloser
	writeMu gosync.Mutex
	// schemas are the contents served for vscode/content, by URL.
	schemas map[string][]byte
	// settings is the "yaml" section of the workspace configuration.
	settings map[string]any

	mu      gosync.Mutex
	nextID  int
	pending map[int]chan lspMessage
	diags   map[string][]lspDiagnostic // the last published, by URI
	changed chan struct{}              // closed and replaced on each publication
	log     bytes.Buffer               // the server's log messages and stderr
	done    chan struct{}              // closed when the server's stdout ends
}

type lspMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *lspError       `json:"error,omitempty"`
}

type lspError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type lspDiagnostic struct {
	Range struct {
		Start struct {
			Line      int `json:"line"`
			Character int `json:"character"`
		} `json:"start"`
	} `json:"range"`
	Severity int    `json:"severity"`
	Message  string `json:"message"`
}

func uriOf(path string) string { return "file://" + filepath.ToSlash(path) }

// startYAMLLS starts the server for the workspace root, with yaml.schemas
// set to schemas, and returns once it has its settings. ctx bounds the
// server's life; it is shut down when the test ends.
func startYAMLLS(ctx context.Context, t *testing.T, bin, root string, schemas map[string]any) *yamlls {
	t.Helper()
	ls := &yamlls{
		schemas: map[string][]byte{},
		settings: map[string]any{
			"validate": true,
			"schemas":  schemas,
			// VS Code's default fetches schemastore.org's catalog; CI has
			// no network, and no catalog entry names hogsync's files.
			"schemaStore":        map[string]any{"enable": false},
			"kubernetesCRDStore": map[string]any{"enable": false},
		},
		pending: map[int]chan lspMessage{},
		diags:   map[string][]lspDiagnostic{},
		changed: make(chan struct{}),
		done:    make(chan struct{}),
	}
	for url, file := range map[string]string{
		manifest.SchemaURL:       "../../schema/holdout.schema.json",
		manifest.ConfigSchemaURL: "../../schema/config.schema.json",
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ls.schemas[url] = data
	}

	cmd := exec.CommandContext(ctx, bin, "--stdio")
	cmd.Dir = root
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logWriter{ls}
	ls.stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go ls.read(stdout)
	t.Cleanup(func() {
		// Politely, then not: CommandContext kills it when ctx ends.
		shut, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := ls.call(shut, "shutdown", nil); err == nil {
			ls.notify("exit", nil)
		}
		stdin.Close()
		if err := cmd.Wait(); err != nil && ctx.Err() == nil {
			t.Logf("yaml-language-server: %v", err)
		}
	})

	res, err := ls.call(ctx, "initialize", map[string]any{
		"processId": os.Getpid(),
		"rootUri":   uriOf(root),
		"workspaceFolders": []any{
			map[string]any{"uri": uriOf(root), "name": "workspace"},
		},
		"capabilities": map[string]any{
			"workspace": map[string]any{
				"configuration":          true,
				"workspaceFolders":       true,
				"didChangeConfiguration": map[string]any{"dynamicRegistration": true},
			},
			"textDocument": map[string]any{
				"publishDiagnostics": map[string]any{"relatedInformation": false},
			},
		},
	})
	if err != nil {
		t.Fatalf("initialize: %v\n%s", err, ls.logText())
	}
	var info struct {
		ServerInfo struct{ Name string } `json:"serverInfo"`
	}
	if json.Unmarshal(res, &info); info.ServerInfo.Name != "yaml-language-server" {
		t.Fatalf("initialize answered %s", res)
	}
	ls.notify("initialized", map[string]any{})
	// As VS Code's YAML extension does: the server asks the client for
	// http(s) schemas rather than fetching them.
	ls.notify("yaml/registerContentRequest", map[string]any{})
	// The server pulls its settings (workspace/configuration) on
	// "initialized", and answers codeLens only once they are applied: so
	// every file opened after this answer is validated with them.
	if _, err := ls.call(ctx, "textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": uriOf(filepath.Join(root, "none.yaml"))}}); err != nil {
		t.Fatalf("codeLens: %v\n%s", err, ls.logText())
	}
	return ls
}

type logWriter struct{ ls *yamlls }

func (w logWriter) Write(p []byte) (int, error) {
	w.ls.mu.Lock()
	defer w.ls.mu.Unlock()
	return w.ls.log.Write(p)
}

func (ls *yamlls) logText() string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.log.String()
}

func (ls *yamlls) send(m lspMessage) {
	m.JSONRPC = "2.0"
	body, err := json.Marshal(m)
	if err != nil {
		panic(err) // only this file's values are marshalled
	}
	ls.writeMu.Lock()
	defer ls.writeMu.Unlock()
	// A write to a server that has gone shows as a missing answer.
	fmt.Fprintf(ls.stdin, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

func mustJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (ls *yamlls) notify(method string, params any) {
	ls.send(lspMessage{Method: method, Params: mustJSON(params)})
}

// call sends a request and waits for its answer.
func (ls *yamlls) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	ls.mu.Lock()
	ls.nextID++
	id := ls.nextID
	ch := make(chan lspMessage, 1)
	ls.pending[id] = ch
	ls.mu.Unlock()
	ls.send(lspMessage{ID: mustJSON(id), Method: method, Params: mustJSON(params)})
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: error %d: %s", method, m.Error.Code, m.Error.Message)
		}
		return m.Result, nil
	case <-ls.done:
		return nil, fmt.Errorf("%s: the server ended", method)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// open sends the file's text as VS Code does when it opens it.
func (ls *yamlls) open(path, text string) string {
	uri := uriOf(path)
	ls.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "yaml", "version": 1, "text": text,
	}})
	return uri
}

// waitDiagnostics waits until the server has published diagnostics for
// every one of uris, and returns them.
func (ls *yamlls) waitDiagnostics(ctx context.Context, t *testing.T, uris []string) map[string][]lspDiagnostic {
	t.Helper()
	for {
		ls.mu.Lock()
		var missing []string
		for _, u := range uris {
			if _, ok := ls.diags[u]; !ok {
				missing = append(missing, u)
			}
		}
		changed := ls.changed
		if len(missing) == 0 {
			out := make(map[string][]lspDiagnostic, len(ls.diags))
			for u, d := range ls.diags {
				out[u] = d
			}
			ls.mu.Unlock()
			return out
		}
		ls.mu.Unlock()
		select {
		case <-changed:
		case <-ls.done:
			t.Fatalf("yaml-language-server ended before it published diagnostics for %q\n%s", missing, ls.logText())
		case <-ctx.Done():
			t.Fatalf("no diagnostics for %q: %v\n%s", missing, ctx.Err(), ls.logText())
		}
	}
}

// read handles the server's messages until its stdout ends.
func (ls *yamlls) read(stdout io.Reader) {
	defer close(ls.done)
	br := bufio.NewReader(stdout)
	for {
		m, err := readLSPMessage(br)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(logWriter{ls}, "client: %v\n", err)
			}
			return
		}
		switch {
		case m.Method != "" && m.ID != nil:
			ls.answer(m)
		case m.Method != "":
			ls.handleNotification(m)
		default:
			id, err := strconv.Atoi(string(m.ID))
			ls.mu.Lock()
			ch := ls.pending[id]
			delete(ls.pending, id)
			ls.mu.Unlock()
			if err == nil && ch != nil {
				ch <- m
			}
		}
	}
}

// readLSPMessage reads one message in LSP's framing: headers, a blank
// line, then Content-Length bytes of JSON.
func readLSPMessage(br *bufio.Reader) (lspMessage, error) {
	length := -1
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return lspMessage{}, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			if length, err = strconv.Atoi(v); err != nil {
				return lspMessage{}, fmt.Errorf("header %q: %v", line, err)
			}
		}
	}
	if length < 0 {
		return lspMessage{}, errors.New("a message without Content-Length")
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(br, body); err != nil {
		return lspMessage{}, err
	}
	var m lspMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return lspMessage{}, fmt.Errorf("%v: %s", err, body)
	}
	return m, nil
}

func (ls *yamlls) handleNotification(m lspMessage) {
	switch m.Method {
	case "textDocument/publishDiagnostics":
		var p struct {
			URI         string          `json:"uri"`
			Diagnostics []lspDiagnostic `json:"diagnostics"`
		}
		if err := json.Unmarshal(m.Params, &p); err != nil {
			fmt.Fprintf(logWriter{ls}, "client: publishDiagnostics: %v\n", err)
			return
		}
		ls.mu.Lock()
		ls.diags[p.URI] = p.Diagnostics
		close(ls.changed)
		ls.changed = make(chan struct{})
		ls.mu.Unlock()
	case "window/logMessage", "window/showMessage":
		var p struct{ Message string }
		json.Unmarshal(m.Params, &p)
		fmt.Fprintf(logWriter{ls}, "%s: %s\n", m.Method, p.Message)
	}
}

// answer serves the server's requests as VS Code does: its settings,
// and the schemas' contents.
func (ls *yamlls) answer(m lspMessage) {
	reply := lspMessage{ID: m.ID}
	switch m.Method {
	case "workspace/configuration":
		var p struct {
			Items []struct{ Section string } `json:"items"`
		}
		json.Unmarshal(m.Params, &p)
		out := make([]any, len(p.Items))
		for i, it := range p.Items {
			if it.Section == "yaml" {
				out[i] = ls.settings
			}
		}
		reply.Result = mustJSON(out)
	case "vscode/content":
		// The URL, alone or as the one item of an array.
		var url string
		if json.Unmarshal(m.Params, &url) != nil {
			var urls []string
			if json.Unmarshal(m.Params, &urls) == nil && len(urls) == 1 {
				url = urls[0]
			}
		}
		if data, ok := ls.schemas[url]; ok {
			reply.Result = mustJSON(string(data))
		} else {
			// Nothing else may be fetched: a schema the test does not
			// serve is an error the editor shows, and the test sees.
			reply.Error = &lspError{Code: -32603, Message: "not served by the test: " + url}
			fmt.Fprintf(logWriter{ls}, "client: refused vscode/content %s\n", m.Params)
		}
	default: // client/registerCapability, window/workDoneProgress/create, ...
		reply.Result = json.RawMessage("null")
	}
	ls.send(reply)
}
