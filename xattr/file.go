package xattr

import (
	"errors"
	"io"
	"os"
	"strconv"

	pkgxattr "github.com/pkg/xattr"
	"golang.org/x/sys/unix"
)

// Name is the extended attribute that holds file capabilities.
const Name = "security.capability"

// File is a regular file opened for capability work. It holds an
// O_PATH|O_NOFOLLOW descriptor; reading and writing go through it.
type File struct {
	Path string
	Stat unix.Stat_t
	fd   int
}

// Open opens path without following a symlink as its last component,
// without opening a FIFO or device for reading, and refuses anything but a
// regular file. Symlinks among the directories on the way are followed
// only when root or the caller owns them (see openPath).
func Open(path string) (*File, error) {
	return OpenAt(unix.AT_FDCWD, path, path)
}

// OpenAt is Open relative to the directory descriptor dirfd; display is
// the path used in errors.
func OpenAt(dirfd int, name, display string) (*File, error) {
	fd, err := openPath(dirfd, name)
	if err != nil {
		return nil, openError(display, err)
	}
	return newFile(fd, display)
}

func checkRegular(path string, mode uint32) error {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFLNK:
		return &Error{Op: "open", Path: path, Kind: Symlink}
	}
	return &Error{Op: "open", Path: path, Kind: NotRegular, Detail: TypeName(mode)}
}

// TypeName names the file type in mode ("directory", "FIFO", ...).
func TypeName(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFIFO:
		return "FIFO"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFCHR:
		return "character device"
	case unix.S_IFBLK:
		return "block device"
	case unix.S_IFLNK:
		return "symlink"
	case unix.S_IFREG:
		return "regular file"
	}
	return "unknown file type"
}

// Close releases the descriptor.
func (f *File) Close() error { return unix.Close(f.fd) }

// Fd returns the O_PATH descriptor.
func (f *File) Fd() int { return f.fd }

// procPath names the open file through /proc, the way to reach an O_PATH
// descriptor with calls that need a real one.
func (f *File) procPath() string { return "/proc/self/fd/" + strconv.Itoa(f.fd) }

// Get returns the raw capability value, or nil when the file has none
// (including on a filesystem that cannot store any). It reads through
// the /proc/self/fd name of the O_PATH descriptor, which reaches the
// opened inode itself, with pkg/xattr. A value longer than any valid one
// is refused (TooLarge) rather than returned.
func (f *File) Get() ([]byte, error) {
	v, err := f.Attr(Name)
	if err == nil && len(v) > maxValue {
		return nil, wrap("get", f.Path, unix.ERANGE)
	}
	return v, err
}

// Attr returns the value of the extended attribute name, or nil when the
// file has none (including on a filesystem that cannot store any).
func (f *File) Attr(name string) ([]byte, error) {
	v, err := pkgxattr.Get(f.procPath(), name)
	switch {
	case errors.Is(err, unix.ENODATA), errors.Is(err, unix.ENOTSUP):
		return nil, nil
	case err != nil:
		return nil, wrap("get", f.Path, noProc(plainErrno(err)))
	}
	return v, nil
}

// maxValue is the longest value Get returns: four times the largest
// valid one, so a longer one is refused by size.
const maxValue = 96

// plainErrno unwraps pkg/xattr's error to the errno it carries, so errors
// read "get PATH: ..." once, not pkg/xattr's own text as well.
func plainErrno(err error) error {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// Set writes a capability value through a descriptor re-opened from the
// O_PATH one (see withFd).
func (f *File) Set(value []byte) error { return f.SetAttr(Name, value) }

// SetAttr writes the extended attribute name as Set writes the
// capability value.
func (f *File) SetAttr(name string, value []byte) error {
	return f.withFd("set",
		func(fd *os.File) error { return pkgxattr.FSet(fd, name, value) },
		func(p string) error { return pkgxattr.Set(p, name, value) })
}

// Remove deletes the capability value. It reports whether there was one;
// a file without one is not an error, and neither is a filesystem that
// cannot store one (it has none) — even a read-only one, since nothing
// needs to change.
func (f *File) Remove() (bool, error) { return f.RemoveAttr(Name) }

// RemoveAttr removes the extended attribute name as Remove removes the
// capability value.
func (f *File) RemoveAttr(name string) (bool, error) {
	if v, err := f.Attr(name); err == nil && v == nil {
		return false, nil
	}
	removed := true
	absent := func(err error) error {
		if errors.Is(err, unix.ENODATA) {
			removed = false
			return nil
		}
		return err
	}
	err := f.withFd("remove",
		func(fd *os.File) error { return absent(pkgxattr.FRemove(fd, name)) },
		func(p string) error { return absent(pkgxattr.Remove(p, name)) })
	return removed && err == nil, err
}

// Chmod sets the permission bits through the descriptor.
func (f *File) Chmod(mode uint32) error {
	err := f.withFd("chmod",
		func(fd *os.File) error { return retry(func() error { return unix.Fchmod(int(fd.Fd()), mode) }) },
		func(p string) error { return retry(func() error { return unix.Fchmodat(unix.AT_FDCWD, p, mode, 0) }) })
	if err == nil {
		err = f.Restat()
	}
	return err
}

// Restat refreshes f.Stat from the descriptor.
func (f *File) Restat() error {
	if err := unix.Fstat(f.fd, &f.Stat); err != nil {
		return wrap("stat", f.Path, err)
	}
	return nil
}

// withFd runs byFd on a read-only descriptor for the same file. The
// re-open goes through /proc/self/fd, which names the opened inode itself,
// so no path is resolved a second time; it is checked against the first
// fstat. When the caller may not read the file, byPath gets the /proc/self/fd
// name of the O_PATH descriptor instead, which reaches the same inode.
func (f *File) withFd(op string, byFd func(fd *os.File) error, byPath func(p string) error) error {
	fd, err := os.OpenFile(f.procPath(), os.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	if errors.Is(err, unix.EACCES) {
		if err := byPath(f.procPath()); err != nil {
			return wrap(op, f.Path, plainErrno(err))
		}
		return nil
	}
	if err != nil {
		return wrap(op, f.Path, noProc(plainErrno(err)))
	}
	defer fd.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(fd.Fd()), &st); err != nil {
		return wrap(op, f.Path, err)
	}
	if st.Dev != f.Stat.Dev || st.Ino != f.Stat.Ino {
		return &Error{Op: op, Path: f.Path, Kind: Changed}
	}
	if err := byFd(fd); err != nil {
		return wrap(op, f.Path, plainErrno(err))
	}
	return nil
}

// noProc explains an ENOENT on /proc/self/fd/N: the descriptor is open,
// so the only way to miss it is a /proc that is not mounted.
func noProc(err error) error {
	if errors.Is(err, unix.ENOENT) {
		return errors.New("/proc/self/fd is not available: is /proc mounted?")
	}
	return err
}

func retry(fn func() error) error {
	for {
		if err := fn(); err != unix.EINTR {
			return err
		}
	}
}

// ReadHead reads up to len(buf) bytes from the start of the file through a
// descriptor re-opened from the checked one (see withFd). A file the
// caller may not read yields 0 bytes, not an error.
func (f *File) ReadHead(buf []byte) (int, error) {
	n := 0
	err := f.withFd("read",
		func(fd *os.File) error {
			var err error
			n, err = fd.ReadAt(buf, 0)
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return err
		},
		func(string) error { return nil })
	return n, err
}

// CannotStoreCaps reports whether the file's filesystem cannot store
// capabilities at all (reading fails with ENOTSUP), as opposed to the file
// simply having none.
func (f *File) CannotStoreCaps() bool {
	_, err := pkgxattr.Get(f.procPath(), Name)
	return errors.Is(err, unix.ENOTSUP)
}
