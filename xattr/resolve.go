package xattr

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// maxLinks bounds the symlinks one resolution follows, as the kernel's
// MAXSYMLINKS does.
const maxLinks = 40

// untrustedLink is the error for a symlink among the directories of a
// path that neither root nor the caller owns: whoever owns it could point
// fcap at any file, so it is not followed.
type untrustedLink struct {
	name string
	uid  uint32
}

func (e *untrustedLink) Error() string {
	return fmt.Sprintf("symlink %q owned by uid %d", e.name, e.uid)
}

// openPath opens name relative to dirfd with O_PATH|O_NOFOLLOW: the last
// component is opened as itself even if it is a symlink (the caller then
// refuses it). It first asks the kernel to refuse every symlink on the way
// (openat2 RESOLVE_NO_SYMLINKS), which is one system call for the usual
// path; if there is one, it resolves the path a component at a time from
// descriptors, following only symlinks owned by root or by the caller, so
// another user's symlink (or a directory swapped for one) cannot redirect
// the open, while /bin -> usr/bin still works.
func openPath(dirfd int, name string) (int, error) {
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	for {
		fd, err := unix.Openat2(dirfd, name, &how)
		switch err {
		case unix.EINTR, unix.EAGAIN:
			continue
		case unix.ELOOP, unix.ENOSYS, unix.EPERM:
			// EPERM: some seccomp filters refuse openat2.
			return resolveTrusted(dirfd, name)
		}
		return fd, err
	}
}

// resolveTrusted walks name component by component, each openat relative
// to the descriptor of the directory before it.
func resolveTrusted(dirfd int, name string) (int, error) {
	if name == "" {
		return -1, unix.ENOENT
	}
	cur := newDirRef(dirfd)
	defer cur.close()
	if strings.HasPrefix(name, "/") {
		if err := cur.openRoot(); err != nil {
			return -1, err
		}
	}
	comps := splitPath(name)
	if len(comps) == 0 {
		return openRetry(cur.fd, ".")
	}
	links := 0
	for len(comps) > 0 {
		c := comps[0]
		comps = comps[1:]
		fd, err := openRetry(cur.fd, c)
		if err != nil {
			return -1, err
		}
		if len(comps) == 0 {
			return fd, nil
		}
		target, isLink, err := trustedTarget(fd, c)
		if err != nil {
			unix.Close(fd)
			return -1, err
		}
		if !isLink {
			cur.replace(fd)
			continue
		}
		unix.Close(fd)
		if links++; links > maxLinks {
			return -1, unix.ELOOP
		}
		if strings.HasPrefix(target, "/") {
			if err := cur.openRoot(); err != nil {
				return -1, err
			}
		}
		comps = append(splitPath(target), comps...)
		if len(comps) == 0 {
			return openRetry(cur.fd, ".")
		}
	}
	return -1, unix.ENOENT
}

// trustedTarget returns the target of fd when it is a symlink that root or
// the caller owns; another owner's symlink is an *untrustedLink.
func trustedTarget(fd int, name string) (string, bool, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return "", false, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		return "", false, nil
	}
	if st.Uid != 0 && int(st.Uid) != unix.Geteuid() {
		return "", true, &untrustedLink{name: name, uid: st.Uid}
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return "", true, err
	}
	return string(buf[:n]), true, nil
}

// splitPath lists the components of p that name something ("" and "."
// dropped; ".." kept: it is resolved by the kernel, without symlinks).
func splitPath(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

func openRetry(dirfd int, name string) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// dirRef is the directory a resolution stands in: the caller's dirfd
// (never closed here) or one it opened.
type dirRef struct {
	fd    int
	owned bool
}

func newDirRef(fd int) *dirRef { return &dirRef{fd: fd} }

func (d *dirRef) replace(fd int) {
	d.close()
	d.fd, d.owned = fd, true
}

func (d *dirRef) openRoot() error {
	fd, err := openRetry(unix.AT_FDCWD, "/")
	if err != nil {
		return err
	}
	d.replace(fd)
	return nil
}

func (d *dirRef) close() {
	if d.owned {
		unix.Close(d.fd)
		d.owned = false
	}
}

// openError explains a failed open of display.
func openError(display string, err error) error {
	var ul *untrustedLink
	if errors.As(err, &ul) {
		return &Error{Op: "open", Path: display, Kind: UntrustedPath, Err: err, Detail: ul.Error()}
	}
	return wrap("open", display, err)
}
