package oci

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"fcap/xattr"
)

// FS is the container's filesystem as its process sees it once runc has
// set it up: the rootfs (root.path, bound recursively onto itself and
// remounted read-only when root.readonly is set) with the config's mounts
// on top, in order. Paths resolve the way the kernel resolves them inside
// the container: an absolute symlink starts again at the container's
// root, ".." never climbs above it, and /proc/self/root is that root.
// Nothing a rootfs holds can lead a resolution to the host's files: each
// step opens one name, without following it, beneath a directory already
// reached, and symlink targets are read and resolved by FS itself.
//
// A path on a mount whose contents exist only at run time (tmpfs, proc,
// sysfs, ...) cannot be resolved; it is an error that says so.
type FS struct {
	cfg      *Config
	rootFd   int
	rootMnt  uint64
	readonly bool
	mounts   []mountPoint
	srcs     []bindSource // per mount; fd -1 when not a bind mount
	pidNS    bool         // the container has its own pid namespace
	cwd      string
	// standInFd is an empty directory Bind gives for directories whose
	// contents exist only at run time (-1 until needed).
	standInFd  int
	standInDir string
}

// bindSource is a bind mount's source on the host, opened once. The
// config is trusted: its source paths resolve on the host as runc
// resolves them.
type bindSource struct {
	fd    int // O_PATH; -1 when the mount is not a bind mount
	mnt   uint64
	isDir bool
	// parentFd and name reach a bind-mounted file through its directory.
	parentFd int
	name     string
}

// File is a file of the container opened for exec's questions, with the
// flags of the mount that holds it.
type File struct {
	*xattr.File
	// Path is its canonical path in the container, symlinks resolved.
	Path string
	// Mount names the mount holding it ("/" for the rootfs) and Flags are
	// that mount's flags as the container sees them.
	Mount string
	Flags Flags
	// Exec is, for FS.Program, the path runc passes to execve.
	Exec string
}

// OpenFS opens the container filesystem the config describes. Close it
// when done.
func (c *Config) OpenFS() (*FS, error) {
	fd, err := unix.Open(c.Rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open rootfs %s: %w", c.Rootfs, err)
	}
	fs := &FS{cfg: c, rootFd: fd, readonly: c.Spec.Root.Readonly, cwd: c.Spec.Process.Cwd, standInFd: -1}
	if fs.cwd == "" {
		fs.cwd = "/"
	}
	fs.pidNS = hasOwnPidNS(c.Spec.Linux)
	if fs.rootMnt, err = mountID(fd); err != nil {
		fs.Close()
		return nil, fmt.Errorf("rootfs %s: %w", c.Rootfs, err)
	}
	for i := range c.Spec.Mounts {
		if err := fs.addMount(i); err != nil {
			fs.Close()
			return nil, err
		}
	}
	return fs, nil
}

func hasOwnPidNS(l *specs.Linux) bool {
	if l == nil {
		return false
	}
	return slices.ContainsFunc(l.Namespaces, func(ns specs.LinuxNamespace) bool {
		return ns.Type == specs.PIDNamespace && ns.Path == ""
	})
}

// addMount resolves mount i's destination in the container as it stands
// when runc mounts it (runc resolves it with securejoin: symlinks inside
// the rootfs, missing directories created) and opens a bind's source.
func (fs *FS) addMount(i int) error {
	mp := fs.cfg.parseMount(i)
	w := fs.walker(i, true)
	dest, err := w.canonical(mp.dest0(fs.cfg))
	w.close()
	if err != nil {
		return fmt.Errorf("%s: mounts[%d].destination: %w", fs.cfg.Path, i, err)
	}
	mp.dest = dest
	src := bindSource{fd: -1, parentFd: -1}
	if mp.typ == "bind" {
		if src, err = openBindSource(mp.source, mp.recursive); err != nil {
			return fmt.Errorf("%s: mounts[%d].source: %w", fs.cfg.Path, i, err)
		}
	}
	fs.mounts = append(fs.mounts, mp)
	fs.srcs = append(fs.srcs, src)
	return nil
}

func (mp *mountPoint) dest0(c *Config) string { return c.Spec.Mounts[mp.index].Destination }

// openBindSource opens a bind mount's source. For a non-recursive bind it
// takes a detached copy of the source's mount without its submounts
// (open_tree OPEN_TREE_CLONE, which needs CAP_SYS_ADMIN), which shows
// what the container sees where the host has submounts: the directories
// beneath them. Without the privilege it opens the source itself, and a
// path that crosses a submount is refused (see FS.flagsOf).
func openBindSource(p string, recursive bool) (bindSource, error) {
	s := bindSource{fd: -1, parentFd: -1}
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return s, fmt.Errorf("bind source %s: %w", p, err)
	}
	s.isDir = st.Mode&unix.S_IFMT == unix.S_IFDIR
	fd, err := -1, error(nil)
	if s.isDir && !recursive {
		fd, err = unix.OpenTree(unix.AT_FDCWD, p, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	}
	if fd < 0 {
		fd, err = unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return s, fmt.Errorf("open bind source %s: %w", p, err)
	}
	s.fd = fd
	if err := s.finish(p); err != nil {
		s.close()
		return s, fmt.Errorf("bind source %s: %w", p, err)
	}
	return s, nil
}

// finish checks the opened source is still a directory or not as stat
// said, reads its mount id and, for a file, opens its directory.
func (s *bindSource) finish(p string) error {
	var st unix.Stat_t
	if err := unix.Fstat(s.fd, &st); err != nil {
		return err
	}
	if (st.Mode&unix.S_IFMT == unix.S_IFDIR) != s.isDir {
		return errors.New("changed while fcap opened it")
	}
	var err error
	if s.mnt, err = mountID(s.fd); err != nil || s.isDir {
		return err
	}
	dir, name := path.Split(p)
	s.parentFd, err = unix.Open(dir+".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	s.name = name
	return err
}

func (s *bindSource) close() {
	for _, fd := range []int{s.fd, s.parentFd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// Close releases the descriptors FS holds and removes its stand-in
// directory.
func (fs *FS) Close() error {
	for i := range fs.srcs {
		fs.srcs[i].close()
	}
	if fs.standInFd >= 0 {
		unix.Close(fs.standInFd)
		os.Remove(fs.standInDir)
	}
	return unix.Close(fs.rootFd)
}

// Root is the rootfs directory and Cwd the process's working directory.
func (fs *FS) Root() string { return fs.cfg.Rootfs }
func (fs *FS) Cwd() string  { return fs.cwd }

// Open resolves p in the container (relative to process.cwd when it is
// relative), following every symlink, and opens the regular file it
// names. A missing file is an error that wraps fs.ErrNotExist; a
// directory is an error that wraps unix.EISDIR.
func (fs *FS) Open(p string) (*File, error) {
	w := fs.walker(len(fs.mounts), false)
	defer w.close()
	return w.open(fs.absolute(p))
}

func (fs *FS) absolute(p string) string {
	if path.IsAbs(p) {
		return p
	}
	return fs.cwd + "/" + p
}

// ReadFile returns up to max bytes of the file at p in the container, or
// nil when there is none.
func (fs *FS) ReadFile(p string, max int) ([]byte, error) {
	f, err := fs.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, max)
	n, err := f.ReadHead(buf)
	return buf[:n], err
}

// mountID returns the id of the mount holding fd (statx STATX_MNT_ID).
func mountID(fd int) (uint64, error) {
	var stx unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx); err != nil {
		return 0, fmt.Errorf("statx: %w", err)
	}
	if stx.Mask&unix.STATX_MNT_ID == 0 {
		return 0, errors.New("statx: the kernel gives no mount id (Linux 5.8 or later needed)")
	}
	return stx.Mnt_id, nil
}

// hostFlags reads the flags of the host mount holding fd.
func hostFlags(fd int) (Flags, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return Flags{}, fmt.Errorf("fstatfs: %w", err)
	}
	return Flags{ReadOnly: st.Flags&unix.ST_RDONLY != 0, NoSuid: st.Flags&unix.ST_NOSUID != 0, NoExec: st.Flags&unix.ST_NOEXEC != 0}, nil
}

// flagsOf decides the flags the container sees for a file opened on the
// host (fd), held by mount index mi (-1: the rootfs).
func (fs *FS) flagsOf(fd int, mi int) (Flags, error) {
	mnt, err := mountID(fd)
	if err != nil {
		return Flags{}, err
	}
	host, err := hostFlags(fd)
	if err != nil {
		return Flags{}, err
	}
	if mi < 0 {
		// runc's read-only remount of "/" (MS_BIND|MS_REMOUNT|MS_RDONLY)
		// replaces the flags the rootfs had on the host.
		if mnt == fs.rootMnt && fs.readonly {
			return Flags{ReadOnly: true}, nil
		}
		return host, nil
	}
	mp, src := &fs.mounts[mi], &fs.srcs[mi]
	switch {
	case mnt == src.mnt && mp.remount:
		return mp.withRec(mp.flags), nil
	case mnt == src.mnt || mp.recursive:
		return mp.withRec(host), nil
	}
	return Flags{}, fmt.Errorf("lies on a host mount below %s, which a non-recursive bind does not carry into the container", mp.source)
}

// mountLabel names mount index mi for File.Mount.
func (fs *FS) mountLabel(mi int) string {
	if mi < 0 {
		return "/"
	}
	return fs.mounts[mi].dest
}

// ErrRuntimeContent is wrapped by the error for a path that lies on a
// mount whose contents exist only when the container runs.
var ErrRuntimeContent = errors.New("its contents exist only when the container runs")

func contentError(p string, mp *mountPoint) error {
	what := mp.describe()
	if mp.copyUp {
		what += " (tmpcopyup)"
	}
	return fmt.Errorf("%s is on %s: %w", p, what, ErrRuntimeContent)
}

// isUnder reports whether p is strictly below dir.
func isUnder(p, dir string) bool {
	return strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/") && p != dir
}
