package convert

import (
	"errors"
	"fmt"

	"fcap/model"
	"fcap/model/execve"
	"fcap/xattr"
)

// write converts f: capabilities first (read back), then the record of
// the change, then the set-id bits, so the program works at every
// instant. have and hadCaps are its capabilities before.
func (r Result) write(f *xattr.File, have model.FileCaps, hadCaps bool, last model.Cap) Result {
	if _, err := f.SetCaps(r.Caps); err != nil {
		if rerr := restoreCaps(f, have, hadCaps); rerr != nil {
			err = errors.Join(err, rerr)
		}
		r.Outcome, r.Err = FellBack, err
		return r
	}
	rec := record{Mode: f.Stat.Mode & 0o7777, Caps: r.Caps}
	if err := writeRecord(f, rec); err != nil {
		r.Warning = fmt.Sprintf("could not record the change (%s): --revert will need --force", err)
	}
	if err := clearSetID(f, r.Caps); err != nil {
		return r.fail(fmt.Errorf("%w; the file still works: it keeps %s and has %s", err, r.From, r.Caps.Caps().Format(last)))
	}
	r.Outcome = Converted
	return r
}

// restoreCaps puts back the capabilities f had before a failed write.
func restoreCaps(f *xattr.File, prev model.FileCaps, hadPrev bool) error {
	if !hadPrev {
		_, err := f.Remove()
		return err
	}
	_, err := f.SetCaps(prev)
	return err
}

// clearSetID clears the set-id bits through f, then checks with fstat
// that they are gone and that the capabilities are still there.
func clearSetID(f *xattr.File, want model.FileCaps) error {
	mode := f.Stat.Mode & 0o7777
	if err := f.Chmod(mode &^ execve.SetIDBits(mode)); err != nil {
		return fmt.Errorf("clearing the set-id bits: %w", err)
	}
	if execve.SetIDBits(f.Stat.Mode) != 0 {
		return fmt.Errorf("mode is still %04o after clearing the set-id bits", f.Stat.Mode&0o7777)
	}
	have, ok, err := f.Caps()
	if err != nil || !ok || !have.SameCaps(want) {
		return fmt.Errorf("the capabilities changed while the set-id bits were cleared (%v)", err)
	}
	return nil
}
