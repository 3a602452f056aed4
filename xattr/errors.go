package xattr

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Kind classifies a failure so that callers can branch on it and users
// read a cause rather than an errno.
type Kind int

// The kinds of failure.
const (
	Other         Kind = iota
	NotExist           // no such file
	Symlink            // the path is a symlink, which fcap never follows
	NotRegular         // a directory, FIFO, socket or device
	NotSupported       // the filesystem cannot store file capabilities
	ReadOnly           // read-only filesystem
	Permission         // the caller lacks the privilege (CAP_SETFCAP) or the file is immutable
	Unreadable         // an attribute exists but the kernel will not return it
	TooLarge           // an attribute too large to be a capability value
	Changed            // the file changed between checks
	UntrustedPath      // a directory on the path is another user's symlink
)

var kindText = map[Kind]string{
	NotExist:      "no such file or directory",
	Symlink:       "is a symlink (refused: fcap never follows symlinks)",
	NotRegular:    "not a regular file",
	NotSupported:  "filesystem does not support file capabilities",
	ReadOnly:      "read-only filesystem",
	Permission:    "permission denied",
	Unreadable:    "capability xattr present but unreadable (revision 1 or malformed)",
	TooLarge:      "capability xattr too large to be valid",
	Changed:       "file changed while fcap was working on it",
	UntrustedPath: "a directory on the path is a symlink owned by another user (refused: it could point anywhere)",
}

// Error is a failed operation on one path.
type Error struct {
	Op   string // "get", "set", "remove", "open", "chmod"
	Path string
	Kind Kind
	// Detail adds to the kind's text, e.g. the file type.
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg, ok := kindText[e.Kind]
	if !ok {
		msg = fmt.Sprint(e.Err)
	}
	if e.Kind == Permission && e.Detail == "" && (e.Op == "set" || e.Op == "remove") {
		msg += " (need CAP_SETFCAP, or the file is immutable)"
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return fmt.Sprintf("%s %s: %s", e.Op, e.Path, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// classify maps an errno from op to the kind a user understands.
func classify(op string, err error) Kind {
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR):
		return NotExist
	case errors.Is(err, unix.ENOTSUP):
		return NotSupported
	case errors.Is(err, unix.EROFS):
		return ReadOnly
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return Permission
	case errors.Is(err, unix.ERANGE), errors.Is(err, unix.E2BIG):
		return TooLarge
	case op == "get" && (errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOVERFLOW)):
		return Unreadable
	}
	return Other
}

func wrap(op, path string, err error) error {
	e := &Error{Op: op, Path: path, Kind: classify(op, err), Err: err}
	if e.Kind == Unreadable && errors.Is(err, unix.EOVERFLOW) {
		e.Detail = "its rootid cannot be mapped into this user namespace"
	}
	return e
}
