package oci

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Flags are the mount flags exec looks at.
type Flags struct {
	ReadOnly, NoSuid, NoExec bool
}

// mountPoint is one entry of the config's mounts, as runc 1.1 sets it up.
type mountPoint struct {
	index int
	dest  string // canonical path in the container
	typ   string // "bind" for a bind mount (whatever the config's type), else the fs type
	// source is a bind mount's host path, made absolute against the bundle.
	source    string
	recursive bool // rbind: the source's submounts come along
	// remount says runc remounts a bind with the config's flags, which
	// then replace the source's: it does when any flag other than
	// bind/rbind/remount is set.
	remount bool
	flags   Flags // the config's flags
	// recSet and recClr are the recursive attributes (rro, rnosuid, ...)
	// runc applies with mount_setattr to the mount and its submounts.
	recSet, recClr Flags
	copyUp         bool // tmpcopyup: the tmpfs starts with a copy of the rootfs directory
}

// mountOption is the effect of one fstab-style option on the flags,
// from runc 1.1's table (libcontainer/specconv parseMountOptions).
type mountOption struct {
	clear bool
	flag  uintptr
}

var mountOptions = map[string]mountOption{
	"acl": {false, unix.MS_POSIXACL}, "async": {true, unix.MS_SYNCHRONOUS},
	"atime": {true, unix.MS_NOATIME}, "bind": {false, unix.MS_BIND},
	"defaults": {false, 0}, "dev": {true, unix.MS_NODEV},
	"diratime": {true, unix.MS_NODIRATIME}, "dirsync": {false, unix.MS_DIRSYNC},
	"exec": {true, unix.MS_NOEXEC}, "iversion": {false, unix.MS_I_VERSION},
	"lazytime": {false, unix.MS_LAZYTIME}, "loud": {true, unix.MS_SILENT},
	"mand": {false, unix.MS_MANDLOCK}, "noacl": {true, unix.MS_POSIXACL},
	"noatime": {false, unix.MS_NOATIME}, "nodev": {false, unix.MS_NODEV},
	"nodiratime": {false, unix.MS_NODIRATIME}, "noexec": {false, unix.MS_NOEXEC},
	"noiversion": {true, unix.MS_I_VERSION}, "nolazytime": {true, unix.MS_LAZYTIME},
	"nomand": {true, unix.MS_MANDLOCK}, "norelatime": {true, unix.MS_RELATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME}, "nosuid": {false, unix.MS_NOSUID},
	"nosymfollow": {false, unix.MS_NOSYMFOLLOW}, "rbind": {false, unix.MS_BIND | unix.MS_REC},
	"relatime": {false, unix.MS_RELATIME}, "remount": {false, unix.MS_REMOUNT},
	"ro": {false, unix.MS_RDONLY}, "rw": {true, unix.MS_RDONLY},
	"silent": {false, unix.MS_SILENT}, "strictatime": {false, unix.MS_STRICTATIME},
	"suid": {true, unix.MS_NOSUID}, "sync": {false, unix.MS_SYNCHRONOUS},
	"symfollow": {true, unix.MS_NOSYMFOLLOW},
}

// recursiveOptions are runc's mount_setattr options that exec cares about;
// the others (atime ones) only need to be recognised.
var recursiveOptions = map[string]struct {
	clear bool
	flag  Flags
}{
	"rro": {false, Flags{ReadOnly: true}}, "rrw": {true, Flags{ReadOnly: true}},
	"rnosuid": {false, Flags{NoSuid: true}}, "rsuid": {true, Flags{NoSuid: true}},
	"rnoexec": {false, Flags{NoExec: true}}, "rexec": {true, Flags{NoExec: true}},
	"rnodev": {}, "rdev": {}, "rnodiratime": {}, "rdiratime": {}, "rrelatime": {},
	"rnorelatime": {}, "rnoatime": {}, "ratime": {}, "rstrictatime": {},
	"rnostrictatime": {}, "rnosymfollow": {}, "rsymfollow": {},
}

// parseMount turns a config mount into a mountPoint; dest is filled in
// later, once the destination is resolved in the container.
func (c *Config) parseMount(i int) mountPoint {
	m := c.Spec.Mounts[i]
	mp := mountPoint{index: i, typ: m.Type}
	var flags uintptr
	for _, o := range m.Options {
		if opt, ok := mountOptions[o]; ok {
			if opt.clear {
				flags &^= opt.flag
			} else {
				flags |= opt.flag
			}
		} else if r, ok := recursiveOptions[o]; ok {
			applyRec(&mp, r.clear, r.flag)
		} else if o == "tmpcopyup" {
			mp.copyUp = true
		}
	}
	mp.flags = Flags{ReadOnly: flags&unix.MS_RDONLY != 0, NoSuid: flags&unix.MS_NOSUID != 0, NoExec: flags&unix.MS_NOEXEC != 0}
	if flags&unix.MS_BIND != 0 {
		mp.typ = "bind"
		mp.recursive = flags&unix.MS_REC != 0
		mp.remount = flags&^(unix.MS_REC|unix.MS_REMOUNT|unix.MS_BIND) != 0
		mp.source = m.Source
		if !filepath.IsAbs(mp.source) {
			mp.source = filepath.Join(c.Dir, mp.source)
		}
	}
	return mp
}

// applyRec records a recursive option the way runc does: each one only
// adds to the set or to the clear mask; mount_setattr then computes
// (flags &^ clear) | set.
func applyRec(mp *mountPoint, clear bool, f Flags) {
	dst := &mp.recSet
	if clear {
		dst = &mp.recClr
	}
	dst.ReadOnly, dst.NoSuid, dst.NoExec = dst.ReadOnly || f.ReadOnly, dst.NoSuid || f.NoSuid, dst.NoExec || f.NoExec
}

// withRec applies the recursive attributes to flags.
func (mp *mountPoint) withRec(f Flags) Flags {
	apply := func(v, set, clr bool) bool { return (v && !clr) || set }
	return Flags{
		ReadOnly: apply(f.ReadOnly, mp.recSet.ReadOnly, mp.recClr.ReadOnly),
		NoSuid:   apply(f.NoSuid, mp.recSet.NoSuid, mp.recClr.NoSuid),
		NoExec:   apply(f.NoExec, mp.recSet.NoExec, mp.recClr.NoExec),
	}
}

// describe names the mount for messages.
func (mp *mountPoint) describe() string {
	if mp.typ == "bind" {
		return fmt.Sprintf("the bind mount of %s at %s", mp.source, mp.dest)
	}
	return fmt.Sprintf("the %s mount at %s", mp.typ, mp.dest)
}
