package main

import (
	"fmt"

	"fcap/capfile"
	"fcap/model"
	"fcap/xattr"
)

// The read and write-and-verify steps every writing command shares.

// current reads a file's capabilities; ok is false when it has none.
func current(f *xattr.File) (fc model.FileCaps, ok bool, err error) {
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

// writeChecked writes value unless the file already holds want, then
// reads it back.
func writeChecked(f *xattr.File, want model.FileCaps, value []byte) error {
	if have, ok, err := current(f); err == nil && ok && have.SameCaps(want) {
		return nil
	}
	if err := f.Set(value); err != nil {
		return err
	}
	return readBack(f, want, value)
}

// readBack checks that f now holds want, which was written as value.
func readBack(f *xattr.File, want model.FileCaps, value []byte) error {
	have, ok, err := current(f)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if !ok || !have.SameCaps(want) {
		return fmt.Errorf("read back differs from what was written (wrote %x, file has %s)", value, describe(have, ok))
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
