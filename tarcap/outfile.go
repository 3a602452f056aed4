package tarcap

import (
	"fmt"
	"os"
	"path/filepath"
)

// OutputFile is an archive being written to a file that takes the
// file's name only on Commit: until then it is a temporary file beside
// it, so a failed edit never leaves a partial archive under the name.
type OutputFile struct {
	*os.File
	name string
	mode os.FileMode
}

// CreateOutput starts writing the file name. A file already there keeps
// its permissions (and may be the input: it is replaced only on Commit);
// a new one gets mode 0644.
func CreateOutput(name string) (*OutputFile, error) {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(name); err == nil {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("output %s: not a regular file", name)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".fcap-*")
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", name, err)
	}
	return &OutputFile{File: f, name: name, mode: mode}, nil
}

// Commit makes the written archive durable and gives it its name.
func (o *OutputFile) Commit() error {
	err := o.Chmod(o.mode)
	if err == nil {
		err = o.Sync()
	}
	if cerr := o.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.File.Name(), o.name)
	}
	if err != nil {
		os.Remove(o.File.Name())
		return fmt.Errorf("output %s: %w", o.name, err)
	}
	return nil
}

// osFile lets the editor copy into the file inside the kernel.
func (o *OutputFile) osFile() *os.File { return o.File }

// Abort removes the temporary file; the name is left as it was.
func (o *OutputFile) Abort() {
	o.Close()
	os.Remove(o.File.Name())
}
