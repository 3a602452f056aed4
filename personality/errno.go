package personality

import (
	"errors"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"fcap/capfile"
	"fcap/xattr"
)

// Errno finds the errno behind err; a path fcap refuses (symlink or not
// a regular file) is EINVAL, as libcap reports it. It is 0 when unknown.
func Errno(err error) unix.Errno {
	if xattr.IsKind(err, xattr.Symlink) || xattr.IsKind(err, xattr.NotRegular) {
		return unix.EINVAL
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return 0
}

// Strerror is glibc's strerror(3) text for err's errno, or fcap's own
// text when there is none.
func Strerror(err error) string {
	errno := Errno(err)
	if errno == 0 {
		var xe *xattr.Error
		if errors.As(err, &xe) && xe.Kind == xattr.UntrustedPath {
			return "refused: a directory on the path is a symlink owned by another user"
		}
		return err.Error()
	}
	s := errno.Error()
	if strings.HasPrefix(s, "errno ") {
		return "Unknown error " + strconv.Itoa(int(errno))
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// DecodeErrno is what libcap's cap_get_file reports for a value it cannot
// read: ERANGE when it is larger than its buffer, else EINVAL.
func DecodeErrno(value []byte) error {
	if len(value) > capfile.MaxSize {
		return unix.ERANGE
	}
	return unix.EINVAL
}
