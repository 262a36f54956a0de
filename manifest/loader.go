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
	"runtime"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"

	"go.yaml.in/yaml/v3"

	"github.com/hogsync/hogsync/internal/escape"
)

// Result is what a load found besides its errors.
type Result struct {
	// Holdouts are the desired holdouts, in path order, then document
	// order; nil when the load found errors.
	Holdouts []Holdout
	// Warnings are the problems that do not stop a load (Severity
	// SeverityWarning), sorted as the errors are. A warning never
	// repeats an error.
	Warnings List
	// Files is the number of manifest files read.
	Files int
	// Skipped is the number of files (and other entries) not read: hidden
	// ones, other extensions, files that are not regular files, links to
	// files outside the directory that are not manifests. The contents of
	// a hidden folder count one by one (up to a bound); .git counts once.
	// Those that look like manifests are named in Warnings.
	Skipped int
	// Config is the directory's hogsync.yaml; nil when there is none (or,
	// from LoadPaths, when there is not exactly one).
	Config *Config
}

// LoadDir reads every manifest of the unit at the OS directory dir, and
// its hogsync.yaml. An empty dir means ".". A folder below dir that holds
// its own hogsync.yaml (or hogsync.yml) is another unit, and LoadDir does
// not read it: use LoadUnits to read every unit under a directory.
//
// It reads every file whose name ends in .yaml or .yml, in any letter
// case, in every folder, in path order (each folder's entries sorted by
// name), parsing them in parallel. Hidden files and folders (a name
// starting with ".") are not read, nor are other files; they are counted
// in Result.Skipped, and those that look like manifests are named in
// warnings. Symbolic links are followed when what they point to lies
// inside dir; a link that points outside it (to a folder, or named as a
// manifest), or that does not resolve, is an error, never a silent skip,
// since a manifest skipped would have its holdout pruned. A folder is read
// once: a second way to it through a link is an error.
//
// Each non-empty YAML document is one holdout. When any rule is broken,
// LoadDir returns a Result without holdouts (but with its warnings) and a
// List of every error in every file, sorted by file (in load order), line
// and column. A directory without manifests gives no holdouts and no
// error. A dir that is missing or not a directory gives a plain error,
// not a List.
func LoadDir(dir string) (Result, error) {
	if dir == "" {
		dir = "."
	}
	prefix := filepath.ToSlash(dir)
	if escape.HasUnsafe(dir) {
		return Result{}, List{unsafePath(prefix)}
	}
	if err := checkDir(dir); err != nil {
		return Result{}, fmt.Errorf("manifest directory %q: %w", prefix, err)
	}
	w, err := newOSWalker(dir, prefix)
	if err != nil {
		return Result{}, fmt.Errorf("manifest directory %q: %w", prefix, pathErr(err))
	}
	w.parser = newFileParser(runtime.GOMAXPROCS(0))
	w.walk()
	w.parser.wait()
	return load(w.rootItems(), w.units[0].skipped, false)
}

// LoadPaths reads the manifests named on a command line: files, read
// whatever their extension, and folders, read as LoadDir reads a
// directory (the units below a folder given are not read). Use
// LoadPathUnits instead, which judges each file inside its unit. A file named hogsync.yaml or hogsync.yml is checked as a
// directory config, as is the one at the top of each folder given.
// Every rule that spans files (unique names, previous names, source ids)
// applies across all of them together; a file reached twice (given, and
// inside a folder given) is read once. Files come in path order whatever
// the order of paths.
//
// A file given as a symbolic link is read when the link points inside the
// folder that holds the link. Result.Config is the one config met, or nil
// when there are none or several. A path that does not exist gives a
// plain error, not a List.
func LoadPaths(paths []string) (Result, error) {
	var items []found
	skipped := 0
	parser := newFileParser(runtime.GOMAXPROCS(0))
	defer parser.wait()
	for _, p := range paths {
		display := path.Clean(filepath.ToSlash(p))
		if escape.HasUnsafe(p) {
			items = append(items, found{display: display, problem: unsafePath(display)})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return Result{}, fmt.Errorf("manifest path %q: %w", display, pathErr(err))
		}
		if info.IsDir() {
			w, err := newOSWalker(p, display)
			if err != nil {
				return Result{}, fmt.Errorf("manifest directory %q: %w", display, pathErr(err))
			}
			w.parser = parser
			w.walk()
			items = append(items, w.rootItems()...)
			skipped += w.units[0].skipped
			continue
		}
		// A file: its folder is the directory its links must stay in.
		w, err := newOSWalker(filepath.Dir(p), path.Dir(display))
		if err != nil {
			return Result{}, fmt.Errorf("manifest path %q: %w", display, pathErr(err))
		}
		w.parser = parser
		w.pathArg(path.Base(display))
		items = append(items, w.items...)
		skipped += w.skipped
	}
	parser.wait()
	slices.SortStableFunc(items, func(a, b found) int { return comparePaths(a.display, b.display) })
	items = slices.CompactFunc(items, func(a, b found) bool {
		if a.display != b.display || (a.problem == nil) != (b.problem == nil) {
			return false
		}
		return a.problem == nil || *a.problem == *b.problem
	})
	return load(items, skipped, true)
}

// comparePaths orders slash paths as a walk meets them: folder by folder,
// so that "a/z.yaml" (in folder "a") comes before "a.yaml".
func comparePaths(a, b string) int {
	for {
		ea, resta, moreA := strings.Cut(a, "/")
		eb, restb, moreB := strings.Cut(b, "/")
		if c := strings.Compare(ea, eb); c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = resta, restb
	}
}

// Load reads every manifest under dir as LoadDir does, without its
// warnings, count and config.
func Load(dir string) ([]Holdout, error) {
	res, err := LoadDir(dir)
	return res.Holdouts, err
}

// LoadFS reads every manifest of the unit at the root of fsys as LoadDir
// does (a folder holding hogsync.yaml is another unit, not read), in
// the same order and with the same rules, except that symbolic links are
// not followed (they are skipped, and a warning names those that look like
// manifests): an fs.FS cannot tell where a link points. It returns the
// holdouts, or a List of the errors; warnings are dropped, and a
// hogsync.yaml at the root is checked but not returned (use LoadDir).
// Positions name files as path.Join(prefix, p).
//
// When any document breaks a rule, LoadFS returns a nil slice and a List.
// A directory without manifests gives an empty slice and a nil error. An
// unreadable root gives a plain error, not a List.
func LoadFS(fsys fs.FS, prefix string) ([]Holdout, error) {
	if err := checkRoot(fsys, prefix); err != nil {
		return nil, err
	}
	w := newFSWalker(fsys, prefix)
	w.parser = newFileParser(runtime.GOMAXPROCS(0))
	w.walk()
	w.parser.wait()
	res, err := load(w.rootItems(), w.units[0].skipped, false)
	return res.Holdouts, err
}

// checkDir makes sure dir is a directory.
func checkDir(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return pathErr(err)
	}
	if !info.IsDir() {
		return errors.New("not a directory")
	}
	return nil
}

// pathErr is the error inside a *fs.PathError, which repeats the path.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkRoot makes sure the root of fsys is a readable directory.
func checkRoot(fsys fs.FS, prefix string) error {
	info, err := fs.Stat(fsys, ".")
	if err != nil {
		return fmt.Errorf("manifest directory %q: %w", rootName(prefix), pathErr(err))
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

func unsafePath(display string) *Error {
	return &Error{Pos: Pos{File: display, Line: 1, Col: 1}, Severity: SeverityError, Code: CodeUnsafePath, Msg: msgUnsafePath}
}

// Parse loads the manifests in one file's content, shown as file in
// errors, with every rule LoadFS applies to a directory holding only it.
// Warnings are dropped.
func Parse(file string, data []byte) ([]Holdout, error) {
	l := newLoader()
	l.addFile(parseFile(file, data))
	hs, _ := l.result()
	return hs, l.err()
}

// parsed is what parsing one file gave.
type parsed struct {
	docs   []*doc
	errs   List
	warns  List
	config *Config // for a config file
}

// load reads and parses the files found that a walk has not had parsed
// already (in parallel, bounded by GOMAXPROCS) and merges what they gave
// in walk order, so the outcome is the same as a sequential load's. many
// tells whether several configs may have been found (LoadPaths).
func load(items []found, skipped int, many bool) (Result, error) {
	return loadWith(items, skipped, many, runtime.GOMAXPROCS(0))
}

// loadWith is load with at most workers files parsed at once.
func loadWith(items []found, skipped int, many bool, workers int) (Result, error) {
	return loadFiltered(items, skipped, many, workers, nil)
}

// loadFiltered is loadWith that, when keep is not nil, reports only the
// problems of the files keep takes, and of the holdouts only theirs: the
// other files are read for the rules that span files, and a problem of
// such a rule is kept when either file it names is.
func loadFiltered(items []found, skipped int, many bool, workers int, keep func(file string) bool) (Result, error) {
	results := make([]*parsed, len(items))
	p := newFileParser(workers)
	for i, it := range items {
		switch {
		case it.parsed != nil:
			results[i] = it.parsed
		case it.problem == nil:
			results[i] = p.parse(it)
		}
	}
	p.wait()

	l := newLoader()
	l.keep = keep
	res := Result{Skipped: skipped}
	configs := 0
	for i, it := range items {
		switch {
		case it.problem != nil:
			l.add(it.problem)
			continue
		case it.config:
			// Read whether it is named or not: it is the unit's config.
			configs++
			if results[i].config != nil && configs == 1 {
				res.Config = results[i].config
			}
		case keep == nil || keep(it.display):
			res.Files++
		}
		l.addFile(*results[i])
	}
	if many && configs > 1 {
		res.Config = nil
	}
	res.Holdouts, res.Warnings = l.result()
	if err := l.err(); err != nil {
		res.Config = nil
		return res, err
	}
	return res, nil
}

// fileParser reads and parses files on its own goroutines as they are given
// to it, so that a walk can go on finding files while those it found are
// parsed.
type fileParser struct {
	jobs chan parseJob
	wg   stdsync.WaitGroup
}

type parseJob struct {
	f   found
	out *parsed
}

// newFileParser starts a parser of workers goroutines (at least one).
func newFileParser(workers int) *fileParser {
	jobs := make(chan parseJob, 256)
	p := &fileParser{jobs: jobs}
	for range max(workers, 1) {
		p.wg.Go(func() {
			for j := range jobs {
				*j.out = parseFound(j.f)
			}
		})
	}
	return p
}

// parse has f read and parsed, and returns where what it gives will be
// once wait has returned.
func (p *fileParser) parse(f found) *parsed {
	out := new(parsed)
	p.jobs <- parseJob{f: f, out: out}
	return out
}

// wait waits until every file given is parsed; parse must not be called
// after it. Calling it again does nothing.
func (p *fileParser) wait() {
	if p.jobs == nil {
		return
	}
	close(p.jobs)
	p.jobs = nil
	p.wg.Wait()
}

// readBuffers hold file contents while they are parsed: the YAML library
// copies what it keeps, so a buffer serves one file after another.
var readBuffers = stdsync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// parseFound reads and parses one file found.
func parseFound(f found) parsed {
	buf := readBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= 64<<10 { // let a rare big file's buffer go
			readBuffers.Put(buf)
		}
	}()
	data, err := f.read((*buf)[:0])
	*buf = data
	if err != nil {
		return parsed{errs: List{{Pos: Pos{File: f.display, Line: 1, Col: 1}, Severity: SeverityError, Code: CodeUnreadable, Msg: "cannot read: " + pathErrText(err)}}}
	}
	if f.config {
		return parseConfig(f.display, data)
	}
	return parseFile(f.display, data)
}

// loader merges the documents and problems of one load.
type loader struct {
	docs  []*doc
	errs  problems
	warns problems
	// keep, when not nil, takes the files whose problems and holdouts
	// are reported (see loadFiltered).
	keep func(file string) bool
}

// problems are problems grouped by file, the files in the order first met.
type problems struct {
	files  []string
	byFile map[string]List
}

func (p *problems) add(e *Error) {
	if p.byFile == nil {
		p.byFile = map[string]List{}
	}
	if _, ok := p.byFile[e.Pos.File]; !ok {
		p.files = append(p.files, e.Pos.File)
	}
	p.byFile[e.Pos.File] = append(p.byFile[e.Pos.File], e)
}

// list is every problem, by file in the order met, then line and column.
func (p *problems) list() List {
	var all List
	for _, f := range p.files {
		list := p.byFile[f]
		slices.SortStableFunc(list, func(a, b *Error) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Col - b.Pos.Col
		})
		all = append(all, list...)
	}
	return all
}

func newLoader() *loader { return &loader{} }

func (l *loader) add(e *Error) {
	if l.keep != nil && !l.keep(e.Pos.File) {
		return
	}
	if e.IsWarning() {
		l.warns.add(e)
	} else {
		l.errs.add(e)
	}
}

func (l *loader) addFile(p parsed) {
	l.docs = append(l.docs, p.docs...)
	for _, e := range p.errs {
		l.add(e)
	}
	for _, e := range p.warns {
		l.add(e)
	}
}

// parseFile checks the content of one manifest file, shown as file.
func parseFile(file string, data []byte) parsed {
	if len(data) > MaxFileSize {
		return parsed{errs: List{tooLarge(file)}}
	}
	c := &checker{file: file}
	var docs []*doc
	c.documents(data, func(node *yaml.Node) bool {
		docs = append(docs, c.document(node))
		return true
	})
	return parsed{docs: docs, errs: c.errs, warns: c.warns}
}

// documents calls each with every YAML document of data that holds more
// than comments, in order, until each returns false. A syntax error is
// recorded as c's problem and ends the file: the decoder cannot resume
// after one.
func (c *checker) documents(data []byte, each func(*yaml.Node) bool) {
	// A Decoder, even for a file of one document: yaml.Unmarshal would
	// parse the first document and ignore what follows it.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var node yaml.Node
		err := decode(dec, &node)
		if err == io.EOF {
			return
		}
		if err != nil {
			c.errs = append(c.errs, syntaxProblem(c.file, data, err))
			return
		}
		if !isEmpty(&node) && !each(&node) {
			return
		}
	}
}

func tooLarge(file string) *Error {
	return &Error{Pos: Pos{File: file, Line: 1, Col: 1}, Severity: SeverityError, Code: CodeFileTooLarge, Msg: fmt.Sprintf("file is larger than 1 MiB (%d bytes), the limit for a manifest file; split its holdouts across several files", MaxFileSize)}
}

// syntaxProblem is the Error for a YAML library error in data.
func syntaxProblem(file string, data []byte, err error) *Error {
	line, code, msg := syntaxError(err)
	// An error at the end of the input is one line past the last.
	line = min(line, max(lineCount(data), 1))
	return &Error{Pos: Pos{File: file, Line: line, Col: 1}, Severity: SeverityError, Code: code, Msg: msg}
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

// isEmpty reports whether a document holds nothing but comments, or only
// null (~, null): what "---" with nothing after it gives, at the end of a
// file or between two documents. It is no holdout, and JSON Schema's
// null, which the schemas accept, so that an editor and hogsync agree.
func isEmpty(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	n := doc.Content[0]
	return n.Kind == yaml.ScalarNode && n.Anchor == "" && n.ShortTag() == "!!null"
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
// library gives none), a code and a message without the "yaml: line N:"
// prefix.
func syntaxError(err error) (line int, code, msg string) {
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
		return line, CodeAnchor, s + "; " + msgAnchor
	}
	return line, CodeYAMLSyntax, "invalid YAML: " + s
}

// result runs the rules that span files and returns the holdouts (nil when
// there are errors) and the warnings.
func (l *loader) result() ([]Holdout, List) {
	errs, other := crossCheck(l.docs)
	for _, e := range errs {
		if l.keep != nil && !l.keep(e.Pos.File) && l.keep(other[e]) {
			// A duplicate in a file not named of what a named file holds:
			// shown where it stands, as it names the named file.
			l.errs.add(e)
			continue
		}
		l.add(e)
	}
	warns := l.warns.list()
	if len(l.errs.files) > 0 {
		return nil, warns
	}
	hs := make([]Holdout, 0, len(l.docs))
	for _, d := range l.docs {
		if l.keep == nil || l.keep(d.h.Pos.File) {
			hs = append(hs, d.h)
		}
	}
	return hs, warns
}

// err is the List of errors, or nil; call it after result.
func (l *loader) err() error {
	if len(l.errs.files) == 0 {
		return nil
	}
	return l.errs.list()
}

// crossCheck applies the rules that span documents: names are unique, no
// name is another holdout's previous name, and no previous name is claimed
// twice. It looks only at documents whose name passed the per-document rules
// (the others already have an error), and at their valid previous names.
// Each problem is reported at the later place and names the earlier one.
//
// other gives, for each problem, the file of the other place it names.
func crossCheck(docs []*doc) (errs []*Error, other map[*Error]string) {
	type claim struct {
		d   *doc
		pos Pos
	}
	other = map[*Error]string{}
	names := map[string]*doc{}
	sources := map[int64]*doc{}  // source id -> first document that carries it
	claims := map[string]claim{} // previous name -> first document that lists it
	for _, d := range docs {
		if d.h.SourceID != 0 {
			if first, ok := sources[d.h.SourceID]; ok {
				e := &Error{Pos: d.h.Pos, Code: CodeDuplicateSourceID, Msg: fmt.Sprintf(
					"source id %d (from the %q comment) is also on the holdout at %s; an exported holdout can have only one manifest, so remove the comment from the copy",
					d.h.SourceID, SourceIDPrefix+strconv.FormatInt(d.h.SourceID, 10), first.h.Pos)}
				errs, other[e] = append(errs, e), first.h.Pos.File
			} else {
				sources[d.h.SourceID] = d
			}
		}
		if !d.named {
			continue
		}
		if first, ok := names[d.h.Name]; ok {
			e := &Error{Pos: d.h.Pos, Code: CodeDuplicateName, Msg: fmt.Sprintf(
				"duplicate name %s: also declared at %s; names must be unique within a unit (the folder of a hogsync.yaml, and the folders below it that have none)",
				quote(d.h.Name), first.h.Pos)}
			errs, other[e] = append(errs, e), first.h.Pos.File
		} else {
			names[d.h.Name] = d
		}
		for i, prev := range d.h.PreviousNames {
			if first, ok := claims[prev]; ok && first.d != d {
				e := &Error{Pos: d.prevPos[i], Code: CodePreviousNameClaimed, Msg: fmt.Sprintf(
					"previous name %s is also claimed by %s at %s; only one holdout can be renamed from it",
					quote(prev), quote(first.d.h.Name), first.pos)}
				errs, other[e] = append(errs, e), first.pos.File
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
			e := &Error{Pos: d.h.Pos, Code: CodeNameIsPreviousName, Msg: fmt.Sprintf(
				"name %s is also a previous name of %s at %s; a name cannot be in use and renamed from at once, so remove one of them",
				quote(d.h.Name), quote(c.d.h.Name), c.pos)}
			errs, other[e] = append(errs, e), c.pos.File
		}
	}
	for _, e := range errs {
		e.Severity = SeverityError
	}
	return errs, other
}
