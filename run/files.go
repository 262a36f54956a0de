package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writePrivateFile writes data to path as a new file that only its owner
// can read (plans, id maps and exports may hold project data): to a
// temporary file in the same directory, then renamed over path. A
// symbolic link at path is replaced, never written through, and a reader
// never sees a half-written file.
func writePrivateFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp makes the file 0600 already; Chmod keeps that true
	// whatever the platform's default.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if info, err := os.Lstat(path); err == nil && info.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// createPrivateFile is writePrivateFile for a path that must not exist:
// it fails with fs.ErrExist when something (a file, a link) has the name,
// and never replaces it.
func createPrivateFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

// checkWritable makes sure a file can be written at path later in the
// run, before anything is sent to PostHog: a mistyped --id-map or
// --plan-out must fail the run with nothing applied, not after the apply.
// It creates and removes a temporary file next to path, as
// writePrivateFile will.
func checkWritable(flag, path string) error {
	if info, err := os.Lstat(path); err == nil && info.IsDir() {
		return fmt.Errorf("%s %s: is a directory; give a file name", flag, path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", flag, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s %s: cannot write there: %v; nothing was sent to PostHog", flag, path, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
