package audit

import (
	"fmt"

	"fcap/capfile"
	"fcap/host"
	"fcap/model"
	"fcap/model/execve"
	"fcap/xattr"
)

// Options say what to walk and how.
type Options struct {
	// OneFileSystem stays on each root's filesystem; IncludePseudo also
	// descends into proc, sysfs, cgroup and other pseudo filesystems.
	OneFileSystem, IncludePseudo bool
	// Last is the running kernel's last capability.
	Last model.Cap
	// Expected, when set, judges every finding against baselines and
	// drop-ins, and expected privileges no file has are reported.
	Expected *Expected
	// Record, when set, collects the privileged files for a baseline.
	Record *Recorder
}

// Run walks the trees under roots without following symlinks and rates
// every regular file, calling found for each finding and failed for each
// path that could not be read; the walk goes on after a failure.
func Run(roots []string, opt Options, found func(Finding), failed func(path string, err error)) {
	n := newNames()
	a := &auditor{opt: opt, found: found, failed: failed, dirs: newDirChecker(n), names: n}
	wo := xattr.WalkOptions{OneFileSystem: opt.OneFileSystem, IncludePseudo: opt.IncludePseudo, NeedStat: true}
	for _, root := range roots {
		if err := xattr.Walk(root, wo, a.entry); err != nil {
			failed(root, err)
		}
	}
	if opt.Expected != nil {
		for _, f := range opt.Expected.Missing(roots) {
			found(f)
		}
	}
}

// auditor is one Run's state.
type auditor struct {
	opt    Options
	found  func(Finding)
	failed func(string, error)
	dirs   *dirChecker
	names  *names
}

// entry audits one file met by the walk.
func (a *auditor) entry(e xattr.Entry) error {
	in, ok := a.input(e)
	if !ok {
		return nil
	}
	if execve.IsSetID(in.Mode) || in.Caps != nil || in.CapsUnreadable || in.CapsMalformed != "" {
		in.DirWritable = a.dirs.replaceable(e.Path, in.UID)
		in.Owner, in.Group = a.names.user(in.UID).Name, a.names.group(in.GID).Name
		in.NoSuid = a.noSuid(e.Path)
	}
	if a.opt.Record != nil {
		a.opt.Record.note(in)
	}
	for _, f := range Rate(in, a.opt.Last) {
		if a.opt.Expected != nil {
			a.opt.Expected.Judge(&f)
		}
		a.found(f)
	}
	return nil
}

// noSuid reports whether the file's mount is nosuid; a file that cannot
// be opened now counts as not (the walk reported what it could read).
func (a *auditor) noSuid(path string) bool {
	f, err := xattr.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	nosuid, err := host.NoSuid(f.Fd())
	return err == nil && nosuid
}

// input turns a walk entry into Rate's input; ok is false when the entry
// is an error that was reported instead.
func (a *auditor) input(e xattr.Entry) (Input, bool) {
	in := Input{Path: e.Path}
	switch {
	case e.Err != nil && xattr.IsKind(e.Err, xattr.Unreadable):
		in.CapsUnreadable = true
		if e.Stat == nil {
			return a.statUnreadable(in)
		}
	case e.Err != nil:
		a.failed(e.Path, e.Err)
		return in, false
	case e.Stat == nil:
		a.failed(e.Path, fmt.Errorf("audit %s: no file status", e.Path))
		return in, false
	}
	in.Mode, in.UID, in.GID = e.Stat.Mode&0o7777, e.Stat.Uid, e.Stat.Gid
	if e.Value != nil {
		fc, err := capfile.Decode(e.Value)
		if err != nil {
			in.CapsMalformed = err.Error()
		} else {
			in.Caps = &fc
		}
	}
	return in, true
}

// statUnreadable fills in the status of a file whose capabilities the
// walk could not read (the walk gives no status with an error).
func (a *auditor) statUnreadable(in Input) (Input, bool) {
	f, err := xattr.Open(in.Path)
	if err != nil {
		a.failed(in.Path, err)
		return in, false
	}
	defer f.Close()
	in.Mode, in.UID, in.GID = f.Stat.Mode&0o7777, f.Stat.Uid, f.Stat.Gid
	return in, true
}
