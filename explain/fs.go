package explain

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"fcap/host"
	"fcap/model/execve"
)

// Limits of the kernel's path walk.
const (
	maxSymlinks = 40   // MAXSYMLINKS: more fail with ELOOP
	pathMax     = 4096 // PATH_MAX, with the NUL: longer paths fail with ENAMETOOLONG
)

// FS is where exec looks paths up: a root directory ("/" of the host,
// of a process, or a container's root filesystem) and a working
// directory inside it. Paths are walked a component at a time from
// descriptors, as the kernel walks them: "/" and absolute symlinks lead
// to the root, ".." stops there, and nothing leads out of it, whatever
// the symlinks inside say. Every directory searched is recorded for the
// permission checks.
type FS struct {
	// Name says which root this is, for people ("" for the host's).
	Name string
	// Mounts, when set, gives the flags of the mount holding a path
	// (a path inside the root, cleaned, starting with "/") instead of
	// fstatfs; it reports false for paths it does not know. A context
	// that mounts things of its own (a container's config) sets it.
	Mounts func(path string) (host.MountFlags, bool)
	// Bind, when set, says where a component is to be opened instead of
	// in the directory the walk stands in: a context that mounts other
	// trees on paths of its root (a container's bind mounts) returns the
	// name to open in dirfd (a descriptor it owns) for path, the
	// component's path inside the root, with ok; an error (contents
	// fcap cannot know) stops the walk.
	Bind func(dir int, name, path string) (dirfd int, open string, ok bool, err error)

	root *dirRef
	cwd  []*dirRef // the working directory and its ancestors, root first
}

// dirRef is an open directory during a walk: an O_PATH descriptor, its
// path inside the root, and its permission facts.
type dirRef struct {
	fd    int
	path  string
	inode execve.Inode
}

// OpenFS opens root as the root of an FS whose working directory is cwd
// (a path inside it; "" or "/" for the root itself).
func OpenFS(root, cwd string) (*FS, error) {
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening root %s: %w", root, err)
	}
	r, err := newDirRef(fd, "/")
	if err != nil {
		return nil, err
	}
	fs := &FS{root: r}
	if root != "/" {
		fs.Name = root
	}
	return fs, fs.Chdir(cwd)
}

// HostFS is the host's root with the given working directory.
func HostFS(cwd string) (*FS, error) { return OpenFS("/", cwd) }

// Chdir makes dir (a path inside the root) the working directory that
// relative paths start from.
func (fs *FS) Chdir(dir string) error {
	w := fs.newWalk()
	defer w.close()
	if dir != "" && !strings.HasPrefix(dir, "/") {
		return fmt.Errorf("working directory %q: want an absolute path", dir)
	}
	if err := w.walk(dir, false); err != nil || w.lookup.Err != "" {
		return fmt.Errorf("working directory %s: %s%v", dir, w.lookup.ErrDetail, err)
	}
	if w.final != nil || w.last != "" {
		return fmt.Errorf("working directory %s: not a directory", dir)
	}
	closeRefs(fs.cwd)
	fs.cwd, w.stack = w.stack, nil
	return nil
}

// Close releases the descriptors.
func (fs *FS) Close() {
	closeRefs(fs.cwd)
	unix.Close(fs.root.fd)
}

func closeRefs(refs []*dirRef) {
	for _, r := range refs[min(1, len(refs)):] { // refs[0] is the root
		unix.Close(r.fd)
	}
}

// newDirRef takes fd and reads its facts.
func newDirRef(fd int, p string) (*dirRef, error) {
	in, _, err := inodeOf(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &dirRef{fd: fd, path: p, inode: in}, nil
}

// inodeOf reads what a permission check reads: mode, owner and ACL;
// and the whole stat.
func inodeOf(fd int) (execve.Inode, unix.Stat_t, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return execve.Inode{}, st, err
	}
	in := execve.Inode{Mode: st.Mode, UID: st.Uid, GID: st.Gid}
	acl, err := readACL(fd)
	in.ACL = acl
	return in, st, err
}

// readACL reads the POSIX access ACL of an O_PATH descriptor; nil when
// there is none.
func readACL(fd int) (execve.ACL, error) {
	buf := make([]byte, 4096)
	n, err := unix.Getxattr(fmt.Sprintf("/proc/self/fd/%d", fd), "system.posix_acl_access", buf)
	switch {
	case errors.Is(err, unix.ENODATA), errors.Is(err, unix.ENOTSUP):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading the ACL: %w", err)
	}
	return execve.ParseACL(buf[:n])
}

// walk is one path lookup in progress.
type walk struct {
	fs     *FS
	stack  []*dirRef // the current directory and its ancestors
	lookup execve.Lookup
	links  int
	// final is the descriptor of the file found (nil for a directory,
	// which stays on the stack), last its name in the top directory.
	final *int
	last  string
	// finalDir and finalName are where final was opened: the top
	// directory and last, or what FS.Bind said.
	finalDir  int
	finalName string
}

func (fs *FS) newWalk() *walk {
	return &walk{fs: fs, stack: []*dirRef{fs.root}}
}

func (w *walk) top() *dirRef { return w.stack[len(w.stack)-1] }

// close releases the walk's descriptors, except the root's and the
// working directory's.
func (w *walk) close() {
	for _, r := range w.stack {
		if r != w.fs.root && !contains(w.fs.cwd, r) {
			unix.Close(r.fd)
		}
	}
	if w.final != nil {
		unix.Close(*w.final)
	}
}

func contains(refs []*dirRef, r *dirRef) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}

// fail ends the walk with the errno the kernel's lookup gives.
func (w *walk) fail(errno, format string, a ...any) error {
	w.lookup.Err, w.lookup.ErrDetail = errno, fmt.Sprintf(format, a...)
	return nil
}

// walk resolves p from the working directory (or the root, for an
// absolute p), following symlinks, the last one too. It records each
// directory it searches; a path that leads nowhere sets w.lookup.Err;
// an error is a failure to look.
func (w *walk) walk(p string, trailingDir bool) error {
	if len(p) >= pathMax {
		return w.fail("ENAMETOOLONG", "the path is %d bytes long, more than the kernel takes (%d)", len(p), pathMax-1)
	}
	if strings.HasPrefix(p, "/") {
		w.stack = []*dirRef{w.fs.root}
	} else if w.fs.cwd != nil {
		w.stack = append([]*dirRef(nil), w.fs.cwd...)
	}
	return w.components(p, strings.HasSuffix(p, "/") || trailingDir)
}

// components walks the components of p from the current directory.
func (w *walk) components(p string, mustBeDir bool) error {
	comps := strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
	for i, c := range comps {
		last := i == len(comps)-1
		w.lookup.Dirs = append(w.lookup.Dirs, execve.Dir{Path: w.top().path, Inode: w.top().inode})
		if err := w.step(c, last, mustBeDir); err != nil || w.lookup.Err != "" {
			return err
		}
		if w.final != nil && !last {
			return w.fail("ENOTDIR", "%s is not a directory", execve.ShowPath(w.pathOf(c)))
		}
	}
	return nil
}

// step looks one component up in the current directory.
func (w *walk) step(c string, last, mustBeDir bool) error {
	switch c {
	case ".":
		return nil
	case "..":
		if len(w.stack) > 1 {
			w.pop()
		}
		return nil
	}
	if w.final != nil {
		unix.Close(*w.final)
		w.final, w.last = nil, ""
	}
	dirfd, name := w.top().fd, c
	if w.fs.Bind != nil {
		d, n, ok, err := w.fs.Bind(dirfd, c, w.pathOf(c))
		if err != nil {
			return fmt.Errorf("looking up %s: %w", w.pathOf(c), err)
		}
		if ok {
			dirfd, name = d, n
		}
	}
	fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ENOENT):
		return w.fail("ENOENT", "%s does not exist", execve.ShowPath(w.pathOf(c)))
	case errors.Is(err, unix.ENAMETOOLONG):
		return w.fail("ENAMETOOLONG", "the name %q is longer than the filesystem allows", c)
	case errors.Is(err, unix.EACCES):
		return fmt.Errorf("fcap itself may not search %s to see what exec would find there (run fcap as root): %w", w.top().path, err)
	case err != nil:
		return fmt.Errorf("looking up %s: %w", w.pathOf(c), err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return fmt.Errorf("stat %s: %w", w.pathOf(c), err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		defer unix.Close(fd)
		return w.follow(fd, c, mustBeDir && last)
	case unix.S_IFDIR:
		r, err := newDirRef(fd, w.pathOf(c))
		if err != nil {
			return err
		}
		w.stack = append(w.stack, r)
		return nil
	}
	if last && mustBeDir {
		unix.Close(fd)
		return w.fail("ENOTDIR", "%s is not a directory, but the path ends in \"/\"", execve.ShowPath(w.pathOf(c)))
	}
	w.final, w.last, w.finalDir, w.finalName = &fd, c, dirfd, name
	return nil
}

// follow walks the target of the symlink fd, named c in the current
// directory.
func (w *walk) follow(fd int, c string, mustBeDir bool) error {
	if w.links++; w.links > maxSymlinks {
		return w.fail("ELOOP", "more than %d symlinks on the way", maxSymlinks)
	}
	buf := make([]byte, pathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return fmt.Errorf("reading symlink %s: %w", w.pathOf(c), err)
	}
	target := string(buf[:n])
	if target == "" {
		return w.fail("ENOENT", "symlink %s is empty", execve.ShowPath(w.pathOf(c)))
	}
	if strings.HasPrefix(target, "/") {
		w.popTo(1)
	}
	return w.components(target, mustBeDir || strings.HasSuffix(target, "/"))
}

// pop leaves the current directory for its parent.
func (w *walk) pop() { w.popTo(len(w.stack) - 1) }

// popTo keeps the first n directories of the stack.
func (w *walk) popTo(n int) {
	for _, r := range w.stack[n:] {
		if r != w.fs.root && !contains(w.fs.cwd, r) {
			unix.Close(r.fd)
		}
	}
	w.stack = w.stack[:n]
}

// pathOf names component c of the current directory.
func (w *walk) pathOf(c string) string { return path.Join(w.top().path, c) }

// ParentFS opens the root and working directory p looks paths up in.
// A working directory that cannot be found there leaves relative paths
// starting at the root, which a note on p says.
func ParentFS(p *Parent) (*FS, error) {
	root, cwd := p.Root, p.Cwd
	if root == "" {
		root = "/"
		if wd, err := os.Getwd(); err == nil {
			cwd = wd
		}
	}
	fs, err := OpenFS(root, "")
	if err != nil {
		return nil, err
	}
	if root != "/" && sameDir(fs.root.fd, "/") {
		fs.Name = "" // the parent's root is fcap's own
	}
	if cwd != "" {
		if err := fs.Chdir(cwd); err != nil {
			p.Notes = append(p.Notes, fmt.Sprintf("the working directory cannot be entered (%v): relative paths start at the root", err))
		}
	}
	return fs, nil
}

// sameDir reports whether fd is the directory dir.
func sameDir(fd int, dir string) bool {
	var a, b unix.Stat_t
	return unix.Fstat(fd, &a) == nil && unix.Stat(dir, &b) == nil && a.Dev == b.Dev && a.Ino == b.Ino
}
