package oci

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// ExecError is a program the runtime cannot execute: runc 1.1 looks it
// up with Go's exec.LookPath inside the container before exec, and fails
// without executing anything when the lookup fails.
type ExecError struct {
	Name   string // the program as asked for
	Errno  string // "ENOENT", "EACCES"
	Detail string
}

func (e *ExecError) Error() string {
	return fmt.Sprintf("exec %q: %s (%s)", e.Name, e.Detail, e.Errno)
}

// Args returns process.args.
func (c *Config) Args() []string { return c.Spec.Process.Args }

// Getenv returns the last value of name in process.env (runc sets the
// variables in order, so a later one wins).
func (c *Config) Getenv(name string) (string, bool) {
	val, found := "", false
	for _, kv := range c.Spec.Process.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			val, found = v, true
		}
	}
	return val, found
}

// Program finds and opens what runc executes for name: process.args[0]
// when name is "", otherwise name in its place. A name with a slash is a
// path (relative to process.cwd); a bare name is looked up in the PATH of
// process.env, as exec.LookPath does it in runc 1.1 (built with Go 1.19):
// the first entry naming a non-directory with an execute bit wins, and a
// relative PATH entry is refused.
func (fs *FS) Program(name string) (*File, error) {
	if name == "" {
		args := fs.cfg.Args()
		if len(args) == 0 || args[0] == "" {
			return nil, &ConfigError{Path: fs.cfg.Path, Field: "process.args", Msg: "empty: the config names no program"}
		}
		name = args[0]
	}
	if strings.Contains(name, "/") {
		return fs.lookFile(name)
	}
	return fs.lookPath(name)
}

// lookFile is LookPath for a name with a slash: stat (following
// symlinks), which must find a non-directory with an execute bit.
func (fs *FS) lookFile(name string) (*File, error) {
	f, err := fs.Open(name)
	switch {
	case errors.Is(err, unix.EISDIR):
		return nil, &ExecError{Name: name, Errno: "EACCES", Detail: "is a directory"}
	case errors.Is(err, os.ErrNotExist):
		return nil, &ExecError{Name: name, Errno: "ENOENT", Detail: "no such file in the container"}
	case err != nil:
		return nil, err
	}
	if f.Stat.Mode&0o111 == 0 {
		f.Close()
		return nil, &ExecError{Name: name, Errno: "EACCES", Detail: fmt.Sprintf("%s has no execute bit (mode %04o)", f.Path, f.Stat.Mode&0o7777)}
	}
	f.Exec = name
	return f, nil
}

// lookPath searches PATH. Entries that fail for any reason are skipped,
// as exec.LookPath skips them; only a path on a mount fcap cannot read
// stops the search, since the file might be there.
func (fs *FS) lookPath(name string) (*File, error) {
	pathVar, _ := fs.cfg.Getenv("PATH")
	for _, dir := range strings.Split(pathVar, ":") {
		if pathVar == "" {
			break
		}
		if dir == "" {
			dir = "."
		}
		f, err := fs.lookFile(path.Join(dir, name))
		switch {
		case errors.Is(err, ErrRuntimeContent):
			return nil, err
		case err != nil:
			continue
		case !path.IsAbs(dir):
			f.Close()
			return nil, &ExecError{Name: name, Errno: "ENOENT",
				Detail: fmt.Sprintf("found as %s through the relative PATH entry %q, which exec.LookPath refuses", path.Join(dir, name), dir)}
		}
		return f, nil
	}
	return nil, &ExecError{Name: name, Errno: "ENOENT", Detail: "executable file not found in $PATH"}
}
