package host

import (
	"fmt"
	"path/filepath"

	"fcap/capfile"
	"fcap/model/execve"
	"fcap/xattr"
)

// ExecFile is what execve judges when it runs a path: the file itself
// with its symlinks followed, or for a script the interpreter named on
// its "#!" line.
type ExecFile struct {
	// Path is the file whose capabilities, mode and mount exec uses.
	Path string
	// Script is the script's own path when Path is its interpreter.
	Script string
	// Target holds Path's capabilities, mode, owner and nosuid.
	Target execve.Target
	// Notes say how Path was found (a symlink followed, a script).
	Notes []string
}

// ReadExecFile reads the exec target of path: its symlinks are followed
// as exec follows them and, for a script, the interpreter on its "#!"
// line is read instead (one level: the kernel allows more, scripts
// rarely nest). The "#!" line is read through the descriptor fcap
// checked is a regular file.
func ReadExecFile(path string) (ExecFile, error) {
	var ef ExecFile
	f, err := ef.openResolved(path)
	if err != nil {
		return ExecFile{}, err
	}
	head := make([]byte, execve.ShebangMax)
	n, err := f.ReadHead(head)
	if err != nil {
		f.Close()
		return ExecFile{}, err
	}
	if interp := execve.ParseShebang(head[:n]); interp != "" {
		f.Close()
		ef.Script = f.Path
		ef.Notes = append(ef.Notes, fmt.Sprintf("%s is a script: exec is decided by its interpreter %s (the script's own capabilities and set-id bits are ignored)", f.Path, interp))
		if f, err = ef.openResolved(interp); err != nil {
			return ExecFile{}, err
		}
	}
	defer f.Close()
	ef.Path = f.Path
	if err := readTarget(f, &ef.Target); err != nil {
		return ExecFile{}, err
	}
	return ef, nil
}

// openResolved follows symlinks as exec does, noting it, then opens the
// target with xattr.Open.
func (ef *ExecFile) openResolved(path string) (*xattr.File, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	if real != path {
		ef.Notes = append(ef.Notes, fmt.Sprintf("%s is a symlink: exec runs %s", path, real))
	}
	return xattr.Open(real)
}

// readTarget fills t from the open file: mode, owner, mount and caps.
func readTarget(f *xattr.File, t *execve.Target) error {
	t.Mode, t.UID, t.GID = f.Stat.Mode&0o7777, f.Stat.Uid, f.Stat.Gid
	var err error
	if t.NoSuid, err = NoSuid(f.Fd()); err != nil {
		return err
	}
	v, err := f.Get()
	switch {
	case xattr.IsKind(err, xattr.Unreadable):
		t.CapsInvalid = true
		return nil
	case err != nil:
		return err
	case v == nil:
		return nil
	}
	fc, err := capfile.DecodeForExec(v)
	if err != nil {
		t.CapsInvalid = true
		return nil
	}
	t.Caps = &fc
	return nil
}
