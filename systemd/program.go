package systemd

import (
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
// absolute, else the first entry of the search path where Path is a
// file with an execute bit (systemd looks, as root, with access X_OK).
// stat follows symlinks, as os.Stat.
func (e *Exec) Program(cmd Command, stat func(string) (fs.FileInfo, error)) (string, error) {
	if stat == nil {
		stat = os.Stat
	}
	if path.IsAbs(cmd.Path) {
		return cmd.Path, nil
	}
	dirs := e.ExecSearchPath
	if dirs == nil {
		dirs = strings.Split(DefaultSearchPath, ":")
	}
	for _, d := range dirs {
		p := path.Join(d, cmd.Path)
		if st, err := stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", startError(statusExec, "EXEC", "%s is not an executable file in %s", cmd.Path, strings.Join(dirs, ":"))
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
		if p, err := e.Program(c, stat); err == nil && p == file {
			return c, ""
		}
	}
	c := first
	c.Path, c.Argv = file, []string{file}
	return c, fmt.Sprintf("no ExecStart= command runs %s: explained with the prefix of the first one (%q)", file, first.Prefix.String())
}
