package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"fcap/model/cred"
)

// ErrNotBelow is wrapped by UserNS's error for a process whose user
// namespace is not fcap's own nor below it: its ids cannot be expressed
// in fcap's.
var ErrNotBelow = errors.New("its user namespace is not below fcap's")

// UserNS returns the user namespace of process pid (0: the caller) as
// fcap sees it: nil when it is fcap's own namespace (which fcap takes
// for the initial one), else the chain of namespaces between them, each
// with the uid and gid maps its processes show fcap (ids of fcap's
// namespace, as /proc/PID/status shows them).
func UserNS(pid int) (*cred.UserNS, error) {
	self, err := nsInode(unix.AT_FDCWD, "/proc/self/ns/user")
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(procPath(pid, "ns/user"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening the user namespace: %w", err)
	}
	var inodes []uint64
	for {
		ino, err := nsInode(fd, "")
		if err != nil || ino == self {
			unix.Close(fd)
			if err != nil {
				return nil, err
			}
			break
		}
		inodes = append(inodes, ino)
		parent, err := unix.IoctlRetInt(fd, unix.NS_GET_PARENT)
		unix.Close(fd)
		if err != nil {
			return nil, fmt.Errorf("pid %d: %w (%v)", pid, ErrNotBelow, err)
		}
		fd = parent
	}
	return chain(pid, inodes)
}

// chain builds the namespaces of inodes, the innermost first: the first
// is pid's, the others are read from a process found in each.
func chain(pid int, inodes []uint64) (*cred.UserNS, error) {
	var top, below *cred.UserNS
	for i, ino := range inodes {
		who := pid
		if i > 0 {
			var err error
			if who, err = processIn(ino); err != nil {
				return nil, err
			}
		}
		ns, err := readMaps(who)
		if err != nil {
			return nil, err
		}
		if below == nil {
			top = ns
		} else {
			below.Parent = ns
		}
		below = ns
	}
	return top, nil
}

// readMaps reads /proc/PID/uid_map and gid_map.
func readMaps(pid int) (*cred.UserNS, error) {
	ns := &cred.UserNS{}
	for _, m := range []struct {
		file string
		dst  *cred.IDMap
	}{{"uid_map", &ns.UIDs}, {"gid_map", &ns.GIDs}} {
		b, err := os.ReadFile(procPath(pid, m.file))
		if err != nil {
			return nil, fmt.Errorf("reading the user namespace's %s: %w", m.file, err)
		}
		if *m.dst, err = cred.ParseIDMap(string(b)); err != nil {
			return nil, fmt.Errorf("%s: %w", procPath(pid, m.file), err)
		}
	}
	return ns, nil
}

// processIn finds a process in the user namespace of inode ino.
func processIn(ino uint64) (int, error) {
	dirs, _ := filepath.Glob("/proc/[0-9]*/ns/user")
	for _, d := range dirs {
		if got, err := nsInode(unix.AT_FDCWD, d); err == nil && got == ino {
			return strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(d))))
		}
	}
	return 0, fmt.Errorf("the maps of user namespace %d, above the process's, cannot be read: no process is in it", ino)
}

// nsInode returns the inode number of a namespace file (or of fd with
// an empty name).
func nsInode(fd int, name string) (uint64, error) {
	var st unix.Stat_t
	flags := 0
	if name == "" {
		flags = unix.AT_EMPTY_PATH
	}
	if err := unix.Fstatat(fd, name, &st, flags); err != nil {
		return 0, fmt.Errorf("stat of the user namespace: %w", err)
	}
	return st.Ino, nil
}
