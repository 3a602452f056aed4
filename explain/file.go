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

// FS is the filesystem exec looks in: the host's (HostFS), or a
// container's as its process sees it.
type FS interface {
	// Open follows path's symlinks as exec does and opens the regular
	// file it names, refusing anything else; it returns the file, the
	// path symlinks led to, and whether the file's mount is nosuid.
	Open(path string) (f *xattr.File, resolved string, nosuid bool, err error)
}

// HostFS is the host's filesystem, as fcap itself sees it.
var HostFS FS = hostFS{}

type hostFS struct{}

// Open follows symlinks with filepath.EvalSymlinks, opens the target with
// xattr.Open and reads its mount's nosuid flag.
func (hostFS) Open(path string) (*xattr.File, string, bool, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, "", false, err
	}
	f, err := xattr.Open(real)
	if err != nil {
		return nil, "", false, err
	}
	nosuid, err := host.NoSuid(f.Fd())
	if err != nil {
		f.Close()
		return nil, "", false, err
	}
	return f, real, nosuid, nil
}

// Inspect is InspectIn on the host's filesystem.
func Inspect(path string) (File, error) { return InspectIn(HostFS, path) }

// InspectIn follows path in fsys as exec does (symlinks, then one "#!"
// line, whose interpreter is looked up in fsys too) and reads the file
// exec would judge: capabilities, mode, owner and whether its mount is
// nosuid. The "#!" line is read through the descriptor fsys checked.
func InspectIn(fsys FS, path string) (File, error) {
	fl := File{Path: path}
	f, nosuid, err := fl.open(fsys, path)
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
		if f, nosuid, err = fl.open(fsys, interp); err != nil {
			return fl, err
		}
	}
	defer f.Close()
	fl.Exec = f.Path
	fl.Target.NoSuid = nosuid
	return fl, fl.read(f)
}

// open opens path in fsys, noting where a symlink led.
func (fl *File) open(fsys FS, path string) (*xattr.File, bool, error) {
	f, real, nosuid, err := fsys.Open(path)
	if err != nil {
		return nil, false, err
	}
	if real != path {
		fl.Notes = append(fl.Notes, fmt.Sprintf("%s is a symlink: exec runs %s", path, real))
	}
	return f, nosuid, nil
}

// read fills in the target from the open file.
func (fl *File) read(f *xattr.File) error {
	t := &fl.Target
	t.Mode, t.UID, t.GID = f.Stat.Mode&0o7777, f.Stat.Uid, f.Stat.Gid
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
