package tarcap

import (
	"errors"
	"io"
)

// Member is an entry of an archive as Members reports it.
type Member struct {
	// Name is the entry's name as the archive gives it; Key its key.
	Name, Key string
	// Regular is true for a regular file, Dir for a directory (a hard
	// link, a symlink or a device is neither).
	Regular, Dir bool
}

// Members reads the uncompressed tar stream src whole, checking it as
// Edit does, and calls fn for each entry (global headers left out).
func Members(src io.Reader, fn func(Member) error) error {
	return walk(src, func(e *entry) error {
		if e.typ == typeGlobal {
			return nil
		}
		return fn(Member{Name: e.name, Key: Key(e.name), Regular: e.regular(), Dir: e.typ == typeDir})
	})
}

// walk reads the archive and calls fn with each entry before skipping
// its data.
func walk(src io.Reader, fn func(*entry) error) error {
	r := newReader(src)
	defer r.in.release()
	for {
		e, err := r.next()
		if errors.Is(err, errEnd) {
			break
		}
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
		if err := r.data(e, nil); err != nil {
			return err
		}
	}
	if r.in.off == 0 {
		return errEmpty()
	}
	_, err := r.trailer()
	return err
}

// errEmpty is the error for an input with no bytes at all.
func errEmpty() error {
	return &Error{Index: 1, Reason: "empty input: not a tar archive"}
}
