package audit

import (
	"path/filepath"

	"golang.org/x/sys/unix"
)

// dirChecker answers, with a cache per directory, whether a non-root user
// can replace a path: some directory on the way is theirs or writable by
// them.
type dirChecker struct {
	stats map[string]dirStat
	chain map[string]string // why the directory itself can be replaced
	names *names
}

type dirStat struct {
	mode, uid, gid uint32
	err            error
}

func newDirChecker(n *names) *dirChecker {
	return &dirChecker{stats: map[string]dirStat{}, chain: map[string]string{}, names: n}
}

// replaceable says why a non-root user can replace the file at path owned
// by uid, or "".
func (d *dirChecker) replaceable(path string, uid uint32) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	dir := filepath.Dir(abs)
	if why := d.contents(dir, uid); why != "" {
		return why
	}
	return d.chainOf(dir)
}

// contents says why a non-root user can replace an entry owned by uid in
// dir, or "".
func (d *dirChecker) contents(dir string, uid uint32) string {
	st := d.stat(dir)
	if st.err != nil {
		return ""
	}
	if why := DirReplaceable(st.mode, d.names.user(st.uid), d.names.group(st.gid), uid); why != "" {
		return "directory " + dir + " is " + why
	}
	return ""
}

// chainOf says why a non-root user can replace dir itself, through one of
// its ancestors, or "".
func (d *dirChecker) chainOf(dir string) string {
	if why, ok := d.chain[dir]; ok {
		return why
	}
	parent := filepath.Dir(dir)
	why := ""
	if parent != dir {
		if why = d.contents(parent, d.stat(dir).uid); why == "" {
			why = d.chainOf(parent)
		}
	}
	d.chain[dir] = why
	return why
}

func (d *dirChecker) stat(dir string) dirStat {
	if st, ok := d.stats[dir]; ok {
		return st
	}
	var st unix.Stat_t
	err := unix.Lstat(dir, &st)
	ds := dirStat{mode: st.Mode & 0o7777, uid: st.Uid, gid: st.Gid, err: err}
	d.stats[dir] = ds
	return ds
}
