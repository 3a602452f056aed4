package execve

import (
	"strconv"
	"strings"
)

// Mode bits of a file that exec looks at.
const (
	ModeSetuid    = 0o4000 // S_ISUID
	ModeSetgid    = 0o2000 // S_ISGID
	ModeGroupExec = 0o0010 // S_IXGRP
)

// IsSetID reports whether mode makes exec change an id: set-user-ID, or
// set-group-ID with group execute (without it, S_ISGID marks mandatory
// locking instead).
func IsSetID(mode uint32) bool { return SetIDBits(mode) != 0 }

// setgidApplies is the kernel's rule for S_ISGID: it changes the egid only
// with group execute; without it, it marks mandatory locking.
func setgidApplies(mode uint32) bool {
	return mode&(ModeSetgid|ModeGroupExec) == ModeSetgid|ModeGroupExec
}

// SetIDBits returns the bits of mode that make exec change an id, the
// ones convert clears.
func SetIDBits(mode uint32) uint32 {
	var b uint32
	if mode&ModeSetuid != 0 {
		b |= ModeSetuid
	}
	if setgidApplies(mode) {
		b |= ModeSetgid
	}
	return b
}

// DescribeSetID names the identity a set-id file gives ("setuid root",
// "setgid gid 42", "setuid root + setgid root"), or "" when it gives none.
func DescribeSetID(mode, uid, gid uint32) string {
	var parts []string
	if mode&ModeSetuid != 0 {
		parts = append(parts, "setuid "+idName("uid", uid))
	}
	if setgidApplies(mode) {
		parts = append(parts, "setgid "+idName("gid", gid))
	}
	return strings.Join(parts, " + ")
}

func idName(kind string, id uint32) string {
	if id == 0 {
		return "root"
	}
	return kind + " " + strconv.FormatUint(uint64(id), 10)
}
