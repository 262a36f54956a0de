package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hogsync/hogsync/internal/words"

	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/manifest"
	hsync "github.com/hogsync/hogsync/sync"
)

type Export struct {
	Remote
	Conn

	OutDir    string
	Overwrite bool
}

// Run writes one manifest per remote holdout (see hsync.Export for names
// and content).
//
// Some holdouts cannot become a directory that sync accepts as it is:
// several with one name (PostHog allows that, a manifest directory does
// not), or one holding what the manifest format refuses. Export still
// writes every one of them, then exits 1 naming them. That is what
// terraform's -generate-config-out does with configuration it cannot make
// valid, and what a kubectl or terraform user expects of a migration tool:
// nothing is merged or dropped behind their back (a dropped holdout would
// silently not be migrated, and --prune on the source would delete it),
// the files show what PostHog has, and the non-zero exit stops a script
// before it runs sync on a directory that needs a decision first. Writing
// duplicates commented out was rejected: sync would then see no manifest
// for them, so they would not be migrated, and sync --prune on the source
// project would delete them.
func (c *Export) Run(e *env) error {
	if err := c.Conn.validate(); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	// --out-dir's hogsync.yaml, when there is one, names the project and
	// host to export, as it does for sync: an export of another project
	// into it would be planned against the wrong one.
	var cfg *manifest.Config
	if _, err := os.Stat(c.OutDir); err == nil {
		if cfg, err = manifest.LoadConfig(c.OutDir); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("--out-dir: %w", err)}
		}
	}
	set, err := resolve(e, c.Remote, nil, cfg, false)
	if err != nil {
		return err
	}
	c.Host, c.Project = set.host, set.project
	key, err := apiKey(e, c.APIKeyFile, set.keyEnv)
	if err != nil {
		return err
	}
	api, err := c.Conn.client(e, c.Remote, key)
	if err != nil {
		return err
	}
	// The files' headers name the project: a number, never "@current",
	// which PostHog resolves anew on every request.
	if pinned, err := api.Pin(e.ctx); err == nil {
		api = pinned
	} else {
		e.warnf("%v; the files' headers say @current", err)
	}
	remote, err := api.List(e.ctx)
	if e.progress != nil {
		e.progress.stop() // the listing is over: files are written next
	}
	if err != nil {
		return err
	}
	files := hsync.Export(remote, hsync.ExportSource{Host: api.Host(), Project: api.Project()})
	files, withKey := holdKeyBack(e, files, key)
	if err := c.checkTargets(files); err != nil {
		return err
	}
	if err := os.MkdirAll(c.OutDir, 0o755); err != nil {
		return fmt.Errorf("--out-dir: %w", err)
	}
	for i, f := range files {
		if err := c.write(f); err != nil {
			return fmt.Errorf("%w; %d of %d files were written", err, i, len(files))
		}
		fmt.Fprintf(e.stdout, "wrote %s (id %d)\n", shown(c.path(f)), f.ID)
	}
	fmt.Fprintf(e.stdout, "Exported %d %s to %s.\n", len(files), words.Plural(len(files), "holdout", "holdouts"), shown(c.OutDir))
	if len(files)+len(withKey) == 0 {
		fmt.Fprintf(e.stderr, "hogsync: project %s has no holdouts; no file was written\n", api.Project())
	}
	if len(withKey) > 0 {
		for _, f := range withKey {
			fmt.Fprintf(e.stderr, "hogsync: holdout id %d was not exported: its name or content holds the API key this run uses, which hogsync never writes\n", f.ID)
		}
		printError(e, fmt.Errorf("%d %s not exported because %s the API key; rename %s in PostHog (and rotate the key), then export again",
			len(withKey), words.Plural(len(withKey), "holdout was", "holdouts were"), words.Plural(len(withKey), "it holds", "they hold"), words.Plural(len(withKey), "it", "them")))
		if err := c.verdict(e, files); err != nil {
			return err
		}
		return quiet(exitFailure)
	}
	return c.verdict(e, files)
}

func (c *Export) path(f hsync.ExportFile) string { return filepath.Join(c.OutDir, f.Name) }

// shown is a path as messages show it.
func shown(path string) string { return escape.Text(path) }

// checkTargets makes sure writing will replace nothing without
// --overwrite, and never a directory. It checks every file before any is
// written, so a refused export leaves the directory as it was.
func (c *Export) checkTargets(files []hsync.ExportFile) error {
	var exist, dirs []string
	for _, f := range files {
		p := c.path(f)
		info, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("--out-dir: %w", err)
		case info.IsDir():
			dirs = append(dirs, p)
		default:
			exist = append(exist, p)
		}
	}
	if len(dirs) > 0 {
		return fmt.Errorf("nothing was written: %s %s a directory where export writes a file; move %s or choose another --out-dir",
			strings.Join(dirs, ", "), words.Plural(len(dirs), "is", "are"), words.Plural(len(dirs), "it", "them"))
	}
	if len(exist) > 0 && !c.Overwrite {
		return fmt.Errorf("nothing was written: %d %s already %s: %s; pass --overwrite to replace %s, or choose another --out-dir",
			len(exist), words.Plural(len(exist), "file", "files"), words.Plural(len(exist), "exists", "exist"), strings.Join(exist, ", "),
			words.Plural(len(exist), "it", "them"))
	}
	return nil
}

// holdKeyBack splits off the files that would put the API key on disk:
// in their content, or (lowercased, as a slug) in their name. Such a
// file cannot be written redacted either, as sync would then rename or
// prune the holdout; it is not written, and the run says so.
func holdKeyBack(e *env, files []hsync.ExportFile, key string) (keep, withKey []hsync.ExportFile) {
	slug := hsync.ExportSlug(key, 0)
	for _, f := range files {
		leaks := e.red.string(string(f.Content)) != string(f.Content) || e.red.string(f.Name) != f.Name ||
			(len(slug) >= minSecret && strings.Contains(f.Name, slug))
		if leaks {
			withKey = append(withKey, f)
			continue
		}
		keep = append(keep, f)
	}
	return keep, withKey
}

// write writes one file, 0600 (an export holds project data), through
// a temporary file in --out-dir: a symbolic link at the file's path is
// replaced, never written through. Without --overwrite the file is put
// in place only if nothing took its name since checkTargets.
func (c *Export) write(f hsync.ExportFile) error {
	path := c.path(f)
	if c.Overwrite {
		if err := writePrivateFile(path, f.Content); err != nil {
			return fmt.Errorf("write %s: %w", shown(path), err)
		}
		return nil
	}
	if err := createPrivateFile(path, f.Content); err != nil {
		return fmt.Errorf("write %s: %w", shown(path), err)
	}
	return nil
}

// verdict reports, once every file is written, what keeps the directory
// from being one that sync accepts, and returns the exit code's error.
func (c *Export) verdict(e *env, files []hsync.ExportFile) error {
	var invalid int
	for _, f := range files {
		if f.Err != nil {
			invalid++
			fmt.Fprintf(e.stderr, "hogsync: %s: holdout %q (id %d) is %v\n", shown(c.path(f)), f.Holdout, f.ID, f.Err)
		}
	}
	dups, extra := c.reportDuplicates(e, files)
	var errs []error
	if invalid > 0 {
		errs = append(errs, fmt.Errorf("%d %s written as PostHog stores %s, which is not a valid manifest (see above); edit %s until `hogsync validate %s` passes",
			invalid, words.Plural(invalid, "holdout was", "holdouts were"), words.Plural(invalid, "it", "them"), words.Plural(invalid, "that file", "those files"), shown(c.OutDir)))
	}
	if dups > 0 {
		// The extra files would outlive a rename in PostHog: the next
		// export writes the renamed holdout to a new file, and the old
		// one would still hold the shared name.
		errs = append(errs, fmt.Errorf("%d %s shared by several holdouts (above). Every one was written, none merged or dropped, "+
			"but names must be unique in a manifest directory, so validate and sync refuse %s until they are. "+
			"Either rename them in PostHog, delete %s, and export again with --overwrite (until then sync on this project reports a conflict), "+
			"or, to migrate them, edit the name in, or delete, %s",
			dups, words.Plural(dups, "name is", "names are"), shown(c.OutDir), strings.Join(extra, ", "), words.Plural(len(extra), "that file", "those files")))
	}
	if len(errs) > 0 {
		for _, err := range errs {
			printError(e, err)
		}
		return quiet(exitFailure)
	}
	return c.checkDir(e, files)
}

// reportDuplicates prints one line per name that several holdouts share
// and returns how many names that is, and the files beyond the first of
// each name.
func (c *Export) reportDuplicates(e *env, files []hsync.ExportFile) (int, []string) {
	byName := map[string][]hsync.ExportFile{}
	var names []string
	for _, f := range files {
		if len(f.SameName) == 0 {
			continue
		}
		if byName[f.Holdout] == nil {
			names = append(names, f.Holdout)
		}
		byName[f.Holdout] = append(byName[f.Holdout], f)
	}
	var extra []string
	for _, n := range names {
		var where []string
		for i, f := range byName[n] {
			where = append(where, fmt.Sprintf("%s (id %d)", shown(c.path(f)), f.ID))
			if i > 0 {
				extra = append(extra, shown(c.path(f)))
			}
		}
		fmt.Fprintf(e.stderr, "hogsync: warning: PostHog has %d holdouts named %q: %s\n", len(where), n, strings.Join(where, ", "))
	}
	return len(names), extra
}

// checkDir loads --out-dir as sync will. Files that were there before the
// export (an earlier export, hand-written manifests) can clash with the
// new ones, and would be read by sync alongside them.
func (c *Export) checkDir(e *env, files []hsync.ExportFile) error {
	loaded, err := manifest.LoadFS(os.DirFS(c.OutDir), filepath.ToSlash(c.OutDir))
	var list manifest.List
	if errors.As(err, &list) {
		for _, p := range list {
			fmt.Fprintln(e.stderr, p.Error())
		}
		return fmt.Errorf("%s does not validate: files that were there before the export clash with the exported ones (see above); move them away, or export into an empty directory", shown(c.OutDir))
	}
	if err != nil {
		return err
	}
	if extra := len(loaded) - len(files); extra > 0 {
		fmt.Fprintf(e.stderr, "hogsync: note: %s also holds %d %s this export did not write; sync %s will manage %s too\n",
			shown(c.OutDir), extra, words.Plural(extra, "holdout", "holdouts"), shown(c.OutDir), words.Plural(extra, "it", "them"))
	}
	return nil
}
