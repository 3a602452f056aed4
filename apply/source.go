package apply

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Source is one manifest, open and rewindable.
type Source struct {
	Name    string // as printed in errors
	f       *os.File
	entries int  // counted by the validating pass
	ok      bool // validated; to be applied
	size    int64
	mtime   unix.Timespec
}

// Open opens a manifest so that it can be read twice: a regular file is
// read in place; "-" (standard input), a pipe or a FIFO is first copied
// to an unlinked temporary file, so memory stays bounded.
func Open(name string, stdin io.Reader) (*Source, error) {
	if name == "-" {
		f, err := spool(stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return &Source{Name: "<stdin>", f: f}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open manifest: %w", err)
	}
	return FromFile(name, f)
}

// FromFile makes a Source of an open manifest, which it now owns.
func FromFile(name string, f *os.File) (*Source, error) {
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		return &Source{Name: name, f: f}, nil
	}
	defer f.Close()
	tmp, err := spool(f)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", name, err)
	}
	return &Source{Name: name, f: tmp}, nil
}

// Close releases the manifest.
func (s *Source) Close() error { return s.f.Close() }

// spool copies r to a temporary file that is already unlinked.
func spool(r io.Reader) (*os.File, error) {
	tmp, err := os.CreateTemp("", "fcap-apply-*")
	if err != nil {
		return nil, err
	}
	os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return nil, err
	}
	return tmp, nil
}

// rewind seeks back to the start of the manifest.
func (s *Source) rewind() error {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read manifest %s: %w", s.Name, err)
	}
	return nil
}

// stamp records or compares the manifest's size and modification time,
// so a manifest edited between the two passes is noticed.
func (s *Source) stamp(compare bool) (same bool, err error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(s.f.Fd()), &st); err != nil {
		return false, fmt.Errorf("stat manifest %s: %w", s.Name, err)
	}
	same = st.Size == s.size && st.Mtim == s.mtime
	if !compare {
		s.size, s.mtime = st.Size, st.Mtim
	}
	return same, nil
}

// changedError reports a manifest that changed between the two passes.
func (s *Source) changedError(err error) error {
	if err != nil {
		return fmt.Errorf("manifest %s changed while it was being applied: %w", s.Name, err)
	}
	return fmt.Errorf("manifest %s changed while it was being applied", s.Name)
}
