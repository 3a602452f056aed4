package convert

import (
	"errors"
	"fmt"

	"fcap/model"
	"fcap/model/execve"
	"fcap/xattr"
)

// Revert undoes what Convert did to the program at path, as its record
// says: the mode it had is set again (set-id bits first, so the program
// keeps working), then the capabilities and the record are removed. A
// file without a record — one fcap did not convert, such as a stock ping
// that was never setuid — or one changed since is refused unless Force,
// which then makes a root-owned file setuid root.
func Revert(path string, opt Options) Result {
	res := Result{Path: path}
	f, err := xattr.Open(path)
	if err != nil {
		return res.fail(err)
	}
	defer f.Close()
	if f.Stat.Uid != 0 {
		return res.fail(fmt.Errorf("owned by uid %d, not root: --revert sets a setuid root bit on root-owned files only", f.Stat.Uid))
	}
	have, ok, err := f.Caps()
	if err != nil {
		return res.fail(err)
	}
	res.Caps = have
	mode := f.Stat.Mode & 0o7777
	rec, err := readRecord(f)
	switch {
	case errors.Is(err, errNoRecord) && !ok && execve.IsSetID(mode):
		res.Outcome, res.From = AlreadyReverted, execve.DescribeSetID(mode, f.Stat.Uid, f.Stat.Gid)
		return res
	case errors.Is(err, errNoRecord) && !ok:
		return res.fail(fmt.Errorf("has neither capabilities nor set-id bits (mode %04o): nothing to revert", mode))
	case errors.Is(err, errNoRecord) && !opt.Force:
		return res.fail(fmt.Errorf("%w (it was not converted by fcap, or the record was lost): refusing to make it setuid root; --force does it anyway", err))
	case errors.Is(err, errNoRecord):
		rec = record{Mode: mode | execve.ModeSetuid, Caps: have}
	case err != nil:
		return res.fail(err)
	case !opt.Force:
		if err := rec.check(mode, have, ok, opt.Last); err != nil {
			return res.fail(err)
		}
	}
	res.From = execve.DescribeSetID(rec.Mode, f.Stat.Uid, f.Stat.Gid)
	if opt.DryRun {
		res.Outcome = WouldRevert
		return res
	}
	return res.revert(f, rec)
}

// check refuses a revert when the file changed since it was converted.
func (r record) check(mode uint32, have model.FileCaps, ok bool, last model.Cap) error {
	// A conversion interrupted before the set-id bits were cleared left
	// the recorded mode itself.
	if want := r.Mode &^ execve.SetIDBits(r.Mode); mode != want && mode != r.Mode {
		return fmt.Errorf("mode is %04o, not %04o as convert left it: refusing to restore %04o (--force restores it anyway)", mode, want, r.Mode)
	}
	if !ok || !have.SameCaps(r.Caps) {
		return fmt.Errorf("capabilities are not %s as convert left them: refusing to restore mode %04o (--force restores it anyway)", r.Caps.Caps().Format(last), r.Mode)
	}
	return nil
}

// revert sets the recorded mode first, so the program keeps working,
// then removes the capabilities and the record.
func (r Result) revert(f *xattr.File, rec record) Result {
	if f.Stat.Mode&0o7777 != rec.Mode {
		if err := f.Chmod(rec.Mode); err != nil {
			return r.fail(fmt.Errorf("restoring mode %04o: %w; nothing changed", rec.Mode, err))
		}
	}
	if f.Stat.Mode&0o7777 != rec.Mode {
		return r.fail(fmt.Errorf("mode is %04o after restoring %04o; the capabilities are kept", f.Stat.Mode&0o7777, rec.Mode))
	}
	if _, err := f.RemoveCaps(); err != nil {
		return r.fail(fmt.Errorf("%w; it is %s again and still has its capabilities (for non-root callers only those apply)", err, r.From))
	}
	if _, err := f.RemoveAttr(RecordName); err != nil {
		r.Warning = fmt.Sprintf("reverted, but the record could not be removed: %s", err)
	}
	r.Outcome = Reverted
	return r
}
