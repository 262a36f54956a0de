package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads every manifest under dir; see LoadFS. An empty dir means ".".
func Load(dir string) ([]Holdout, error) {
	if dir == "" {
		dir = "."
	}
	return LoadFS(os.DirFS(dir), filepath.ToSlash(dir))
}

// LoadFS reads every *.yaml and *.yml file under the root of fsys, skipping
// hidden files and folders, in lexical path order. Each non-empty YAML
// document is one holdout; they come back in file order, then document order.
// Positions name files as path.Join(prefix, p).
//
// When any document breaks a rule, LoadFS returns a nil slice and a List of
// every problem in every file, sorted by file (in load order), line and
// column. A directory without manifests gives an empty slice and a nil error.
// An unreadable root gives a plain error, not a List.
func LoadFS(fsys fs.FS, prefix string) ([]Holdout, error) {
	if err := checkRoot(fsys, prefix); err != nil {
		return nil, err
	}
	l := &loader{prefix: prefix, errs: map[string]List{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// The root was checked above, so this is a folder or file below it.
			l.add(&Error{Pos: Pos{File: l.display(p), Line: 1, Col: 1}, Msg: "cannot read: " + pathErrText(err)})
			return nil
		}
		hidden := p != "." && strings.HasPrefix(d.Name(), ".")
		switch {
		case d.IsDir() && hidden:
			return fs.SkipDir
		case d.IsDir(), hidden, !d.Type().IsRegular():
			return nil
		case strings.HasSuffix(p, ".yaml"), strings.HasSuffix(p, ".yml"):
			l.loadFile(fsys, p)
		}
		return nil
	})
	if err != nil { // only if the callback returns one, which it does not
		return nil, fmt.Errorf("manifest directory %q: %w", rootName(prefix), err)
	}
	return l.result()
}

// checkRoot makes sure the root of fsys is a readable directory.
func checkRoot(fsys fs.FS, prefix string) error {
	info, err := fs.Stat(fsys, ".")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("manifest directory %q: %w", rootName(prefix), err)
	}
	if !info.IsDir() {
		return fmt.Errorf("manifest directory %q: not a directory", rootName(prefix))
	}
	return nil
}

func rootName(prefix string) string {
	if prefix == "" {
		return "."
	}
	return prefix
}

// pathErrText is err without the path a *fs.PathError repeats, since the
// position already names the file.
func pathErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse loads the manifests in one file's content, shown as file in
// errors, with every rule LoadFS applies to a directory holding only it.
func Parse(file string, data []byte) ([]Holdout, error) {
	l := &loader{errs: map[string]List{}}
	l.parse(file, data)
	return l.result()
}

// loader collects the documents and problems of one LoadFS call.
type loader struct {
	prefix string
	docs   []*doc
	files  []string        // display paths that have problems, in load order
	errs   map[string]List // problems by display path
}

func (l *loader) display(p string) string {
	if l.prefix == "" {
		return p
	}
	return path.Join(l.prefix, p)
}

func (l *loader) add(e *Error) {
	if _, ok := l.errs[e.Pos.File]; !ok {
		l.files = append(l.files, e.Pos.File)
	}
	l.errs[e.Pos.File] = append(l.errs[e.Pos.File], e)
}

// loadFile reads and checks one manifest file, adding its documents to l.docs
// and its problems to l.errs.
func (l *loader) loadFile(fsys fs.FS, p string) {
	file := l.display(p)
	fileErr := func(msg string) {
		l.add(&Error{Pos: Pos{File: file, Line: 1, Col: 1}, Msg: msg})
	}
	f, err := fsys.Open(p)
	if err != nil {
		fileErr("cannot read: " + pathErrText(err))
		return
	}
	defer f.Close()
	// Read one byte past the limit to tell "exactly 1 MiB" from "more".
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		fileErr("cannot read: " + pathErrText(err))
		return
	}
	l.parse(file, data)
}

// parse checks the content of one manifest file, shown as file.
func (l *loader) parse(file string, data []byte) {
	if len(data) > MaxFileSize {
		l.add(&Error{Pos: Pos{File: file, Line: 1, Col: 1}, Msg: fmt.Sprintf("file is larger than 1 MiB (%d bytes), the limit for a manifest file; split its holdouts across several files", MaxFileSize)})
		return
	}
	c := &checker{file: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var node yaml.Node
		err := decode(dec, &node)
		if err == io.EOF {
			break
		}
		if err != nil {
			line, msg := syntaxError(err)
			// An error at the end of the input is one line past the last.
			line = min(line, max(lineCount(data), 1))
			c.errs = append(c.errs, &Error{Pos: Pos{File: file, Line: line, Col: 1}, Msg: msg})
			break // the decoder cannot resume after a syntax error
		}
		if isEmpty(&node) {
			continue
		}
		l.docs = append(l.docs, c.document(&node))
	}
	for _, e := range c.errs {
		l.add(e)
	}
}

// decode is dec.Decode that turns a panic inside the YAML library into an
// error, so that no input can crash a Load.
func decode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

// isEmpty reports whether a document holds nothing but comments.
func isEmpty(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	n := doc.Content[0]
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Style == 0 && n.Anchor == "" && n.ShortTag() == "!!null"
}

// lineCount is the number of lines in data, the last one counting even
// without a final newline.
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parserProblems are the problems yaml.v3 reports from its parser rather
// than its scanner. For these it prints a 0-based line (it adds 1 only for
// scanner errors), so syntaxError adds the missing 1.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// syntaxError turns a YAML library error into a 1-based line (1 when the
// library gives none) and a message without the "yaml: line N:" prefix.
func syntaxError(err error) (line int, msg string) {
	s := err.Error()
	line = 1
	if m := yamlLine.FindStringSubmatch(s); m != nil {
		s = s[len(m[0]):]
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			line = n
			if parserProblems[s] {
				line++
			}
		}
	}
	s = strings.TrimPrefix(s, "yaml: ")
	if strings.HasPrefix(s, "unknown anchor ") {
		return line, s + "; " + msgAnchor
	}
	return line, "invalid YAML: " + s
}

// result runs the directory-wide rules and returns the holdouts or the List.
func (l *loader) result() ([]Holdout, error) {
	for _, e := range crossCheck(l.docs) {
		l.add(e)
	}
	if len(l.files) > 0 {
		var all List
		for _, f := range l.files {
			list := l.errs[f]
			slices.SortStableFunc(list, func(a, b *Error) int {
				if a.Pos.Line != b.Pos.Line {
					return a.Pos.Line - b.Pos.Line
				}
				return a.Pos.Col - b.Pos.Col
			})
			all = append(all, list...)
		}
		return nil, all
	}
	hs := make([]Holdout, 0, len(l.docs))
	for _, d := range l.docs {
		hs = append(hs, d.h)
	}
	return hs, nil
}

// crossCheck applies the rules that span documents: names are unique, no
// name is another holdout's previous name, and no previous name is claimed
// twice. It looks only at documents whose name passed the per-document rules
// (the others already have an error), and at their valid previous names.
// Each problem is reported at the later place and names the earlier one.
func crossCheck(docs []*doc) []*Error {
	type claim struct {
		d   *doc
		pos Pos
	}
	var errs []*Error
	names := map[string]*doc{}
	claims := map[string]claim{} // previous name -> first document that lists it
	for _, d := range docs {
		if !d.named {
			continue
		}
		if first, ok := names[d.h.Name]; ok {
			errs = append(errs, &Error{Pos: d.h.Pos, Msg: fmt.Sprintf(
				"duplicate name %s: also declared at %s; names must be unique across the directory",
				quote(d.h.Name), first.h.Pos)})
		} else {
			names[d.h.Name] = d
		}
		for i, prev := range d.h.PreviousNames {
			if first, ok := claims[prev]; ok && first.d != d {
				errs = append(errs, &Error{Pos: d.prevPos[i], Msg: fmt.Sprintf(
					"previous name %s is also claimed by %s at %s; only one holdout can be renamed from it",
					quote(prev), quote(first.d.h.Name), first.pos)})
			} else if !ok {
				claims[prev] = claim{d, d.prevPos[i]}
			}
		}
	}
	for _, d := range docs {
		if !d.named {
			continue
		}
		if c, ok := claims[d.h.Name]; ok && c.d != d {
			// Reported at the name, wherever it stands: either side may be
			// the mistake, and the message names the other.
			errs = append(errs, &Error{Pos: d.h.Pos, Msg: fmt.Sprintf(
				"name %s is also a previous name of %s at %s; a name cannot be in use and renamed from at once, so remove one of them",
				quote(d.h.Name), quote(c.d.h.Name), c.pos)})
		}
	}
	return errs
}
