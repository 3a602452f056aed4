package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"fcap/atomicfile"
)

// Action is what Install or Remove did to one file.
type Action int

// The actions.
const (
	Unchanged Action = iota // already as it should be
	Written                 // created or replaced
	Removed
	Absent // nothing to remove
)

// Result is what happened to one file, or why not (Err).
type Result struct {
	File   File
	Target string // the path written, the root prefix included
	Action Action
	Err    error
}

// Install writes the files beneath root ("" for /), each atomically
// (a temporary file renamed over it), mode 0644. A file that exists and
// lacks the Marker is left alone (an error) unless force is set; a
// symlink or other non-regular file is always refused.
func Install(root string, files []File, force bool) []Result {
	var out []Result
	for _, f := range files {
		target := beneath(root, f.Path)
		r := Result{File: f, Target: target}
		r.Action, r.Err = install(target, []byte(f.Content), force)
		out = append(out, r)
	}
	return out
}

func install(target string, content []byte, force bool) (Action, error) {
	old, err := readOurs(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, errNotOurs) && force:
	case err != nil:
		return 0, err
	case bytes.Equal(old, content):
		return Unchanged, nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return 0, fmt.Errorf("install %s: %w", target, err)
	}
	if err := atomicfile.Write(target, 0o644, func(w io.Writer) error { _, err := w.Write(content); return err }); err != nil {
		return 0, fmt.Errorf("install: %w", err)
	}
	return Written, nil
}

// Remove deletes, beneath root, the hook files of the given managers
// that carry the Marker.
func Remove(root string, files []File) []Result {
	var out []Result
	for _, f := range files {
		target := beneath(root, f.Path)
		r := Result{File: f, Target: target, Action: Removed}
		_, err := readOurs(target)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			r.Action = Absent
		case err != nil:
			r.Err = err
		default:
			if err := os.Remove(target); err != nil {
				r.Err = fmt.Errorf("remove %s: %w", target, err)
			}
		}
		out = append(out, r)
	}
	return out
}

// beneath is path (absolute) beneath root; root "" is /.
func beneath(root, path string) string {
	if root == "" {
		return path
	}
	return filepath.Join(root, path)
}

// errNotOurs is a file without the Marker.
var errNotOurs = errors.New("not written by fcap install-hooks")

// maxHook bounds what is read of an existing file.
const maxHook = 64 << 10

// readOurs reads an existing hook file without following a symlink; it
// fails with errNotOurs (wrapped) when the file lacks the Marker, and
// with fs.ErrNotExist when there is none.
func readOurs(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		return nil, fs.ErrNotExist
	}
	if err == unix.ELOOP {
		return nil, fmt.Errorf("%s is a symlink; not touching it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file; not touching it", path)
	}
	buf := make([]byte, maxHook)
	n, err := f.Read(buf)
	if err != nil && n == 0 {
		buf, n = nil, 0
	}
	if !bytes.Contains(buf[:n], []byte(Marker)) {
		return nil, fmt.Errorf("%s exists and was not written by fcap install-hooks; not touching it: %w", path, errNotOurs)
	}
	return buf[:n], nil
}
