package dropin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"fcap/host"
)

// dirHandle is an open, trusted drop-in directory.
type dirHandle struct {
	fd   int
	path string // as displayed, the Root prefix included
}

func (d *dirHandle) close() { unix.Close(d.fd) }

// listDir opens dir beneath root one component at a time, checking each,
// and returns the drop-in names it holds. A refused directory still
// returns its names (they hide lower-precedence files) with a nil handle
// and the refusal; a missing one returns nothing.
func listDir(root, dir string) ([]string, *dirHandle, error) {
	display := filepath.Join(root, dir)
	fd, err := openChain(root, dir)
	if errors.Is(err, errAbsent) {
		return nil, nil, nil
	}
	if fd < 0 {
		return nil, nil, err
	}
	names, lerr := readNames(fd, display)
	if err != nil || lerr != nil {
		unix.Close(fd)
		if err == nil {
			err = lerr
		}
		return names, nil, err
	}
	return names, &dirHandle{fd: fd, path: display}, nil
}

// openChain opens root (or /) and then each component of dir beneath it
// with O_NOFOLLOW, checking that each is a directory only root (or the
// caller) can change. When one is refused it goes on down, so that the
// drop-in directory's names can still be listed (they hide files of the
// same name): it returns the descriptor with the refusal. A missing
// component is errAbsent; a symlink on the way is refused with -1.
func openChain(root, dir string) (int, error) {
	display := filepath.Join(root, dir)
	cur := root
	if cur == "" {
		cur = "/"
	}
	fd, err := unix.Open(cur, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &TrustError{Path: display, Reason: fmt.Sprintf("open %s: %v", cur, err)}
	}
	var refusal error
	if why := checkDir(fd, cur); why != "" {
		refusal = &TrustError{Path: display, Reason: why}
	}
	for _, part := range strings.Split(strings.Trim(dir, "/"), "/") {
		next, err := unix.Openat(fd, part, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		cur = filepath.Join(cur, part)
		switch {
		case err == unix.ENOENT:
			return -1, errAbsent
		case err == unix.ELOOP, err == unix.ENOTDIR:
			return -1, &TrustError{Path: display, Reason: cur + " is a symlink or not a directory (drop-in directories are never reached through a symlink)"}
		case err != nil:
			return -1, &TrustError{Path: display, Reason: fmt.Sprintf("open %s: %v", cur, err)}
		}
		fd = next
		if why := checkDir(fd, cur); why != "" && refusal == nil {
			refusal = &TrustError{Path: display, Reason: why}
		}
	}
	return fd, refusal
}

// checkDir says why the directory open as fd, shown as path, cannot be
// trusted, or "".
func checkDir(fd int, path string) string {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Sprintf("stat %s: %v", path, err)
	}
	return untrusted(path, &st)
}

// untrusted says why a file or directory with this status may be changed
// by someone other than root and the caller, or "".
func untrusted(path string, st *unix.Stat_t) string {
	switch {
	case st.Uid != 0 && st.Uid != callerUID:
		return fmt.Sprintf("%s is owned by %s, not root", path, userName(st.Uid))
	case st.Mode&0o002 != 0:
		return fmt.Sprintf("%s is writable by everyone (mode %04o)", path, st.Mode&0o7777)
	case st.Mode&0o020 != 0:
		return fmt.Sprintf("%s is writable by the members of group %s (mode %04o)", path, groupName(st.Gid), st.Mode&0o7777)
	}
	return ""
}

// userName is "NAME (uid N)", or "uid N" when the user database has no
// name for it.
func userName(uid uint32) string {
	id := "uid " + strconv.FormatUint(uint64(uid), 10)
	if name := host.UserName(uid); name != "" {
		return name + " (" + id + ")"
	}
	return id
}

// groupName is the group's name, or "gid N" when the group database has
// none for it.
func groupName(gid uint32) string {
	if name := host.GroupName(gid); name != "" {
		return name
	}
	return "gid " + strconv.FormatUint(uint64(gid), 10)
}

// readNames lists the drop-in names in the directory open as fd.
func readNames(fd int, display string) ([]string, error) {
	dup, err := unix.Dup(fd)
	if err != nil {
		return nil, fmt.Errorf("read drop-in directory %s: %w", display, err)
	}
	unix.CloseOnExec(dup)
	f := os.NewFile(uintptr(dup), display)
	defer f.Close()
	all, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("read drop-in directory %s: %w", display, err)
	}
	var names []string
	for _, n := range all {
		if isDropIn(n) {
			names = append(names, n)
		}
	}
	return names, nil
}

// open opens the drop-in name in d without following a symlink: a
// symlink to /dev/null is a mask, any other symlink, a non-regular file
// or a file others may change is refused.
func (d *dirHandle) open(name string) (*File, error) {
	path := filepath.Join(d.path, name)
	pfd, err := unix.Openat(d.fd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open drop-in %s: %w", path, err)
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstat(pfd, &st); err != nil {
		return nil, fmt.Errorf("stat drop-in %s: %w", path, err)
	}
	f := &File{Name: name, Path: path}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		return d.mask(f, pfd)
	case unix.S_IFREG:
	default:
		return nil, &TrustError{Path: path, Reason: "not a regular file"}
	}
	if why := untrusted(path, &st); why != "" {
		return nil, &TrustError{Path: path, Reason: why}
	}
	return d.read(f, &st)
}

// mask accepts a symlink to /dev/null, which masks the files of its name.
func (d *dirHandle) mask(f *File, pfd int) (*File, error) {
	buf := make([]byte, 64)
	n, err := unix.Readlinkat(pfd, "", buf)
	if err != nil {
		return nil, fmt.Errorf("read drop-in symlink %s: %w", f.Path, err)
	}
	if target := string(buf[:n]); target != "/dev/null" {
		return nil, &TrustError{Path: f.Path, Reason: fmt.Sprintf("a symlink (to %q); the only symlink allowed is one to /dev/null, which masks the files of its name", target)}
	}
	f.Masked = true
	return f, nil
}

// read opens the checked regular file for reading and makes sure it is
// still the file checked (status st).
func (d *dirHandle) read(f *File, st *unix.Stat_t) (*File, error) {
	fd, err := unix.Openat(d.fd, f.Name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open drop-in %s: %w", f.Path, err)
	}
	var again unix.Stat_t
	if err := unix.Fstat(fd, &again); err != nil || again.Dev != st.Dev || again.Ino != st.Ino {
		unix.Close(fd)
		return nil, fmt.Errorf("open drop-in %s: it changed while it was being opened", f.Path)
	}
	f.File = os.NewFile(uintptr(fd), f.Path)
	return f, nil
}
