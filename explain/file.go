package explain

import (
	"fmt"
	"path/filepath"

	"fcap/capfile"
	"fcap/host"
	"fcap/model"
	"fcap/model/execve"
	"fcap/xattr"
)

// File is what exec runs when asked to run a path, and what it learns.
type File struct {
	// Path is the path as given; Exec is the file exec judges (after
	// symlinks and, for a script, the interpreter).
	Path, Exec string
	Target     execve.Target
	// Notes say how Exec was found (a symlink, a script).
	Notes []string
}

// Inspect follows path as exec does (symlinks, then one "#!" line) and
// reads the file exec would judge: capabilities, mode, owner and whether
// its mount is nosuid. The "#!" line is read through the descriptor
// xattr.Open checked.
func Inspect(path string) (File, error) {
	fl := File{Path: path}
	f, err := fl.openResolved(path)
	if err != nil {
		return fl, err
	}
	head := make([]byte, execve.ShebangMax)
	n, err := f.ReadHead(head)
	if err != nil {
		f.Close()
		return fl, err
	}
	if interp := execve.ParseShebang(head[:n]); interp != "" {
		f.Close()
		fl.Notes = append(fl.Notes, fmt.Sprintf("%s is a script: exec is decided by its interpreter %s (the script's own capabilities and set-id bits are ignored)", f.Path, interp))
		if f, err = fl.openResolved(interp); err != nil {
			return fl, err
		}
	}
	defer f.Close()
	fl.Exec = f.Path
	return fl, fl.read(f)
}

// openResolved follows symlinks as exec does, noting it, then opens the
// target with xattr.Open.
func (fl *File) openResolved(path string) (*xattr.File, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	if real != path {
		fl.Notes = append(fl.Notes, fmt.Sprintf("%s is a symlink: exec runs %s", path, real))
	}
	return xattr.Open(real)
}

// read fills in the target from the open file.
func (fl *File) read(f *xattr.File) error {
	t := &fl.Target
	t.Mode, t.UID, t.GID = f.Stat.Mode&0o7777, f.Stat.Uid, f.Stat.Gid
	var err error
	if t.NoSuid, err = host.NoSuid(f.Fd()); err != nil {
		return err
	}
	v, err := f.Get()
	switch {
	case xattr.IsKind(err, xattr.Unreadable):
		t.CapsInvalid = true
	case err != nil:
		return err
	case v != nil:
		fc, err := capfile.DecodeForExec(v)
		if err != nil {
			t.CapsInvalid = true
			return nil
		}
		t.Caps = &fc
	}
	return nil
}

// FileWhatIf changes what is known of the file.
type FileWhatIf struct {
	Caps             *model.FileCaps // as if it had these
	NoCaps           bool            // as if it had none
	Setuid, NoSetuid bool
	Owner            *uint32
}

// Apply changes t as w says.
func (w FileWhatIf) Apply(t *execve.Target) {
	if w.Caps != nil {
		t.Caps, t.CapsInvalid = w.Caps, false
	}
	if w.NoCaps {
		t.Caps, t.CapsInvalid = nil, false
	}
	if w.Setuid {
		t.Mode |= execve.ModeSetuid
	}
	if w.NoSetuid {
		t.Mode &^= execve.ModeSetuid
	}
	if w.Owner != nil {
		t.UID = *w.Owner
	}
}
