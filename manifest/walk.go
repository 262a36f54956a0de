package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hogsync/hogsync/internal/escape"
)

// found is one thing a walk found, in walk order: a file to read (a
// manifest, or the directory's config) or a problem with a path.
type found struct {
	display string // the path shown in positions
	osPath  string // where to read it ("" with an fs.FS)
	fsys    fs.FS  // where to read it from, when not from the OS
	config  bool   // the unit's hogsync.yaml, not a manifest
	unit    int    // the index in walker.units of the unit it belongs to
	problem *Error // a problem with the path itself; nothing to read
	// parsed is what reading and parsing the file gave, once the parser
	// it was given to is done; nil until it is given to one.
	parsed *parsed
}

// read appends the content of f to buf, up to one byte past MaxFileSize
// (which tells "exactly 1 MiB" from "more").
func (f found) read(buf []byte) ([]byte, error) {
	if f.fsys == nil {
		return readOSFile(f.osPath, buf)
	}
	r, err := f.fsys.Open(f.osPath)
	if err != nil {
		return buf, err
	}
	defer r.Close()
	return readUpTo(r, buf)
}

// readUpTo appends what r holds to buf, up to one byte past MaxFileSize.
func readUpTo(r io.Reader, buf []byte) ([]byte, error) {
	for len(buf) <= MaxFileSize {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), MaxFileSize+1)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// walker lists the files of one manifest directory: an OS directory, whose
// symbolic links it follows when they stay inside it, or an fs.FS, whose
// links it does not follow.
type walker struct {
	prefix   string // display path of the root, slash-separated ("" for none)
	rootOS   string // OS path of the root (with an OS directory)
	rootReal string // the root with every link resolved (with an OS directory)
	fsys     fs.FS  // the root (without an OS directory)

	// parser, when set, is given each file as it is found.
	parser *fileParser

	items   []found
	skipped int
	dirs    map[string]string // real path of each folder walked -> its display path

	// units are the units met, the root's first: a folder below the root
	// that holds hogsync.yaml (or hogsync.yml) starts one, and what lies
	// under it belongs to it, not to the unit above. unit is the index of
	// the one being walked.
	units []walkUnit
	unit  int
}

// walkUnit is one unit a walk met.
type walkUnit struct {
	rel     string // its folder, a slash path below the root ("." for the root)
	skipped int    // files not read in it
	configs int    // hogsync.yaml and hogsync.yml found in its folder
}

func newOSWalker(dir, prefix string) (*walker, error) {
	// Both roots are absolute, so that every path under them is, and a
	// link's resolved target compares with rootReal whether the user gave
	// "m" or "/work/m" (EvalSymlinks keeps a relative path relative).
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	return &walker{prefix: prefix, rootOS: abs, rootReal: real, dirs: map[string]string{}, units: []walkUnit{{rel: "."}}}, nil
}

func newFSWalker(fsys fs.FS, prefix string) *walker {
	return &walker{prefix: prefix, fsys: fsys, dirs: map[string]string{}, units: []walkUnit{{rel: "."}}}
}

// countSkipped counts one entry not read, in the unit being walked.
func (w *walker) countSkipped() {
	w.skipped++
	w.units[w.unit].skipped++
}

// rootItems are the items of the root's unit.
func (w *walker) rootItems() []found {
	return slices.DeleteFunc(slices.Clone(w.items), func(f found) bool { return f.unit != 0 })
}

// holdsConfig reports whether a folder with these entries is a unit: it
// holds a file (or a link) named hogsync.yaml or hogsync.yml, in these
// letters.
func holdsConfig(entries []fs.DirEntry) bool {
	return slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return isConfigName(e.Name()) && !e.IsDir() })
}

// walk lists the whole directory.
func (w *walker) walk() {
	w.dirs[w.rootReal] = w.display(".")
	w.dir(".", w.rootReal)
}

func (w *walker) display(rel string) string {
	if w.prefix == "" {
		return rel
	}
	return path.Join(w.prefix, rel)
}

// osPath is the OS path of rel, a slash path below the root.
func (w *walker) osPath(rel string) string {
	if w.fsys != nil {
		return rel
	}
	return filepath.Join(w.rootOS, filepath.FromSlash(rel))
}

func (w *walker) readDir(rel string) ([]fs.DirEntry, error) {
	if w.fsys != nil {
		return fs.ReadDir(w.fsys, rel)
	}
	return os.ReadDir(w.osPath(rel))
}

func (w *walker) add(f found) {
	f.unit = w.unit
	if f.problem == nil {
		f.fsys = w.fsys
		if w.parser != nil {
			f.parsed = w.parser.parse(f)
		}
	}
	w.items = append(w.items, f)
}

func (w *walker) problem(rel, code, format string, args ...any) {
	w.addProblem(w.display(rel), SeverityError, code, fmt.Sprintf(format, args...))
}

func (w *walker) warn(rel, code, format string, args ...any) {
	w.addProblem(w.display(rel), SeverityWarning, code, fmt.Sprintf(format, args...))
}

func (w *walker) addProblem(display, severity, code, msg string) {
	w.items = append(w.items, found{display: display, unit: w.unit, problem: &Error{
		Pos: Pos{File: display, Line: 1, Col: 1}, Severity: severity, Code: code, Msg: msg,
	}})
}

// dir walks the folder rel, whose real path is real.
func (w *walker) dir(rel, real string) {
	entries, err := w.readDir(rel)
	if err != nil {
		// os.ReadDir returns what it read before the error: walk that too.
		w.problem(rel, CodeUnreadable, "cannot read folder: %s", pathErrText(err))
	}
	if rel != "." && holdsConfig(entries) {
		// A unit of its own: what is below belongs to it.
		defer func(parent int) { w.unit = parent }(w.unit)
		w.unit = len(w.units)
		w.units = append(w.units, walkUnit{rel: rel})
	}
	for _, e := range entries {
		w.entry(rel, real, e)
	}
}

// entry handles one entry of the folder parent (real path parentReal).
func (w *walker) entry(parent, parentReal string, e fs.DirEntry) {
	name := e.Name()
	rel := path.Join(parent, name)
	typ := e.Type()
	switch {
	case strings.HasPrefix(name, "."):
		w.hidden(rel, e)
	case escape.HasUnsafe(name) && (typ.IsDir() || typ&fs.ModeSymlink != 0 || manifestName(name)):
		w.problem(rel, CodeUnsafePath, msgUnsafePath)
	case typ&fs.ModeSymlink != 0 && w.fsys == nil:
		w.link(rel, parentReal, false)
	case typ.IsDir():
		w.enterDir(rel, filepath.Join(parentReal, name), parentReal, false)
	case typ.IsRegular():
		w.file(rel, w.osPath(rel), false)
	default:
		w.skip(rel, "it is "+describeMode(typ)+", not a regular file; make it a regular file if it is one")
	}
}

const msgUnsafePath = "the path holds a control character, a line or paragraph separator or a bidirectional override (shown escaped), which could forge lines in logs and pull request comments; rename it"

// pathArg handles a file named on a command line, at rel in the walker's
// root: it is read whatever its extension.
func (w *walker) pathArg(rel string) {
	info, err := os.Lstat(w.osPath(rel))
	switch {
	case err != nil:
		w.problem(rel, CodeUnreadable, "cannot read: %s", pathErrText(err))
	case info.Mode()&fs.ModeSymlink != 0:
		w.link(rel, w.rootReal, true)
	case info.Mode().IsRegular():
		w.file(rel, w.osPath(rel), true)
	default:
		w.problem(rel, CodeUnreadable, "cannot read as a manifest: it is %s, not a regular file", describeMode(info.Mode().Type()))
	}
}

// file handles a regular file (or a link to one) at rel, read from osPath;
// arg tells whether it was named on a command line.
func (w *walker) file(rel, osPath string, arg bool) {
	name := path.Base(rel)
	switch {
	case path.Dir(rel) == w.units[w.unit].rel && isConfigName(name):
		u := &w.units[w.unit]
		u.configs++
		if u.configs > 1 {
			w.problem(rel, CodeDuplicateConfig, "both hogsync.yaml and hogsync.yml are here, and only one can be the unit's config; keep one")
			return
		}
		w.add(found{display: w.display(rel), osPath: osPath, config: true})
	case manifestName(name) || arg:
		w.add(found{display: w.display(rel), osPath: osPath})
	default:
		w.skip(rel, "only .yaml and .yml files are; rename it if it is one")
	}
}

// skip counts the file at rel as not read and, when its name looks like a
// manifest's, warns why and what to do.
func (w *walker) skip(rel, why string) {
	w.countSkipped()
	if lookAlike(path.Base(rel)) {
		w.warn(rel, CodeSkippedFile, "not read as a manifest: %s", why)
	}
}

// hidden handles an entry whose name starts with ".". Hidden files are
// skipped. Hidden folders are not read either, but are searched (without
// following links) for files that look like manifests, which one warning
// names; .git is neither read nor searched.
func (w *walker) hidden(rel string, e fs.DirEntry) {
	if !e.IsDir() {
		w.countSkipped()
		if lookAlike(e.Name()) {
			w.warn(rel, CodeSkippedFile, `not read as a manifest: its name starts with "." (a hidden file); remove the dot if it is one`)
		}
		return
	}
	if e.Name() == ".git" {
		w.countSkipped()
		return
	}
	var first string
	var more, seen int
	var search func(dir string)
	search = func(dir string) {
		entries, _ := w.readDir(dir) // an unreadable hidden folder is not read either way
		for _, e := range entries {
			if seen++; seen > maxHiddenSearch {
				return
			}
			p := path.Join(dir, e.Name())
			switch {
			case e.IsDir() && e.Name() != ".git":
				search(p)
			case e.IsDir():
				w.countSkipped()
			default:
				w.countSkipped()
				if lookAlike(e.Name()) {
					if first == "" {
						first = p
					} else {
						more++
					}
				}
			}
		}
	}
	search(rel)
	if first == "" {
		return
	}
	also := ""
	switch {
	case more == 1:
		also = ", and so is 1 other file there that looks like a manifest"
	case more > 1:
		also = fmt.Sprintf(", and so are %d other files there that look like manifests", more)
	}
	w.warn(first, CodeSkippedFile, "not read as a manifest: it is inside the hidden folder %s%s; move it out if it is one", quote(w.display(rel)), also)
}

// maxHiddenSearch bounds how many entries of a hidden folder are looked
// at for look-alike manifests, so that a large hidden folder (a virtual
// environment, a cache) cannot slow a load down.
const maxHiddenSearch = 10_000

// link follows the symbolic link at rel, in the folder whose real path is
// parentReal; arg tells whether it was named on a command line. A link must resolve, and a link that would be read (to a
// folder, or named as a manifest) must stay inside the manifest directory.
func (w *walker) link(rel, parentReal string, arg bool) {
	osPath := w.osPath(rel)
	name := path.Base(rel)
	target := "its target"
	if t, err := os.Readlink(osPath); err == nil {
		target = quote(t)
	}
	real, err := filepath.EvalSymlinks(osPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.problem(rel, CodeSymlinkDangling, "symbolic link to %s, which does not exist; remove the link or restore what it points to", target)
		return
	case err != nil && strings.Contains(err.Error(), "too many links"):
		w.problem(rel, CodeSymlinkLoop, "symbolic link to %s, which leads back to itself through other links; remove the loop", target)
		return
	case err != nil:
		w.problem(rel, CodeUnreadable, "cannot follow symbolic link to %s: %s", target, pathErrText(err))
		return
	}
	info, err := os.Stat(real)
	if err != nil {
		w.problem(rel, CodeUnreadable, "cannot read %s, the target of this symbolic link: %s", target, pathErrText(err))
		return
	}
	read := info.IsDir() || manifestName(name) || arg || (path.Dir(rel) == w.units[w.unit].rel && isConfigName(name))
	if !within(w.rootReal, real) {
		if read {
			what := "file"
			if info.IsDir() {
				what = "folder"
			}
			w.problem(rel, CodeSymlinkOutside, "symbolic link to %s, outside the manifest directory; hogsync does not read files outside it (a pull request could point it at secrets on the runner): copy the %s in", target, what)
		} else {
			w.countSkipped()
		}
		return
	}
	switch {
	case info.IsDir():
		w.enterDir(rel, real, parentReal, true)
	case info.Mode().IsRegular():
		w.file(rel, real, arg)
	default:
		w.skip(rel, "it links to "+describeMode(info.Mode().Type())+", not a regular file; make it a regular file if it is one")
	}
}

// enterDir walks the folder at rel, whose real path is real, once: a
// folder reached again (through a link, or through a link earlier) is an
// error, and a link to a folder that holds it is a loop.
func (w *walker) enterDir(rel, real, parentReal string, isLink bool) {
	prev, seen := w.dirs[real]
	switch {
	case seen && isLink && within(real, parentReal):
		w.problem(rel, CodeSymlinkLoop, "symbolic link to the folder %s, which holds the link: following it would never end; remove the link", quote(prev))
	case seen && isLink:
		w.problem(rel, CodeDuplicateFolder, "symbolic link to the folder %s, which is already read; each folder is read once: remove the link", quote(prev))
	case seen:
		w.problem(rel, CodeDuplicateFolder, "this folder is already read through the symbolic link %s; each folder is read once: remove the link", quote(prev))
	default:
		w.dirs[real] = w.display(rel)
		w.dir(rel, real)
	}
}

// within reports whether the OS path p is dir or inside it. Both are
// absolute paths with every link resolved.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// manifestName reports whether a file of this name is a manifest: it ends
// in .yaml or .yml, in any letter case.
func manifestName(name string) bool {
	return hasSuffixFold(name, ".yaml") || hasSuffixFold(name, ".yml")
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// lookAlike reports whether a file of this name that is not read might
// have been meant as a manifest, or be a copy of one: its name holds
// ".yaml" or ".yml" (x.yaml, .x.yaml, x.yaml.bak, x.yaml~, x.yml.orig).
func lookAlike(name string) bool {
	lower := strings.ToLower(name)
	return strings.Contains(lower, ".yaml") || strings.Contains(lower, ".yml")
}

// describeMode names a file type that is not a regular file.
func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link (links are followed only when a directory is loaded from disk)"
	default:
		return "a special file"
	}
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
