package execve

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"fcap/model"
	"fcap/model/cred"
)

// MaxScripts is how many "#!" scripts a chain may hold before its
// binary: the kernel tries the formats of at most six files (exec_binprm,
// "depth > 5"), so a seventh file fails with ELOOP.
const MaxScripts = 5

// Program is every file execve opens to run a path: Steps[0] is the path
// itself, and each script's interpreter follows it. The caller gathers
// it (resolving each path, reading each file's facts and first bytes)
// and stops after a file that does not open, is not a script, or is the
// (MaxScripts+2)th.
type Program struct {
	Steps []Step
}

// Step is one file exec opens.
type Step struct {
	// Path is the path as exec gets it: the argument, or the interpreter
	// a "#!" line names (relative paths start at the caller's working
	// directory).
	Path string
	// Lookup is how the path resolved.
	Lookup Lookup
	// File is the file found; valid when Lookup.Err is "".
	File Target
	// Format is what its first bytes make it; Shebang is its "#!" line
	// when it is a script.
	Format  Format
	Shebang Shebang
	// Size is the file's size.
	Size int64
	// Loader is, for an ELF binary that names a program interpreter
	// (PT_INTERP, its dynamic loader), that file: the ELF loader opens it
	// as exec opens a program (ENOENT, EACCES) and reads its header (EIO
	// when shorter, ELIBBAD when not ELF) before the credential rules.
	Loader *Step
}

// Lookup is the path walk: each directory searched on the way, in order
// (directories reached through symlinks included), and how it ended.
type Lookup struct {
	Dirs []Dir
	// Err is the errno when the walk finds no file, after searching Dirs:
	// "ENOENT", "ENOTDIR", "ELOOP" or "ENAMETOOLONG"; "" when it does.
	Err string
	// ErrDetail says which component failed and why, for people.
	ErrDetail string
	// Resolved is the path of the file found, symlinks resolved.
	Resolved string
}

// Dir is one directory searched during a path walk.
type Dir struct {
	Path string
	Inode
}

// Run predicts execve of prog by a process in state p on a kernel whose
// last capability is last: the path walks and permission checks of every
// file opened (EACCES, ENOENT, ...), the format of each (ENOEXEC, ELOOP
// for a chain of more than MaxScripts scripts), then Predict for the
// binary. p must pass p.Check(last).
func Run(p cred.State, prog Program, last model.Cap) Result {
	r := Result{}
	for i := 0; i < len(prog.Steps); i++ {
		s := prog.Steps[i]
		if !r.open(p, s, i) {
			return r
		}
		if i > MaxScripts {
			return r.failed("ELOOP", i, "exec-depth", fmt.Sprintf("the chain holds more than %d scripts: the kernel gives up before it looks at %s", MaxScripts, ShowPath(s.Path)))
		}
		switch s.Format {
		case FormatELF:
			if s.Loader != nil && !r.openLoader(p, *s.Loader, i) {
				return r
			}
			c := Predict(p, s.File, last)
			c.Rules = append(r.Rules, c.Rules...)
			c.Step = i
			return c
		case FormatUnknown:
			return r.failed("ENOEXEC", i, "unknown-format", fmt.Sprintf("%s is neither an ELF binary nor a script (no \"#!\" line)", ShowPath(s.Path)))
		}
		if s.Shebang.Bad != "" {
			return r.failed("ENOEXEC", i, "script-no-interpreter", fmt.Sprintf("%s starts with \"#!\" but %s", ShowPath(s.Path), s.Shebang.Bad))
		}
		r.rule("script", "%s is a script: the kernel runs its interpreter %q instead, and ignores the script's own capabilities and set-id bits", ShowPath(s.Path), s.Shebang.Interp)
	}
	return r.failed("ENOEXEC", len(prog.Steps)-1, "chain-incomplete", "the program's files were not all gathered")
}

// open is do_open_execat: the path walk, the file type, the mount's
// noexec flag, then execute permission. It reports false when the open
// fails (r then holds the error).
func (r *Result) open(p cred.State, s Step, i int) bool {
	if !r.searchDirs(p, s, i) {
		return false
	}
	if s.Lookup.Err != "" {
		r.failed(s.Lookup.Err, i, "lookup-failed", s.Lookup.ErrDetail)
		return false
	}
	return r.openFound(p, s, i)
}

// searchDirs checks search permission on each directory of the walk.
func (r *Result) searchDirs(p cred.State, s Step, i int) bool {
	for _, d := range s.Lookup.Dirs {
		a := maySearch(p, d.Inode)
		if !a.ok {
			r.Where = d.Path
			r.failed("EACCES", i, "search-denied", fmt.Sprintf("the process may not search directory %s (mode %04o, owner %d:%d): %s", ShowPath(d.Path), d.Mode&0o7777, d.UID, d.GID, a.how))
			return false
		}
		if a.override {
			r.rule("search-override", "directory %s: %s", ShowPath(d.Path), a.how)
		}
	}
	return true
}

// openFound checks the file found: its type, its mount's noexec flag
// and execute permission (may_open).
func (r *Result) openFound(p cred.State, s Step, i int) bool {
	f := s.File
	r.Where = s.Path
	switch {
	case !regular(f.Mode):
		r.failed("EACCES", i, "not-regular", fmt.Sprintf("%s is a %s, not a regular file", ShowPath(s.Path), typeName(f.Mode)))
		return false
	case f.NoExec:
		r.failed("EACCES", i, "noexec", fmt.Sprintf("%s is on a noexec mount: nothing on it may be executed, not even by root", ShowPath(s.Path)))
		return false
	}
	a := mayExecute(p, f.Inode())
	if !a.ok {
		r.failed("EACCES", i, "exec-denied", fmt.Sprintf("the process may not execute %s (mode %04o, owner %d:%d): %s", ShowPath(s.Path), f.Mode&0o7777, f.UID, f.GID, a.how))
		return false
	}
	if a.override {
		r.rule("exec-override", "%s: %s", ShowPath(s.Path), a.how)
	}
	r.Where = ""
	return true
}

// openLoader opens an ELF binary's program interpreter and checks its
// header as load_elf_binary does. It reports false when that fails.
func (r *Result) openLoader(p cred.State, l Step, i int) bool {
	r.rule("loader", "the binary names the program interpreter %s: the kernel opens it too, with the same checks", ShowPath(l.Path))
	if !r.searchDirs(p, l, i) {
		return false
	}
	if l.Lookup.Err != "" {
		r.failed(l.Lookup.Err, i, "loader-missing", fmt.Sprintf("the binary's program interpreter (dynamic loader) %s cannot be found: %s", ShowPath(l.Path), l.Lookup.ErrDetail))
		return false
	}
	if !r.openFound(p, l, i) {
		return false
	}
	switch {
	case l.Size < elfHeaderSize:
		r.Where = l.Path
		r.failed("EIO", i, "loader-short", fmt.Sprintf("the program interpreter %s is shorter than an ELF header", ShowPath(l.Path)))
		return false
	case l.Format != FormatELF:
		r.Where = l.Path
		r.failed("ELIBBAD", i, "loader-not-elf", fmt.Sprintf("the program interpreter %s is not an ELF file", ShowPath(l.Path)))
		return false
	}
	return true
}

// failed records that exec fails with errno at step i because of rule.
func (r *Result) failed(errno string, i int, rule, why string) Result {
	r.rule(rule, "%s: exec fails with %s", why, errno)
	r.Err, r.Why, r.Step = errno, why, i
	return *r
}

func (r *Result) rule(name, format string, args ...any) {
	r.Rules = append(r.Rules, Rule{Name: name, Detail: fmt.Sprintf(format, args...)})
}

// typeName names a file type for people.
func typeName(mode uint32) string {
	switch mode & modeType {
	case modeDir:
		return "directory"
	case 0o010000:
		return "FIFO"
	case 0o140000:
		return "socket"
	case 0o020000:
		return "character device"
	case 0o060000:
		return "block device"
	case 0o120000:
		return "symlink"
	}
	return strings.TrimSpace(fmt.Sprintf("file of type %o", mode&modeType))
}

// ShowPath writes a path for people: quoted when it holds a control
// character or invalid UTF-8 (a carriage return from a CRLF "#!" line).
func ShowPath(p string) string {
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return strconv.Quote(p)
		}
	}
	return p
}
