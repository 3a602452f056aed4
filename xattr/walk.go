package xattr

import (
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"
)

// WalkOptions tunes Walk.
type WalkOptions struct {
	// OneFileSystem keeps the walk on the filesystem of each root.
	OneFileSystem bool
	// IncludePseudo descends into proc, sysfs, cgroup and other pseudo
	// filesystems, which cannot hold file capabilities.
	IncludePseudo bool
	// NeedStat fills Entry.Stat for every regular file.
	NeedStat bool
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

// Walk visits every regular file under root in path order without
// following symlinks and calls fn once per file, from one goroutine. It
// stops early only if fn returns an error, which Walk returns.
func Walk(root string, opt WalkOptions, fn func(Entry) error) error {
	var st unix.Stat_t
	if err := unix.Lstat(root, &st); err != nil {
		return fn(Entry{Path: root, Err: wrap("open", root, err)})
	}
	w := &simpleWalk{opt: opt, fn: fn, dev: st.Dev}
	return w.visit(root, st.Mode)
}

type simpleWalk struct {
	opt WalkOptions
	fn  func(Entry) error
	dev uint64
}

func (w *simpleWalk) visit(path string, mode uint32) error {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return w.file(path)
	case unix.S_IFDIR:
		return w.dir(path)
	}
	return nil
}

func (w *simpleWalk) file(path string) error {
	f, err := Open(path)
	if err != nil {
		if IsKind(err, NotExist) || IsKind(err, NotRegular) || IsKind(err, Symlink) {
			err = &Error{Op: "get", Path: path, Kind: Changed, Err: err}
		}
		return w.fn(Entry{Path: path, Err: err})
	}
	defer f.Close()
	e := Entry{Path: path}
	if w.opt.NeedStat {
		st := f.Stat
		e.Stat = &st
	}
	e.Value, e.Err = f.Get()
	return w.fn(e)
}

func (w *simpleWalk) dir(path string) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return w.fn(Entry{Path: path, Err: wrap("read", path, err)})
	}
	if w.opt.OneFileSystem && st.Dev != w.dev {
		return nil
	}
	if !w.opt.IncludePseudo && IsPseudo(path) {
		return nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return w.fn(Entry{Path: path, Err: wrap("read", path, err)})
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, d := range ents {
		p := filepath.Join(path, d.Name())
		var mode uint32
		switch t := d.Type(); {
		case t.IsDir():
			mode = unix.S_IFDIR
		case t.IsRegular():
			mode = unix.S_IFREG
		}
		if err := w.visit(p, mode); err != nil {
			return err
		}
	}
	return nil
}

// pseudoFS are filesystems that cannot hold file capabilities.
var pseudoFS = map[int64]bool{
	unix.PROC_SUPER_MAGIC: true, unix.SYSFS_MAGIC: true, unix.CGROUP_SUPER_MAGIC: true,
	unix.CGROUP2_SUPER_MAGIC: true, unix.DEVPTS_SUPER_MAGIC: true, unix.DEBUGFS_MAGIC: true,
	unix.TRACEFS_MAGIC: true, unix.SECURITYFS_MAGIC: true, unix.BPF_FS_MAGIC: true,
	unix.PSTOREFS_MAGIC: true, unix.EFIVARFS_MAGIC: true,
	unix.BINFMTFS_MAGIC: true,
	unix.NSFS_MAGIC:     true, unix.RDTGROUP_SUPER_MAGIC: true, unix.BINDERFS_SUPER_MAGIC: true, unix.SELINUX_MAGIC: true, unix.SMACK_MAGIC: true,
}

// IsPseudo reports whether path is on a pseudo filesystem (proc, sysfs,
// cgroup, devpts, ...).
func IsPseudo(path string) bool {
	var fs unix.Statfs_t
	if unix.Statfs(path, &fs) != nil {
		return false
	}
	return pseudoFS[int64(fs.Type)]
}
