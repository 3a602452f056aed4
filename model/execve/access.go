package execve

import (
	"fmt"

	"fcap/model"
	"fcap/model/cred"
)

// mayExecBit is MAY_EXEC: execute for a file, search for a directory.
const mayExecBit = 1

// Inode is what a permission check reads of a file or directory.
type Inode struct {
	// Mode is st_mode (type and permission bits).
	Mode uint32
	// UID and GID own it (kernel ids).
	UID, GID uint32
	// ACL is its POSIX access ACL; nil when it has none.
	ACL ACL
}

// Inode returns the target's permission facts.
func (t Target) Inode() Inode { return Inode{Mode: t.Mode, UID: t.UID, GID: t.GID, ACL: t.ACL} }

// dacGrants is acl_permission_check for MAY_EXEC: the owner class when
// the fsuid owns the inode, else the ACL when there is one and the
// group bits are not all clear, else the group class when the inode's
// group is the fsgid or a supplementary group, else the other class. It
// returns whether the bits grant execute and which class decided.
func dacGrants(p cred.State, in Inode) (bool, string) {
	mode := in.Mode & 0o777
	switch {
	case p.FSUID == in.UID:
		return mode&0o100 != 0, fmt.Sprintf("fsuid %d owns it and the owner bits are %s", p.FSUID, rwx(uint16(mode>>6)))
	case in.ACL != nil && mode&0o070 != 0:
		return in.ACL.check(p, in.GID, mayExecBit)
	case p.InGroup(in.GID):
		return mode&0o010 != 0, fmt.Sprintf("group %d is the fsgid or a supplementary group and the group bits are %s", in.GID, rwx(uint16(mode>>3)))
	}
	return mode&0o001 != 0, fmt.Sprintf("fsuid %d is not the owner and group %d is neither the fsgid nor a supplementary group, so the other bits apply: %s", p.FSUID, in.GID, rwx(uint16(mode)))
}

// capableOver reports whether p may override a permission check on in
// with capability c: it has c in its effective set and in's owner and
// group are mapped in its user namespace (capable_wrt_inode_uidgid).
func capableOver(p cred.State, in Inode, c model.Cap) bool {
	if !p.Effective.Has(c) {
		return false
	}
	_, uok := p.UserNS.UID(in.UID)
	_, gok := p.UserNS.GID(in.GID)
	return uok && gok
}

// access is a permission decision: whether it is granted, and in words
// how (for a rule) or why not (for an error).
type access struct {
	ok  bool
	how string
	// override says a capability granted what the mode refused.
	override bool
}

// mayExecute is generic_permission(MAY_EXEC) on a regular file: the
// mode or ACL, or CAP_DAC_OVERRIDE when at least one execute bit is set.
func mayExecute(p cred.State, in Inode) access {
	ok, how := dacGrants(p, in)
	if ok {
		return access{ok: true, how: how}
	}
	switch {
	case in.Mode&0o111 == 0:
		return access{how: how + "; no execute bit is set at all, which even cap_dac_override cannot override"}
	case capableOver(p, in, model.CapDacOverride):
		return access{ok: true, how: how + ", but cap_dac_override in the effective set overrides it", override: true}
	}
	return access{how: how + "; " + noOverride(p, in, model.CapDacOverride)}
}

// maySearch is generic_permission(MAY_EXEC) on a directory: the mode or
// ACL, or CAP_DAC_READ_SEARCH, or CAP_DAC_OVERRIDE.
func maySearch(p cred.State, in Inode) access {
	ok, how := dacGrants(p, in)
	if ok {
		return access{ok: true, how: how}
	}
	for _, c := range []model.Cap{model.CapDacReadSearch, model.CapDacOverride} {
		if capableOver(p, in, c) {
			return access{ok: true, how: how + ", but " + c.String() + " in the effective set overrides it", override: true}
		}
	}
	return access{how: how + "; " + noOverride(p, in, model.CapDacReadSearch, model.CapDacOverride)}
}

// noOverride says why none of caps overrides the check.
func noOverride(p cred.State, in Inode, caps ...model.Cap) string {
	have := model.SetOf(caps...) & p.Effective
	if have == 0 {
		if len(caps) == 1 {
			return "it lacks " + caps[0].String() + " in its effective set"
		}
		return "it has neither " + caps[0].String() + " nor " + caps[1].String() + " in its effective set"
	}
	return fmt.Sprintf("%s cannot override it: the owner %d or group %d is not mapped in its user namespace", have.Names(), in.UID, in.GID)
}
