package systemd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// DefaultSearchPath is where systemd 252 looks for a command given by
// name when the unit has no ExecSearchPath= (its DEFAULT_PATH on builds
// with split /usr, as Debian 12's).
const DefaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const statusExec = 203

// Program returns the path systemd executes for cmd: Path when it is
// absolute, else the first entry of the search path where Path is a file
// with an execute bit. systemd checks, as root, with access(X_OK) (any
// execute bit) and fails with status 203/EXEC when there is none. stat
// follows symlinks, as os.Stat.
func (e *Exec) Program(cmd Command, stat func(string) (fs.FileInfo, error)) (string, error) {
	if stat == nil {
		stat = os.Stat
	}
	if path.IsAbs(cmd.Path) {
		return cmd.Path, checkExecutable(cmd.Path, stat)
	}
	dirs := e.ExecSearchPath
	if dirs == nil {
		dirs = strings.Split(DefaultSearchPath, ":")
	}
	for _, d := range dirs {
		p := path.Join(d, cmd.Path)
		if checkExecutable(p, stat) == nil {
			return p, nil
		}
	}
	return "", &StartError{Status: statusExec, Name: "EXEC", Errno: "ENOENT",
		Detail: fmt.Sprintf("%s is not an executable file in %s", cmd.Path, strings.Join(dirs, ":"))}
}

// checkExecutable is systemd's check_x_access as root: the file exists,
// is not a directory and has an execute bit.
func checkExecutable(p string, stat func(string) (fs.FileInfo, error)) error {
	st, err := stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &StartError{Status: statusExec, Name: "EXEC", Errno: "ENOENT", Detail: fmt.Sprintf("failed to locate executable %s: no such file", p)}
	case err != nil:
		return fmt.Errorf("locate executable %s: %w", p, err)
	case st.IsDir():
		return &StartError{Status: statusExec, Name: "EXEC", Errno: "EISDIR", Detail: fmt.Sprintf("failed to locate executable %s: is a directory", p)}
	case st.Mode()&0o111 == 0:
		return &StartError{Status: statusExec, Name: "EXEC", Errno: "EACCES", Detail: fmt.Sprintf("failed to locate executable %s: no execute bit (mode %04o)", p, st.Mode().Perm())}
	}
	return nil
}

// Command picks the ExecStart= command to explain: the one whose program
// (found as Program finds it) is file when file is given and a command
// runs it, else the first. A file no command runs is explained with the
// first command's prefix.
func (e *Exec) Command(file string, stat func(string) (fs.FileInfo, error)) (Command, string) {
	first := e.ExecStart[0]
	if file == "" {
		if len(e.ExecStart) > 1 {
			return first, fmt.Sprintf("the first of %d ExecStart= commands", len(e.ExecStart))
		}
		return first, ""
	}
	for _, c := range e.ExecStart {
		if p, _ := e.Program(c, stat); p == file {
			return c, ""
		}
	}
	c := first
	c.Path, c.Argv = file, []string{file}
	return c, fmt.Sprintf("no ExecStart= command runs %s: explained with the prefix of the first one (%q)", file, first.Prefix.String())
}
