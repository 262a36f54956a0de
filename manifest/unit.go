package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/hogsync/hogsync/internal/escape"
)

// Unit is a directory of manifests that is one PostHog project: a folder
// holding its own hogsync.yaml (or hogsync.yml), or the root of a load
// without one. Every manifest belongs to the nearest hogsync.yaml above it;
// the rules that span files (unique names, previous names, source ids)
// hold within a unit, never across units.
type Unit struct {
	// Dir is the display path of the unit's folder, slash-separated, as
	// the user gave the root: ".", "us", "holdouts/eu".
	Dir string
	// OSDir is the OS path of the folder, the root as given joined with
	// the folder's path below it.
	OSDir string
	// Config is the unit's hogsync.yaml; nil when it has none, or when
	// Err holds a problem (the config's, or a manifest's).
	Config *Config
	// Result holds the unit's holdouts, warnings and counts, as LoadDir
	// gives them (Result.Config is Config).
	Result Result
	// Err is a List of the unit's problems, or nil. One unit's problems
	// never hide another's: each unit is loaded on its own.
	Err error
}

// LoadUnits finds every unit under the OS directory root (root itself
// included) and loads each as LoadDir loads a directory: a folder below
// root that holds hogsync.yaml or hogsync.yml (in these letters) starts a
// unit of its own, and its files are not the parent's. The units come
// sorted by Dir, folder by folder.
//
// The root is a unit when it holds a config or a manifest of its own (in
// a folder that is no unit), when it has a problem, or when it holds no
// other unit (an empty root gives one empty unit, as LoadDir gives no
// holdouts). Otherwise (holdouts/ holding only us/ and eu/) it is not, and
// the warnings about files under it that belong to no unit are given with
// the first unit.
//
// Symbolic links are followed as LoadDir follows them, bounded by root,
// not by the unit: a link inside us/ may point to a file elsewhere under
// root, never outside it; each folder is still read once, whichever unit
// reaches it.
//
// The error is a plain error when root is missing or not a directory, a
// List when its path holds unsafe characters; problems in the files are
// in each Unit's Err.
func LoadUnits(root string) ([]Unit, error) {
	if root == "" {
		root = "."
	}
	w, _, err := openRoot(root)
	if err != nil {
		return nil, err
	}
	w.parser = newFileParser(runtime.GOMAXPROCS(0))
	w.walk()
	w.parser.wait()
	units := make([]Unit, len(w.units))
	for i := range w.units {
		units[i] = w.loadUnit(root, i, nil)
	}
	return sortUnits(dropEmptyRoot(w, units)), nil
}

// loadUnit loads the unit of index i of a finished walk of the OS
// directory root; keep is as loadFiltered's.
func (w *walker) loadUnit(root string, i int, keep func(string) bool) Unit {
	u := w.units[i]
	var items []found
	for _, it := range w.items {
		if it.unit == i {
			items = append(items, it)
		}
	}
	res, err := loadFiltered(items, u.skipped, false, runtime.GOMAXPROCS(0), keep)
	return Unit{
		Dir:    w.display(u.rel),
		OSDir:  filepath.Join(root, filepath.FromSlash(u.rel)),
		Config: res.Config,
		Result: res,
		Err:    err,
	}
}

// dropEmptyRoot leaves out the root's unit (units[0]) when it is not one:
// no config, no manifest, no error, and other units beside it. Its
// warnings and skipped files go to the first other unit, so that none is
// dropped in silence.
func dropEmptyRoot(w *walker, units []Unit) []Unit {
	root := units[0]
	if len(units) == 1 || w.units[0].configs > 0 || root.Result.Files > 0 || root.Err != nil {
		return units
	}
	rest := sortUnits(slices.Clone(units[1:]))
	first := &rest[0]
	first.Result.Warnings = append(slices.Clone(root.Result.Warnings), first.Result.Warnings...)
	first.Result.Skipped += root.Result.Skipped
	return rest
}

func sortUnits(units []Unit) []Unit {
	slices.SortStableFunc(units, func(a, b Unit) int { return comparePaths(a.Dir, b.Dir) })
	return units
}

// LoadPathUnits loads what a command line names, `hogsync validate FILE...
// DIR...`, unit by unit, so that a file is judged inside its unit.
//
// A folder given is loaded as LoadUnits loads root, when it is a unit or
// has none above it. A file given, or a folder inside a unit, is judged
// inside its unit: the nearest folder at or above it that holds
// hogsync.yaml or hogsync.yml, looking up to the repository's root (a
// folder holding .git) or the file system's; failing that, the file's own
// folder (or the folder given). The unit's other manifests are read too,
// and a name or source id that another file of the unit holds is reported,
// naming both files; but only the problems of the files given are
// reported, and Result holds only their holdouts and Files counts only
// them. Files of different units never clash. A file is read whatever its
// extension; one named hogsync.yaml or hogsync.yml is its folder's config.
//
// Units reached by several paths are loaded once; they come sorted by
// Dir. A path that does not exist gives a plain error, not a List.
func LoadPathUnits(paths []string) ([]Unit, error) {
	type arg struct {
		abs     string // OS path, absolute
		display string // in the walk's display paths
		dir     bool
	}
	type top struct {
		abs, display string
		args         []arg
	}
	var tops []*top
	byAbs := map[string]*top{}
	for _, p := range paths {
		display := path.Clean(filepath.ToSlash(p))
		if escape.HasUnsafe(p) {
			return nil, List{unsafePath(display)}
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("manifest path %q: %w", display, pathErr(err))
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("manifest path %q: %w", display, pathErr(err))
		}
		start, startDisplay := abs, display
		if !info.IsDir() {
			start, startDisplay = filepath.Dir(abs), path.Dir(display)
		}
		unitAbs, ups := findUnit(start)
		t := &top{abs: start, display: startDisplay}
		if unitAbs != "" {
			t.abs, t.display = unitAbs, path.Clean(startDisplay+strings.Repeat("/..", ups))
		}
		if prev, ok := byAbs[t.abs]; ok {
			t = prev
		} else {
			byAbs[t.abs] = t
			tops = append(tops, t)
		}
		rel, err := filepath.Rel(t.abs, abs)
		if err != nil {
			return nil, fmt.Errorf("manifest path %q: %w", display, err)
		}
		t.args = append(t.args, arg{abs: abs, display: path.Join(t.display, filepath.ToSlash(rel)), dir: info.IsDir()})
	}

	type loaded struct {
		u     Unit
		abs   string
		whole bool
	}
	var all []loaded
	full := map[string]bool{} // OS path of each unit loaded whole
	parser := newFileParser(runtime.GOMAXPROCS(0))
	defer parser.wait()
	walkers := make([]*walker, len(tops))
	for ti, t := range tops {
		w, err := newOSWalker(t.abs, t.display)
		if err != nil {
			return nil, fmt.Errorf("manifest directory %q: %w", t.display, pathErr(err))
		}
		w.parser = parser
		w.walk()
		// A file given that the walk does not read (another extension, a
		// hidden file) is read all the same, in the unit at the top.
		for _, a := range t.args {
			if a.dir || slices.ContainsFunc(w.items, func(f found) bool { return f.display == a.display }) {
				continue
			}
			rel, _ := filepath.Rel(t.abs, a.abs)
			w.unit = 0
			w.pathArg(filepath.ToSlash(rel))
		}
		walkers[ti] = w
	}
	parser.wait()
	for ti, t := range tops {
		w := walkers[ti]
		var got []Unit
		var whole []bool
		for i, u := range w.units {
			unitAbs := filepath.Join(t.abs, filepath.FromSlash(u.rel))
			isWhole := slices.ContainsFunc(t.args, func(a arg) bool { return a.dir && within(a.abs, unitAbs) })
			var named []arg
			if i == 0 && !isWhole {
				named = t.args
			}
			switch {
			case isWhole:
				if full[unitAbs] {
					continue
				}
				full[unitAbs] = true
				got = append(got, w.loadUnit(t.abs, i, nil))
				whole = append(whole, true)
			case len(named) > 0:
				got = append(got, w.loadUnit(t.abs, i, func(file string) bool {
					return slices.ContainsFunc(named, func(a arg) bool {
						return file == a.display || (a.dir && strings.HasPrefix(file, a.display+"/"))
					})
				}))
				whole = append(whole, false)
			}
		}
		if len(got) > 1 && whole[0] && got[0].Dir == w.display(".") {
			kept := dropEmptyRoot(w, got)
			if len(kept) < len(got) {
				got, whole = kept, whole[1:]
			}
		}
		for i, u := range got {
			abs, _ := filepath.Abs(u.OSDir)
			all = append(all, loaded{u, abs, whole[i]})
		}
	}
	// A unit loaded whole through one path and in part through another
	// (us/ given, and us/a.yaml under a root given too) is kept whole.
	var units []Unit
	for _, l := range all {
		if l.whole || !full[l.abs] {
			units = append(units, l.u)
		}
	}
	return sortUnits(units), nil
}

// findUnit finds the folder of the unit that holds the OS folder dir (an
// absolute path): the nearest folder at or above it holding hogsync.yaml
// or hogsync.yml, up to the repository's root (a folder holding .git) or
// the file system's. ups is how many levels above dir it is; "" when there
// is none.
func findUnit(dir string) (unit string, ups int) {
	for d := dir; ; ups++ {
		entries, err := configEntries(d)
		if err != nil {
			return "", 0 // a folder that cannot be read ends the search
		}
		if len(entries) > 0 {
			return d, ups
		}
		if _, err := os.Lstat(filepath.Join(d, ".git")); !errors.Is(err, fs.ErrNotExist) {
			return "", 0
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", 0
		}
		d = parent
	}
}
