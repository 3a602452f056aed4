// Package cred holds a process's credentials as execve reads and changes
// them: user and group ids, supplementary groups, the five capability sets,
// securebits, no_new_privs and its user namespace. It performs no I/O.
package cred

import (
	"slices"
	"strings"

	"fcap/model"
)

// State is the part of a process's credentials that execve reads and
// changes: its user and group ids, supplementary groups, the five
// capability sets, its securebits and its no_new_privs flag.
type State struct {
	UID, EUID, SUID, FSUID uint32
	GID, EGID, SGID, FSGID uint32
	// Groups are the supplementary groups, as /proc lists them.
	Groups []uint32

	Inheritable, Permitted, Effective, Ambient, Bounding model.Set

	// Securebits are not shown in /proc/PID/status: procstatus.Parse leaves
	// them zero and the caller fills them in when it knows them.
	Securebits Securebits
	NoNewPrivs bool

	// UserNS is the process's user namespace; nil is the initial one.
	// The ids above are always kernel ids (as /proc shows them to a
	// reader in the initial namespace); UserNS translates them.
	UserNS *UserNS
}

// InGroup reports whether gid is the process's fsgid or one of its
// supplementary groups, the kernel's in_group_p test.
func (p State) InGroup(gid uint32) bool {
	return gid == p.FSGID || slices.Contains(p.Groups, gid)
}

// Caps is the process's effective, permitted and inheritable sets as
// the triple libcap's text describes.
func (p State) Caps() model.Caps {
	return model.Caps{Effective: p.Effective, Permitted: p.Permitted, Inheritable: p.Inheritable}
}

// IAB writes the inheritable, ambient and bounding sets as libcap's IAB
// text (cap_iab_to_text, as captree prints it): "cap_x" inheritable,
// "^cap_x" ambient (and inheritable), "!cap_x" dropped from the bounding
// set, "!%cap_x" dropped and inheritable.
func (p State) IAB(last model.Cap) string {
	var parts []string
	for c := model.Cap(0); c <= last; c++ {
		i, a, nb := p.Inheritable.Has(c), p.Ambient.Has(c), !p.Bounding.Has(c)
		if !i && !a && !nb {
			continue
		}
		prefix := ""
		if nb {
			prefix = "!"
		}
		switch {
		case a:
			prefix += "^"
		case nb && i:
			prefix += "%"
		}
		parts = append(parts, prefix+c.String())
	}
	return strings.Join(parts, ",")
}
