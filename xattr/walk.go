package xattr

import (
	"strings"

	"golang.org/x/sys/unix"
)

// WalkOptions tunes Walk.
type WalkOptions struct {
	// OneFileSystem keeps the walk on the filesystem of each root.
	OneFileSystem bool
	// IncludePseudo descends into proc, sysfs, cgroup and other pseudo
	// filesystems, which cannot hold file capabilities.
	IncludePseudo bool
	// NeedStat fills Entry.Stat for every regular file (one fstatat each).
	NeedStat bool
	// OnlyFound calls fn only for files that have a value and for errors,
	// not for every regular file: what `get -r` prints without -v.
	OnlyFound bool
	// Workers is the number of goroutines reading directories and
	// attributes besides the caller's; 0 means GOMAXPROCS.
	Workers int
}

// Entry is one regular file met by Walk, or a problem met on the way.
type Entry struct {
	Path  string
	Stat  *unix.Stat_t // with WalkOptions.NeedStat
	Value []byte       // the raw capability value; nil when there is none
	// Err is set when the entry could not be read (a *Error naming the
	// path); the walk goes on.
	Err error
}

// Walk visits every regular file under root in byte order of the path,
// without following symlinks, and calls fn once per file from the calling
// goroutine. Unreadable directories and files that vanish during the walk
// are passed to fn as entries with Err set, in their place in the order.
//
// A regular root yields itself; a symlink root is reported as an error
// (Kind Symlink) and not followed; a directory root is walked. Directories
// on another filesystem are left out with OneFileSystem, and pseudo
// filesystems (proc, sysfs, ...) unless IncludePseudo is set.
//
// Walk stops early only if fn returns an error, which Walk returns.
//
// The tree is read relative to directory descriptors (openat2, getdents64,
// getxattrat), so paths longer than PATH_MAX work, by a pool of workers,
// one directory at a time each. Memory is bounded by a read-ahead limit
// plus the listing of the largest directory, not by the size of the tree;
// descriptors by the depth of the tree.
func Walk(root string, opt WalkOptions, fn func(Entry) error) error {
	root = cleanRoot(root)
	fd, st, err := walkOpenRoot(root)
	if err != nil {
		return fn(Entry{Path: root, Err: err})
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return walkFile(&File{Path: root, Stat: st, fd: fd}, opt, fn)
	case unix.S_IFDIR:
		return walkTree(fd, root, &st, opt, fn)
	}
	unix.Close(fd)
	if err := checkRegular(root, st.Mode); err != nil {
		return fn(Entry{Path: root, Err: err})
	}
	return nil
}

// cleanRoot strips trailing slashes, as nftw does for getcap -r, so that
// "/usr/" yields "/usr/bin/ping" and a "link/" root is seen as the symlink.
func cleanRoot(root string) string {
	if t := strings.TrimRight(root, "/"); t != "" {
		return t
	}
	if root == "" {
		return root
	}
	return "/"
}

// walkOpenRoot opens root with O_PATH|O_NOFOLLOW and stats the descriptor.
func walkOpenRoot(root string) (int, unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := openPath(unix.AT_FDCWD, root)
	if err != nil {
		return -1, st, wrap("open", root, err)
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, st, wrap("open", root, err)
	}
	return fd, st, nil
}

// walkFile reports a regular root: it yields itself.
func walkFile(f *File, opt WalkOptions, fn func(Entry) error) error {
	defer f.Close()
	e := Entry{Path: f.Path}
	if opt.NeedStat {
		st := f.Stat
		e.Stat = &st
	}
	e.Value, e.Err = f.Get()
	return fn(e)
}

// walkTree walks a directory root from its O_PATH descriptor.
func walkTree(pathFd int, root string, st *unix.Stat_t, opt WalkOptions, fn func(Entry) error) error {
	fd, err := reopenDir(pathFd)
	unix.Close(pathFd)
	if err != nil {
		return fn(Entry{Path: root, Err: wrap("read", root, err)})
	}
	if !opt.IncludePseudo {
		if pseudo, err := fdIsPseudo(fd); err != nil || pseudo {
			unix.Close(fd)
			if err != nil {
				return fn(Entry{Path: root, Err: wrap("statfs", root, err)})
			}
			return nil
		}
	}
	w := newWalker(opt, fn)
	return w.run(&dirNode{path: root, fd: fd, dev: st.Dev})
}

// reopenDir turns an O_PATH descriptor of a directory into one that can be
// read, without resolving any path again.
func reopenDir(pathFd int) (int, error) {
	for {
		fd, err := unix.Openat(pathFd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// pseudoFS are filesystems that cannot hold file capabilities.
var pseudoFS = map[int64]bool{
	unix.PROC_SUPER_MAGIC: true, unix.SYSFS_MAGIC: true, unix.CGROUP_SUPER_MAGIC: true,
	unix.CGROUP2_SUPER_MAGIC: true, unix.DEVPTS_SUPER_MAGIC: true, unix.DEBUGFS_MAGIC: true,
	unix.TRACEFS_MAGIC: true, unix.SECURITYFS_MAGIC: true, unix.BPF_FS_MAGIC: true,
	unix.PSTOREFS_MAGIC: true, unix.EFIVARFS_MAGIC: true, unix.BINFMTFS_MAGIC: true,
	unix.NSFS_MAGIC: true, unix.RDTGROUP_SUPER_MAGIC: true, unix.BINDERFS_SUPER_MAGIC: true,
	unix.SELINUX_MAGIC: true, unix.SMACK_MAGIC: true, unix.HUGETLBFS_MAGIC: true,
	unix.AUTOFS_SUPER_MAGIC: true,
	configfsMagic:           true, fusectlMagic: true, mqueueMagic: true,
}

// Magic numbers x/sys does not name.
const (
	configfsMagic = 0x62656570
	fusectlMagic  = 0x65735543
	mqueueMagic   = 0x19800202
)

// fdIsPseudo reports whether the open directory fd is on a pseudo
// filesystem (proc, sysfs, cgroup, devpts, ...).
func fdIsPseudo(fd int) (bool, error) {
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil {
		return false, err
	}
	return pseudoFS[int64(fs.Type)], nil
}
