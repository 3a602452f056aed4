package xattr

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrEscapesRoot is wrapped by the error Root.Open returns for a path
// whose ".." components lead above the root.
var ErrEscapesRoot = errors.New("path leads outside the root")

// ErrNoOpenat2 is wrapped by the error OpenRoot returns when the kernel
// has no openat2(2), which Root needs to resolve paths safely.
var ErrNoOpenat2 = errors.New("resolving paths beneath a root needs openat2(2), Linux 5.6 or later")

// openat2Tries bounds the retries when openat2 reports EAGAIN, which it
// does with RESOLVE_IN_ROOT when a concurrent rename raced the lookup.
const openat2Tries = 16

// Root resolves paths beneath a directory, such as an unpacked image,
// as if that directory were "/": an absolute path names a file under it,
// and no path, ".." component or symlink leads out of it. The kernel
// enforces this (openat2 with RESOLVE_IN_ROOT), not a path check.
//
// By default every symlink met on the way is refused, because the
// directories of an image are not to be trusted to point where a
// manifest expects; the last component is never followed in any case.
// Set FollowSymlinks to resolve symlinks inside the root instead, e.g.
// /bin -> usr/bin in a merged-/usr image; they still cannot lead out.
type Root struct {
	Dir string
	// FollowSymlinks resolves symlinks in directory components inside
	// the root (an absolute target is taken relative to the root)
	// instead of refusing them. Magic links (/proc/PID/fd/...) are
	// always refused.
	FollowSymlinks bool
	fd             int
}

// OpenRoot opens dir as a root for Open. It fails early when dir is not
// a directory or the kernel lacks openat2.
func OpenRoot(dir string) (*Root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOTDIR) {
		return nil, &Error{Op: "open root", Path: dir, Kind: Other, Err: err}
	}
	if err != nil {
		return nil, wrap("open root", dir, err)
	}
	r := &Root{Dir: dir, fd: fd}
	probe, err := r.openat2(".")
	if err != nil {
		unix.Close(fd)
		return nil, r.openError("open root", dir, err)
	}
	unix.Close(probe)
	return r, nil
}

// Close releases the root's descriptor.
func (r *Root) Close() error { return unix.Close(r.fd) }

// Open is xattr.Open for a path beneath the root: it opens the path with
// O_PATH|O_NOFOLLOW, refuses anything but a regular file, and acts on
// that descriptor from then on. A leading "/" is ignored and relative
// paths start at the root too. The returned File's Path is path as given.
func (r *Root) Open(path string) (*File, error) {
	if escapes(path) {
		return nil, &Error{Op: "open", Path: path, Kind: Other, Err: fmt.Errorf("%w %s", ErrEscapesRoot, r.Dir)}
	}
	fd, err := r.openat2(strings.TrimLeft(path, "/"))
	if err != nil {
		return nil, r.openError("open", path, err)
	}
	return newFile(fd, path)
}

// resolveFlags are openat2's RESOLVE_* flags for this root.
func (r *Root) resolveFlags() uint64 {
	flags := uint64(unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS)
	if !r.FollowSymlinks {
		flags |= unix.RESOLVE_NO_SYMLINKS
	}
	return flags
}

// openat2 opens name relative to the root with O_PATH|O_NOFOLLOW,
// retrying on EINTR and EAGAIN.
func (r *Root) openat2(name string) (int, error) {
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: r.resolveFlags(),
	}
	if name == "" {
		name = "."
	}
	var err error
	for i := 0; i < openat2Tries; i++ {
		var fd int
		fd, err = unix.Openat2(r.fd, name, &how)
		if err != unix.EINTR && err != unix.EAGAIN {
			return fd, err
		}
	}
	return -1, err
}

// openError explains an openat2 failure.
func (r *Root) openError(op, path string, err error) error {
	switch {
	case errors.Is(err, unix.ENOSYS):
		return &Error{Op: op, Path: path, Kind: Other, Err: ErrNoOpenat2}
	case errors.Is(err, unix.EXDEV):
		return &Error{Op: op, Path: path, Kind: Other, Err: fmt.Errorf("%w %s", ErrEscapesRoot, r.Dir)}
	case errors.Is(err, unix.ELOOP) && !r.FollowSymlinks:
		return &Error{Op: op, Path: path, Kind: Symlink, Err: err,
			Detail: "a directory on the way is a symlink; symlinks beneath a root are refused"}
	}
	return wrap(op, path, err)
}

// escapes reports whether path's ".." components climb above its start,
// read as a path relative to the root.
func escapes(path string) bool {
	depth := 0
	for _, c := range strings.Split(path, "/") {
		switch c {
		case "", ".":
		case "..":
			if depth--; depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}

// newFile completes an open as OpenAt does: fstat the O_PATH descriptor
// and refuse anything but a regular file. It takes ownership of fd.
func newFile(fd int, display string) (*File, error) {
	f := &File{Path: display, fd: fd}
	if err := unix.Fstat(fd, &f.Stat); err != nil {
		unix.Close(fd)
		return nil, wrap("open", display, err)
	}
	if err := checkRegular(display, f.Stat.Mode); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return f, nil
}
