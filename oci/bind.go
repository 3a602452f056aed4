package oci

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Bind tells a path walk that stands in the rootfs (explain's FS) what
// the container has at path p instead of what the rootfs directory dir
// holds under name: the tree a bind mount brings (its source, opened on
// the host), an empty stand-in for a directory of a runtime filesystem
// or one runc creates on the way to a mount point, or the container's
// root for /proc/self/root. It returns the name to open in the
// descriptor it gives (which it keeps), and ok; ok is false where the
// rootfs itself answers. A path on a mount whose contents exist only at
// run time is an error wrapping ErrRuntimeContent.
//
// It needs no state from the walk: the mount that holds a path is the
// last one mounted on it or on one of its parents (runc mounts in order,
// and a later mount hides what earlier ones put below it).
func (fs *FS) Bind(dir int, name, p string) (int, string, bool, error) {
	p, atRoot := fs.throughProc(p)
	if atRoot {
		return fs.rootFd, ".", true, nil
	}
	i := fs.holder(p)
	switch {
	case i >= 0 && fs.mounts[i].dest == p:
		return fs.enter(i)
	case i >= 0 && fs.mounts[i].typ != "bind":
		return fs.inRuntimeFS(i, p)
	case fs.mountBelow(p, i) && !exists(dir, name):
		return fs.standIn()
	}
	return 0, "", false, nil
}

// holder is the index of the mount that holds container path p: the
// last one whose destination is p or a parent of p; -1 for the rootfs.
func (fs *FS) holder(p string) int {
	for i := len(fs.mounts) - 1; i >= 0; i-- {
		if d := fs.mounts[i].dest; d == p || isUnder(p, d) {
			return i
		}
	}
	return -1
}

// mountBelow reports whether a mount made after mount i (-1: the
// rootfs) lies below p, so that runc creates the directories on the way.
func (fs *FS) mountBelow(p string, i int) bool {
	for j := i + 1; j < len(fs.mounts); j++ {
		if isUnder(fs.mounts[j].dest, p) {
			return true
		}
	}
	return false
}

// enter opens the root of mount i.
func (fs *FS) enter(i int) (int, string, bool, error) {
	src := &fs.srcs[i]
	switch {
	case fs.mounts[i].typ != "bind":
		return fs.standIn()
	case !src.isDir:
		return src.parentFd, src.name, true, nil
	}
	return src.fd, ".", true, nil
}

// inRuntimeFS answers for a path below a tmpfs, proc... mount: the way
// to a deeper mount, the container's root through proc, or an error.
func (fs *FS) inRuntimeFS(i int, p string) (int, string, bool, error) {
	mp := &fs.mounts[i]
	rel := strings.TrimPrefix(p, strings.TrimSuffix(mp.dest, "/")+"/")
	if mp.typ == "proc" && fs.isSelf(rel) {
		return fs.standIn()
	}
	if fs.mountBelow(p, i) {
		return fs.standIn()
	}
	return 0, "", false, contentError(p, mp)
}

// isSelf reports whether rel, a path inside a proc mount, names the
// container's own process: self, thread-self, or 1 in its own pid
// namespace.
func (fs *FS) isSelf(rel string) bool {
	return rel == "self" || rel == "thread-self" || (fs.pidNS && rel == "1")
}

// throughProc turns a path that goes through a proc mount's
// self/root (or thread-self/root, or 1/root in the container's own pid
// namespace) into the container path it names; atRoot says it is the
// container's root itself.
func (fs *FS) throughProc(p string) (string, bool) {
	for {
		i := fs.holder(p)
		if i < 0 || fs.mounts[i].typ != "proc" {
			return p, false
		}
		rel := strings.TrimPrefix(p, strings.TrimSuffix(fs.mounts[i].dest, "/")+"/")
		self, rest, _ := strings.Cut(rel, "/")
		link, after, _ := strings.Cut(rest, "/")
		if !fs.isSelf(self) || link != "root" {
			return p, false
		}
		if after == "" {
			return "/", true
		}
		p = "/" + after
	}
}

// standIn is an empty directory that stands for one whose contents the
// walk never reads: created once, removed by Close.
func (fs *FS) standIn() (int, string, bool, error) {
	if fs.standInFd < 0 {
		dir, err := os.MkdirTemp("", "fcap-oci-")
		if err != nil {
			return 0, "", false, fmt.Errorf("a stand-in directory: %w", err)
		}
		fs.standInDir = dir
		if err := os.Chmod(dir, 0o755); err != nil {
			return 0, "", false, err
		}
		if fs.standInFd, err = unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
			return 0, "", false, fmt.Errorf("a stand-in directory: %w", err)
		}
	}
	return fs.standInFd, ".", true, nil
}

// exists reports whether dir holds name (without following it).
func exists(dir int, name string) bool {
	var st unix.Stat_t
	err := unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	return !errors.Is(err, unix.ENOENT)
}

// FlagsAt returns the flags of the mount holding the file at container
// path p, as the container sees them; false when p names no file there.
func (fs *FS) FlagsAt(p string) (Flags, bool) {
	f, err := fs.Open(p)
	if err != nil {
		return Flags{}, false
	}
	defer f.Close()
	return f.Flags, true
}
