package systemd

import (
	"fmt"
	"path"
	"strings"
)

// Prefix holds the special executable prefixes of a command line
// (systemd.service(5), "Table 1. Special executable prefixes").
type Prefix struct {
	IgnoreFailure bool // "-": a failure is not a failure of the unit
	SeparateArgv0 bool // "@": the second word is argv[0]
	NoEnvExpand   bool // ":": no $VAR expansion
	// FullyPrivileged ("+") runs the command as the manager runs, without
	// User=, Group=, capabilities, securebits, no_new_privs or namespaces.
	FullyPrivileged bool
	// NoSetuid ("!") applies everything but User=, Group= and
	// SupplementaryGroups=.
	NoSetuid bool
	// AmbientMagic ("!!") acts as "!" only on kernels without ambient
	// capabilities (before Linux 4.3); otherwise it changes nothing.
	AmbientMagic bool
}

func (p Prefix) String() string {
	var s string
	for _, f := range []struct {
		on bool
		c  string
	}{{p.IgnoreFailure, "-"}, {p.SeparateArgv0, "@"}, {p.NoEnvExpand, ":"}, {p.FullyPrivileged, "+"}, {p.NoSetuid, "!"}, {p.AmbientMagic, "!!"}} {
		if f.on {
			s += f.c
		}
	}
	return s
}

// Command is one command line of ExecStart=.
type Command struct {
	Line int
	// Path is the program as written, specifiers expanded: absolute, or a
	// file name systemd looks up in its search path.
	Path string
	// Argv holds the arguments as written (specifiers and variables are
	// not expanded: they do not change the credentials).
	Argv   []string
	Prefix Prefix
}

// parseExec parses an ExecStart= value as systemd 252's config_parse_exec:
// commands separated by lone ";" words, each with its prefixes. A value
// systemd cannot split into words is ignored with a warning (returned in
// ignored); an invalid program path makes the unit unloadable unless the
// command has the "-" prefix, in which case the value is ignored.
func (u *Unit) parseExec(a Assignment) (cmds []Command, ignored string, err error) {
	rest := a.Value
	for {
		first, after, ok, werr := nextWord(rest, true)
		if werr != nil {
			return cmds, fmt.Sprintf("cannot split %q into words (%v)", a.Value, werr), nil
		}
		if !ok {
			return cmds, "", nil
		}
		if first == ";" {
			rest = after
			continue
		}
		cmd := Command{Line: a.Line}
		prog := parsePrefixes(first, &cmd.Prefix)
		if cmd.Path, err = u.expand(prog); err == nil {
			err = checkExecPath(cmd.Path)
		}
		if err != nil {
			return u.execError(cmds, a, cmd, err)
		}
		if !cmd.Prefix.SeparateArgv0 {
			cmd.Argv = []string{cmd.Path}
		}
		cmd.Path = simplifyPath(cmd.Path)
		args, next, more, werr := splitArgs(after)
		if werr != nil {
			return cmds, fmt.Sprintf("cannot split %q into words (%v)", a.Value, werr), nil
		}
		if err := u.checkSpecifiers(args); err != nil {
			return u.execError(cmds, a, cmd, err)
		}
		cmd.Argv = append(cmd.Argv, args...)
		if len(cmd.Argv) == 0 {
			return u.execError(cmds, a, cmd, fmt.Errorf("empty argv[0] after the \"@\" prefix"))
		}
		cmds = append(cmds, cmd)
		if !more {
			return cmds, "", nil
		}
		rest = next
	}
}

// execError is a command line systemd refuses: the unit cannot be loaded,
// unless the command has the "-" prefix, which makes systemd ignore the
// rest of the assignment.
func (u *Unit) execError(cmds []Command, a Assignment, cmd Command, err error) ([]Command, string, error) {
	if cmd.Prefix.IgnoreFailure {
		return cmds, fmt.Sprintf("%v (the \"-\" prefix makes systemd ignore the rest of the line)", err), nil
	}
	return nil, "", &UnitError{Path: u.Path, Line: a.Line, Msg: fmt.Sprintf("ExecStart=: %v", err)}
}

// parsePrefixes strips the prefix characters from the first word, each
// at most once, "+", "!" and "!!" excluding one another, as systemd does;
// the first character that is not an acceptable prefix ends them.
func parsePrefixes(w string, p *Prefix) string {
	for ; w != ""; w = w[1:] {
		switch c := w[0]; {
		case c == '-' && !p.IgnoreFailure:
			p.IgnoreFailure = true
		case c == '@' && !p.SeparateArgv0:
			p.SeparateArgv0 = true
		case c == ':' && !p.NoEnvExpand:
			p.NoEnvExpand = true
		case c == '+' && !p.FullyPrivileged && !p.NoSetuid && !p.AmbientMagic:
			p.FullyPrivileged = true
		case c == '!' && !p.FullyPrivileged && !p.NoSetuid && !p.AmbientMagic:
			p.NoSetuid = true
		case c == '!' && !p.FullyPrivileged && !p.AmbientMagic:
			p.NoSetuid, p.AmbientMagic = false, true
		default:
			return w
		}
	}
	return w
}

// checkExecPath applies systemd's checks to the program's path.
func checkExecPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty path in the command line")
	case !stringIsSafe(p):
		return fmt.Errorf("executable name %q contains special characters", p)
	case strings.HasSuffix(p, "/"):
		return fmt.Errorf("executable path %q specifies a directory", p)
	case path.IsAbs(p) && !pathIsValid(p):
		return fmt.Errorf("%q is not a valid path", p)
	case !path.IsAbs(p) && !filenameIsValid(p):
		return fmt.Errorf("%q is neither a valid executable name nor an absolute path", p)
	}
	return nil
}

// pathIsValid is systemd's path_is_valid: not empty, at most PATH_MAX
// bytes, components at most NAME_MAX.
func pathIsValid(p string) bool {
	if p == "" || len(p) >= 4096 {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if len(c) > 255 {
			return false
		}
	}
	return true
}

// filenameIsValid is systemd's filename_is_valid: a name without "/",
// not "." or "..", at most NAME_MAX bytes.
func filenameIsValid(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.Contains(s, "/") && len(s) <= 255
}

// simplifyPath is systemd's path_simplify: duplicate slashes and "."
// components go, ".." stays.
func simplifyPath(p string) string {
	var parts []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			parts = append(parts, c)
		}
	}
	s := strings.Join(parts, "/")
	if strings.HasPrefix(p, "/") {
		return "/" + s
	}
	if s == "" {
		return "."
	}
	return s
}

// splitArgs reads the arguments after the program up to a lone ";"
// (a "\;" word is a literal ";"). more says a further command follows.
func splitArgs(s string) (args []string, rest string, more bool, err error) {
	for {
		s = strings.TrimLeft(s, whitespace)
		if s == "" {
			return args, "", false, nil
		}
		if s[0] == ';' && (len(s) == 1 || strings.IndexByte(whitespace, s[1]) >= 0) {
			return args, s[1:], true, nil
		}
		if strings.HasPrefix(s, `\;`) && (len(s) == 2 || strings.IndexByte(whitespace, s[2]) >= 0) {
			args = append(args, ";")
			s = s[2:]
			continue
		}
		w, after, _, werr := nextWord(s, true)
		if werr != nil {
			return nil, "", false, werr
		}
		args = append(args, w)
		s = after
	}
}
