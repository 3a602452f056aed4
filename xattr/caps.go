package xattr

import (
	"fmt"

	"fcap/capfile"
	"fcap/model"
)

// Caps reads and decodes the file's capabilities; ok is false when it
// has none.
func (f *File) Caps() (fc model.FileCaps, ok bool, err error) {
	v, err := f.Get()
	if err != nil || v == nil {
		return fc, false, err
	}
	fc, err = capfile.Decode(v)
	if err != nil {
		return fc, false, fmt.Errorf("get %s: %w", f.Path, err)
	}
	return fc, true, nil
}

// SetCaps makes the file hold want: it writes nothing when the file
// already holds the same capabilities, and reads every write back. It
// reports whether it wrote. This is the one write-and-verify path of
// every command that sets capabilities.
func (f *File) SetCaps(want model.FileCaps) (changed bool, err error) {
	if have, ok, err := f.Caps(); err == nil && ok && have.SameCaps(want) {
		return false, nil
	}
	value, err := capfile.Encode(want)
	if err != nil {
		return false, fmt.Errorf("set %s: %w", f.Path, err)
	}
	if err := f.Set(value); err != nil {
		return false, err
	}
	return true, f.checkCaps(&want)
}

// RemoveCaps removes the file's capabilities and checks they are gone.
// A file without any is left alone (removed is false).
func (f *File) RemoveCaps() (removed bool, err error) {
	if removed, err = f.Remove(); err != nil || !removed {
		return removed, err
	}
	return true, f.checkCaps(nil)
}

// checkCaps reads the file back: it must hold want (nil: nothing).
func (f *File) checkCaps(want *model.FileCaps) error {
	have, ok, err := f.Caps()
	switch {
	case err != nil:
		return fmt.Errorf("read back %s: %w", f.Path, err)
	case want == nil && ok:
		return fmt.Errorf("remove %s: the capabilities are still there after removal", f.Path)
	case want != nil && (!ok || !have.SameCaps(*want)):
		return fmt.Errorf("set %s: read back differs from what was written (file has %s)", f.Path, describe(have, ok))
	}
	return nil
}

func describe(fc model.FileCaps, ok bool) string {
	if !ok {
		return "no capabilities"
	}
	v, _ := capfile.Encode(fc)
	return fmt.Sprintf("%x", v)
}
