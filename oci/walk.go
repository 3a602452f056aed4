package oci

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"fcap/xattr"
)

// maxLinks bounds the symlinks one resolution follows, as the kernel's
// MAXSYMLINKS does.
const maxLinks = 40

// Where a directory of the walk lies inside a proc mount.
const (
	notProc = iota
	procRoot
	procSelf // /proc/self, /proc/thread-self, or /proc/1 in the container's own pid namespace
)

// dirRef is one directory of the path walked so far.
type dirRef struct {
	// fd is an O_PATH descriptor, or -1 for a directory whose contents
	// fcap cannot read: on a tmpfs, proc... mount, or a missing directory
	// that runc creates as a mount point.
	fd    int
	owned bool
	name  string
	mount int // index of the mount holding it, -1 for the rootfs
	proc  int
	// created marks a directory missing from the rootfs or a bind source
	// that runc creates on the way to a mount point: empty but for that.
	created bool
}

// walker resolves one path in the container, a component at a time.
type walker struct {
	fs   *FS
	upto int // mounts[:upto] are mounted
	// lenient (for mount destinations) stops at the first missing part
	// and keeps the rest as written, as securejoin does.
	lenient bool
	stack   []dirRef
	links   int
}

// leaf is where a walk ended: a directory (the top of the stack) or a
// non-directory named name in the top directory, or a bind-mounted file.
type leaf struct {
	dir  bool
	name string
	st   unix.Stat_t
	src  *bindSource // a bind-mounted file
}

func (fs *FS) walker(upto int, lenient bool) *walker {
	return &walker{fs: fs, upto: upto, lenient: lenient, stack: []dirRef{{fd: fs.rootFd, mount: -1}}}
}

func (w *walker) close() {
	for len(w.stack) > 0 {
		w.pop()
	}
}

func (w *walker) top() *dirRef { return &w.stack[len(w.stack)-1] }

// pop leaves the top directory, never the root.
func (w *walker) pop() {
	d := w.top()
	if d.owned {
		unix.Close(d.fd)
	}
	w.stack = w.stack[:len(w.stack)-1]
}

func (w *walker) toRoot() {
	for len(w.stack) > 1 {
		w.pop()
	}
}

func (w *walker) path() string {
	var b strings.Builder
	for _, d := range w.stack[1:] {
		b.WriteByte('/')
		b.WriteString(d.name)
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

func (w *walker) child(name string) string {
	if len(w.stack) == 1 {
		return "/" + name
	}
	return w.path() + "/" + name
}

// canonical resolves p leniently and returns the container path it names.
func (w *walker) canonical(p string) (string, error) {
	rest, lf, err := w.walk(p)
	if err != nil {
		return "", err
	}
	base := w.path()
	if lf != nil && !lf.dir && lf.src == nil {
		base = w.child(lf.name)
	}
	return path.Clean(base + "/" + strings.Join(rest, "/")), nil
}

// open resolves p strictly and opens the regular file it names.
func (w *walker) open(p string) (*File, error) {
	_, lf, err := w.walk(p)
	if err != nil {
		return nil, err
	}
	if lf.dir {
		return nil, fmt.Errorf("%s: %w", w.path(), unix.EISDIR)
	}
	mi := w.top().mount
	display := w.child(lf.name)
	if lf.src != nil {
		mi, display = w.top().mount, w.path()
	}
	f, err := w.openLeaf(lf, display)
	if err != nil {
		return nil, err
	}
	flags, err := w.fs.flagsOf(f.Fd(), mi)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	return &File{File: f, Path: display, Mount: w.fs.mountLabel(mi), Flags: flags}, nil
}

// openLeaf opens the leaf with xattr.OpenAt, which refuses anything but a
// regular file, and checks it is the inode the walk saw.
func (w *walker) openLeaf(lf *leaf, display string) (*xattr.File, error) {
	dirfd, name := w.top().fd, lf.name
	if lf.src != nil {
		dirfd, name = lf.src.parentFd, lf.src.name
	}
	f, err := xattr.OpenAt(dirfd, name, display)
	if err != nil {
		return nil, err
	}
	if f.Stat.Dev != lf.st.Dev || f.Stat.Ino != lf.st.Ino {
		f.Close()
		return nil, &xattr.Error{Op: "open", Path: display, Kind: xattr.Changed}
	}
	return f, nil
}

// walk follows p from the root, or from where the walker stands for a
// relative p. It returns the components left over when a lenient walk
// stops early, and the leaf.
func (w *walker) walk(p string) ([]string, *leaf, error) {
	if path.IsAbs(p) {
		w.toRoot()
	}
	comps := strings.Split(p, "/")
	for len(comps) > 0 {
		c := comps[0]
		comps = comps[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(w.stack) > 1 {
				w.pop()
			}
			continue
		}
		next, lf, err := w.step(c, remaining(comps))
		switch {
		case err != nil && w.lenient && errors.Is(err, errStop):
			return append([]string{c}, comps...), nil, nil
		case err != nil:
			return nil, nil, err
		case next != nil:
			comps = append(next, comps...)
		case lf != nil && remaining(comps):
			return nil, nil, fmt.Errorf("%s: %w", w.child(c), unix.ENOTDIR)
		case lf != nil:
			return nil, lf, nil
		}
	}
	return nil, &leaf{dir: true}, nil
}

// remaining reports whether comps still names something.
func remaining(comps []string) bool {
	for _, c := range comps {
		if c != "" && c != "." {
			return true
		}
	}
	return false
}

// errStop ends a lenient walk: the rest of the path is kept as written.
var errStop = errors.New("stop")

// step resolves one component c below the top directory: it pushes a
// directory, or returns a symlink's target to walk next, or a leaf.
func (w *walker) step(c string, more bool) ([]string, *leaf, error) {
	cp := w.child(c)
	if mi := w.mountAt(cp); mi >= 0 {
		return w.enterMount(mi, c, more)
	}
	top := w.top()
	if top.fd < 0 {
		return w.stepVirtual(c, cp)
	}
	fd, err := openOne(top.fd, c)
	if errors.Is(err, unix.ENOENT) && w.mountBelow(cp) {
		w.stack = append(w.stack, dirRef{fd: -1, name: c, mount: top.mount, created: true})
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, w.missing(cp, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("%s: %w", cp, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		defer unix.Close(fd)
		target, err := w.readLink(fd, cp)
		return target, nil, err
	case unix.S_IFDIR:
		w.stack = append(w.stack, dirRef{fd: fd, owned: true, name: c, mount: top.mount})
		return nil, nil, nil
	}
	unix.Close(fd)
	return nil, &leaf{name: c, st: st}, nil
}

// missing turns a failed open into the walk's error: a lenient walk stops
// on a missing name, a strict one reports it.
func (w *walker) missing(cp string, err error) error {
	if w.lenient && (errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR)) {
		return errStop
	}
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("%s: %w", cp, os.ErrNotExist)
	}
	return fmt.Errorf("%s: %w", cp, err)
}

// readLink reads the symlink fd and returns its target's components. An
// absolute target starts again at the container's root.
func (w *walker) readLink(fd int, cp string) ([]string, error) {
	if w.links++; w.links > maxLinks {
		return nil, fmt.Errorf("%s: %w", cp, unix.ELOOP)
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return nil, fmt.Errorf("readlink %s: %w", cp, err)
	}
	target := string(buf[:n])
	if path.IsAbs(target) {
		w.toRoot()
	}
	return strings.Split(target, "/"), nil
}

// mountAt returns the index of the mount at container path p that is
// visible from the top directory: the last one mounted there after the
// mount holding that directory; -1 when there is none.
func (w *walker) mountAt(p string) int {
	for i := w.upto - 1; i > w.top().mount; i-- {
		if w.fs.mounts[i].dest == p {
			return i
		}
	}
	return -1
}

// mountBelow reports whether a visible mount lies below p, for which
// runc creates the directories on the way.
func (w *walker) mountBelow(p string) bool {
	for i := w.upto - 1; i > w.top().mount; i-- {
		if isUnder(w.fs.mounts[i].dest, p) {
			return true
		}
	}
	return false
}

// enterMount steps onto mount mi at component c.
func (w *walker) enterMount(mi int, c string, more bool) ([]string, *leaf, error) {
	mp, src := &w.fs.mounts[mi], &w.fs.srcs[mi]
	switch {
	case mp.typ != "bind":
		proc := notProc
		if mp.typ == "proc" {
			proc = procRoot
		}
		w.stack = append(w.stack, dirRef{fd: -1, name: c, mount: mi, proc: proc})
		return nil, nil, nil
	case !src.isDir:
		w.stack = append(w.stack, dirRef{fd: -1, name: c, mount: mi})
		var st unix.Stat_t
		if err := unix.Fstat(src.fd, &st); err != nil {
			return nil, nil, err
		}
		if more {
			return nil, nil, fmt.Errorf("%s: %w", w.path(), unix.ENOTDIR)
		}
		return nil, &leaf{src: src, st: st}, nil
	}
	fd, err := unix.Dup(src.fd)
	if err != nil {
		return nil, nil, err
	}
	unix.CloseOnExec(fd)
	w.stack = append(w.stack, dirRef{fd: fd, owned: true, name: c, mount: mi})
	return nil, nil, nil
}

// stepVirtual steps below a directory fcap cannot read: the way to a
// deeper mount, a proc link to the container's root, or an error.
func (w *walker) stepVirtual(c, cp string) ([]string, *leaf, error) {
	top := w.top()
	switch {
	case top.proc == procRoot && (c == "self" || c == "thread-self" || (c == "1" && w.fs.pidNS)):
		w.stack = append(w.stack, dirRef{fd: -1, name: c, mount: top.mount, proc: procSelf})
		return nil, nil, nil
	case top.proc == procSelf && (c == "root" || c == "cwd"):
		if w.links++; w.links > maxLinks {
			return nil, nil, fmt.Errorf("%s: %w", cp, unix.ELOOP)
		}
		w.toRoot()
		if c == "cwd" {
			return strings.Split(w.fs.cwd, "/"), nil, nil
		}
		return nil, nil, nil
	case w.mountBelow(cp):
		w.stack = append(w.stack, dirRef{fd: -1, name: c, mount: top.mount, created: top.created})
		return nil, nil, nil
	case w.lenient:
		return nil, nil, errStop
	case top.created:
		return nil, nil, fmt.Errorf("%s: %w", cp, os.ErrNotExist)
	}
	return nil, nil, contentError(cp, &w.fs.mounts[top.mount])
}

// openOne opens the single name c below dirfd without following it.
func openOne(dirfd int, c string) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, c, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
