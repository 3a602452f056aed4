package xattr

import (
	"errors"
	"io"
	"runtime"
	"strconv"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file holds the system calls of the walker: getxattrat(2) relative to
// a directory descriptor (Linux 6.13+) with fallbacks for older kernels,
// and openat2(2) with RESOLVE_NO_XDEV (Linux 5.6+), which tells a mount
// point without a stat of every directory.
//
// The calls made for every file and directory are raw: they are short when
// the cache is warm, and the runtime's bookkeeping for a blocking call
// (entersyscall, and sysmon handing the P to another thread when a call
// takes over 20us) costs more than the walk's few goroutines gain from it.

// xattrArgs is the kernel's struct xattr_args.
type xattrArgs struct {
	Value uint64 // __aligned_u64: the address of the buffer
	Size  uint32
	Flags uint32
}

// capNameC is Name as a C string.
var capNameC = []byte(Name + "\x00")

// How attributes are read; chosen once per process by probeMode.
const (
	probeUnknown int32 = iota
	probeAt            // getxattrat(dirfd, name, AT_SYMLINK_NOFOLLOW, ...)
	probeProc          // lgetxattrRetry("/proc/self/fd/DIRFD/NAME")
	probePath          // lgetxattrRetry(full path): no /proc, PATH_MAX applies
)

var probeModeV atomic.Int32

// probeMode returns how this kernel lets attributes be read relative to a
// directory, testing getxattrat once.
func probeMode() int32 {
	if m := probeModeV.Load(); m != probeUnknown {
		return m
	}
	m := probeAt
	var args xattrArgs
	buf := make([]byte, maxValue)
	dot := []byte("/\x00")
	_, errno := getxattrat(unix.AT_FDCWD, &dot[0], buf, &args)
	if errno == unix.ENOSYS || (errno == unix.EPERM && !errors.Is(lgetxattrErr("/", buf), unix.EPERM)) {
		m = probePath
		var st unix.Stat_t
		if unix.Stat("/proc/self/fd", &st) == nil {
			m = probeProc
		}
	}
	probeModeV.Store(m)
	return m
}

func lgetxattrErr(path string, buf []byte) error {
	_, err := lgetxattrRetry(path, buf)
	return err
}

// getxattrat reads security.capability of name (a NUL-terminated string)
// in dirfd into buf, without following a symlink; with an empty buf it
// returns the size of the value.
func getxattrat(dirfd int, name *byte, buf []byte, args *xattrArgs) (int, unix.Errno) {
	for {
		args.Value = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
		args.Size = uint32(len(buf))
		args.Flags = 0
		r, _, errno := unix.RawSyscall6(unix.SYS_GETXATTRAT, uintptr(dirfd),
			uintptr(unsafe.Pointer(name)), unix.AT_SYMLINK_NOFOLLOW,
			uintptr(unsafe.Pointer(&capNameC[0])), uintptr(unsafe.Pointer(args)),
			unsafe.Sizeof(*args))
		runtime.KeepAlive(buf)
		if errno != unix.EINTR {
			return int(r), errno
		}
	}
}

// lgetxattrRetry reads security.capability of path without following a final
// symlink.
func lgetxattrRetry(path string, buf []byte) (int, error) {
	for {
		n, err := unix.Lgetxattr(path, Name, buf)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// probeFile reads the capability value of the file name of d into s.xbuf;
// name is followed by a NUL in its buffer.
func (s *walkScratch) probeFile(d *dirNode, name []byte) (int, unix.Errno) {
	switch probeMode() {
	case probeAt:
		return getxattrat(d.fd, &name[0], s.xbuf, &s.args)
	case probeProc:
		p := "/proc/self/fd/" + strconv.Itoa(d.fd) + "/" + string(name)
		return errnoOf(lgetxattrRetry(p, s.xbuf))
	}
	return errnoOf(lgetxattrRetry(joinPath(d.path, string(name)), s.xbuf))
}

// absent reports whether the file name of d surely has no value, the
// common case, with one getxattrat of size 0: asking for the size spares
// the kernel a buffer and a copy. It is false with the fallbacks, and for
// a file with a value or an error, which probeFile then reads.
func (s *walkScratch) absent(d *dirNode, name []byte) bool {
	if probeMode() != probeAt {
		return false
	}
	_, errno := getxattrat(d.fd, &name[0], nil, &s.args)
	return errno == unix.ENODATA
}

// errnoOf returns the errno of an error from a system call.
func errnoOf(n int, err error) (int, unix.Errno) {
	var errno unix.Errno
	if err != nil && !errors.As(err, &errno) {
		errno = unix.EIO
	}
	return n, errno
}

// How directories are opened; chosen on first use.
const (
	openUnknown int32 = iota
	openAt2           // openDirAt2 with RESOLVE_NO_XDEV: EXDEV marks a mount point
	openPlain         // openDirAt; every directory is fstat'ed to find mount points
)

var openModeV atomic.Int32

// dirFlags open a directory for getdents64, never through a symlink.
const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// openDir opens the directory name (a NUL-terminated string) in dirfd.
// mount reports whether the caller must fstat the result to learn whether
// it is on another filesystem: always after openat, only at a mount point
// after openat2.
func openDir(dirfd int, name *byte) (fd int, mount bool, err error) {
	if openModeV.Load() != openPlain {
		fd, err = openDirAt2(dirfd, name)
		switch {
		case err == nil:
			if openModeV.Load() == openUnknown {
				openModeV.Store(openAt2)
			}
			return fd, false, nil
		case err == unix.EXDEV:
			fd, err = openDirAt(dirfd, name)
			return fd, true, err
		case err == unix.ENOSYS, err == unix.EPERM && openModeV.Load() == openUnknown:
			openModeV.Store(openPlain)
		default:
			return -1, false, err
		}
	}
	fd, err = openDirAt(dirfd, name)
	return fd, true, err
}

// openHow opens a directory for reading, fails with EXDEV at a mount point
// and never follows a symlink.
var openHow = unix.OpenHow{
	Flags:   dirFlags,
	Resolve: unix.RESOLVE_NO_XDEV | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
}

func openDirAt2(dirfd int, name *byte) (int, error) {
	for {
		fd, _, errno := unix.RawSyscall6(unix.SYS_OPENAT2, uintptr(dirfd), uintptr(unsafe.Pointer(name)),
			uintptr(unsafe.Pointer(&openHow)), unix.SizeofOpenHow, 0, 0)
		if errno != unix.EINTR {
			return int(fd), errnoErr(errno)
		}
	}
}

func openDirAt(dirfd int, name *byte) (int, error) {
	for {
		fd, _, errno := unix.RawSyscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)),
			dirFlags, 0, 0, 0)
		if errno != unix.EINTR {
			return int(fd), errnoErr(errno)
		}
	}
}

// errnoErr returns nil for 0 and the errno otherwise.
func errnoErr(errno unix.Errno) error {
	if errno == 0 {
		return nil
	}
	return errno
}

// closeFd closes a descriptor with a raw call: closing a directory does
// not block.
func closeFd(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

// getdentsRetry reads directory entries, retrying on EINTR.
func getdentsRetry(fd int, buf []byte) (int, error) {
	for {
		n, _, errno := unix.RawSyscall(unix.SYS_GETDENTS64, uintptr(fd),
			uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		if errno != unix.EINTR {
			return int(n), errnoErr(errno)
		}
	}
}

// rewindDir goes back to the start of an open directory.
func rewindDir(fd int) error {
	_, err := unix.Seek(fd, 0, io.SeekStart)
	return err
}

// fstatatNoFollow stats name in dirfd without following a symlink.
func fstatatNoFollow(dirfd int, name string, st *unix.Stat_t) error {
	for {
		err := unix.Fstatat(dirfd, name, st, unix.AT_SYMLINK_NOFOLLOW)
		if err != unix.EINTR {
			return err
		}
	}
}
