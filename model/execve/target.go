package execve

import "fcap/model"

// Target is what execve learns about the file whose credentials rules
// apply: the binary itself, or for a script the final interpreter.
type Target struct {
	// Caps is the file's security.capability value when it is one exec
	// accepts; nil when it has none or CapsProblem says it is not
	// usable. RootID is nonzero only for revision 3.
	Caps *model.FileCaps
	// CapsProblem says what is wrong with a value that is there but not
	// in Caps; CapsOK when nothing is.
	CapsProblem CapsProblem
	// Mode is the file's st_mode: its permission bits, S_ISUID and
	// S_ISGID, and its type (S_IFMT); a zero type is taken for a
	// regular file.
	Mode uint32
	// UID and GID own the file (kernel ids).
	UID, GID uint32
	// ACL is the file's POSIX access ACL; nil when it has none.
	ACL ACL
	// NoSuid and NoExec are the flags of the mount the file is on.
	NoSuid, NoExec bool
}

// CapsProblem is what keeps a security.capability value out of
// Target.Caps.
type CapsProblem int

// The problems a capability value can have.
const (
	CapsOK CapsProblem = iota
	// CapsMalformed: shorter than 4 bytes, an unknown revision, or a
	// size that does not fit its revision: exec fails with EINVAL.
	CapsMalformed
	// CapsTooLong: longer than 24 bytes: exec fails with ERANGE.
	CapsTooLong
	// CapsUnreadable: the value is there but getxattr refuses to return
	// it (EINVAL), so its bytes are unknown. It is a revision-1 value or
	// one with unknown flag bits (exec uses it), a malformed one (EINVAL)
	// or a longer one (ERANGE): the outcome cannot be known.
	CapsUnreadable
)

// File type bits of st_mode.
const (
	modeType    = 0o170000
	modeRegular = 0o100000
	modeDir     = 0o040000
)

// regular reports whether mode is a regular file's (or has no type).
func regular(mode uint32) bool { return mode&modeType == 0 || mode&modeType == modeRegular }
