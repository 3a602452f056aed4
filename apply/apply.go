package apply

import (
	"errors"
	"fmt"

	"fcap/manifest"
	"fcap/model"
	"fcap/xattr"
)

// Options say how to apply.
type Options struct {
	// Check changes nothing: differences are reported as Drift.
	Check bool
	// FallbackSetuid lets every entry fall back to the setuid bit, as
	// the entries that say [fallback=setuid] do.
	FallbackSetuid bool
	// Root, when set, resolves every path beneath it (xattr.Root).
	Root *xattr.Root
	// Last is the running kernel's last capability.
	Last model.Cap
}

// Action is what happened to one entry.
type Action int

// The actions.
const (
	// Failed: the entry or the manifest could not be handled (Err).
	Failed Action = iota
	// Set: the capabilities were written and read back.
	Set
	// Removed: the capabilities were removed.
	Removed
	// Drift: with Check, the file differs from the entry.
	Drift
	// FellBack: the filesystem cannot store the capabilities and the
	// setuid bit of the root-owned file stands in (ModeBefore and
	// ModeAfter say whether it was set now).
	FellBack
)

// Result is what Run reports for one entry, or for a manifest it
// refused (Entry.Path is then empty and Refused is true).
type Result struct {
	Entry  manifest.Entry
	Action Action
	// Had is the file's value before (nil: none); HadUnreadable says it
	// had one fcap could not read.
	Had           *model.FileCaps
	HadUnreadable bool
	// ModeBefore and ModeAfter are the permission bits around a fallback.
	ModeBefore, ModeAfter uint32
	// Refused says nothing of the manifest Entry.File is applied.
	Refused bool
	Err     error
}

// Summary counts the outcomes of a run.
type Summary struct {
	Set, Removed, Drift, FellBack, Failed int
}

// Run validates every source whole, then applies the good ones entry by
// entry, calling report for each entry that is not already in line and
// for each problem. Sources are read twice and must not change between
// the passes.
func Run(srcs []*Source, opt Options, report func(Result)) Summary {
	r := &run{opt: opt, report: report}
	validate(srcs, opt.Last, r.refuse)
	for _, s := range srcs {
		if s.ok {
			r.applySource(s)
		}
	}
	return r.sum
}

// run is one Run's state.
type run struct {
	opt    Options
	report func(Result)
	sum    Summary
}

func (r *run) emit(res Result) {
	switch res.Action {
	case Failed:
		r.sum.Failed++
	case Set:
		r.sum.Set++
	case Removed:
		r.sum.Removed++
	case Drift:
		r.sum.Drift++
	case FellBack:
		r.sum.FellBack++
	}
	r.report(res)
}

// refuse reports a manifest that will not be applied.
func (r *run) refuse(s *Source, err error) {
	s.ok = false
	r.emit(Result{Entry: manifest.Entry{File: s.Name}, Err: err, Refused: errors.As(err, new(*manifest.Error))})
}

// applySource is the second pass over one manifest.
func (r *run) applySource(s *Source) {
	if same, err := s.stamp(true); err != nil || !same {
		r.emit(Result{Entry: manifest.Entry{File: s.Name}, Err: s.changedError(err)})
		return
	}
	if err := s.rewind(); err != nil {
		r.emit(Result{Entry: manifest.Entry{File: s.Name}, Err: err})
		return
	}
	n := 0
	err := manifest.Parse(s.f, s.Name, r.opt.Last, func(e manifest.Entry) error {
		n++
		r.entry(e)
		return nil
	})
	if err != nil || n != s.entries {
		r.emit(Result{Entry: manifest.Entry{File: s.Name}, Err: s.changedError(err)})
	}
}

// open opens an entry's path, beneath the root when there is one.
func (r *run) open(path string) (*xattr.File, error) {
	if r.opt.Root != nil {
		return r.opt.Root.Open(path)
	}
	return xattr.Open(path)
}

// entry brings one file in line with its entry, or with Check reports
// how it differs.
func (r *run) entry(e manifest.Entry) {
	f, err := r.open(e.Path)
	if err != nil {
		r.emit(Result{Entry: e, Err: err})
		return
	}
	defer f.Close()
	res := Result{Entry: e}
	have, ok, err := f.Caps()
	switch {
	case err != nil && r.opt.Check:
		res.Err = err
		r.emit(res)
		return
	case err != nil:
		res.HadUnreadable = true
	case ok:
		res.Had = &have
	}
	if err == nil && matches(e, have, ok) {
		return
	}
	switch {
	case r.opt.Check:
		r.drift(f, res)
	case e.None:
		r.remove(f, res)
	default:
		r.set(f, res)
	}
}

// matches reports whether the file's current value is what e wants.
func matches(e manifest.Entry, have model.FileCaps, ok bool) bool {
	if e.None {
		return !ok
	}
	return ok && have.SameCaps(e.Caps)
}

// fallback reports whether e may fall back to the setuid bit.
func (r *run) fallback(e manifest.Entry) bool {
	return !e.None && (r.opt.FallbackSetuid || e.Fallback == manifest.FallbackSetuid)
}

// drift reports a difference. A root-owned setuid file on a filesystem
// that cannot store capabilities, where the setuid bit works, counts as
// already fallen back rather than as drift.
func (r *run) drift(f *xattr.File, res Result) {
	res.Action = Drift
	if r.fallback(res.Entry) && res.Had == nil && !res.HadUnreadable && f.CannotStoreCaps() &&
		f.Stat.Mode&modeSetuid != 0 && setuidWorks(f) == nil {
		res.Action = FellBack
		res.ModeBefore, res.ModeAfter = f.Stat.Mode&0o7777, f.Stat.Mode&0o7777
	}
	r.emit(res)
}

// remove deletes the file's capabilities.
func (r *run) remove(f *xattr.File, res Result) {
	res.Action = Removed
	if _, err := f.RemoveCaps(); err != nil {
		res.Action, res.Err = Failed, err
	}
	r.emit(res)
}

// set writes the entry's value, or falls back.
func (r *run) set(f *xattr.File, res Result) {
	res.Action = Set
	_, err := f.SetCaps(res.Entry.Caps)
	if err != nil && r.fallback(res.Entry) && xattr.IsKind(err, xattr.NotSupported) {
		r.fallBack(f, res, err)
		return
	}
	if err != nil {
		res.Action, res.Err = Failed, err
	}
	r.emit(res)
}

// fallBack sets the setuid bit of a root-owned file whose filesystem
// cannot store capabilities, where that bit works; cause is the failed
// write.
func (r *run) fallBack(f *xattr.File, res Result, cause error) {
	res.Action = Failed
	perm := f.Stat.Mode & 0o7777
	res.ModeBefore, res.ModeAfter = perm, perm
	var why error
	if f.Stat.Uid == 0 {
		why = setuidWorks(f)
	}
	switch {
	case f.Stat.Uid != 0:
		res.Err = fmt.Errorf("%w; not setting the setuid bit instead: the file is owned by uid %d, not root", cause, f.Stat.Uid)
	case why != nil:
		res.Err = fmt.Errorf("%w; not setting the setuid bit instead: %w; nothing changed", cause, why)
	case perm&modeSetuid == 0:
		if err := f.Chmod(perm | modeSetuid); err != nil {
			res.Err = err
			break
		}
		res.ModeAfter = f.Stat.Mode & 0o7777
	}
	if res.Err == nil {
		res.Action = FellBack
	}
	r.emit(res)
}
