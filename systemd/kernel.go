package systemd

import (
	"errors"
	"slices"

	"fcap/model"
	"fcap/model/cred"
)

// errEPERM is the kernel refusing a credential change.
var errEPERM = errors.New("operation not permitted (EPERM)")

// proc is the service's process while systemd sets it up; its methods
// are the system calls systemd makes, with the kernel's rules
// (security/commoncap.c, kernel/sys.c).
type proc struct {
	s    cred.State
	last model.Cap
}

func (p *proc) setpcap() bool { return p.s.Effective.Has(model.CapSetpcap) }

// setgroups sets the supplementary groups; the kernel sorts them.
func (p *proc) setgroups(groups []uint32) {
	p.s.Groups = slices.Clone(groups)
	slices.Sort(p.s.Groups)
}

func (p *proc) setresgid(gid uint32) {
	p.s.GID, p.s.EGID, p.s.SGID, p.s.FSGID = gid, gid, gid, gid
}

// setresuid sets all four uids and applies cap_emulate_setxuid: leaving
// uid 0 clears permitted and effective unless keep-caps is set, and
// always clears ambient; an effective uid leaving 0 clears effective.
func (p *proc) setresuid(uid uint32) {
	old := p.s
	p.s.UID, p.s.EUID, p.s.SUID, p.s.FSUID = uid, uid, uid, uid
	if old.Securebits&cred.SecbitNoSetuidFixup != 0 {
		return
	}
	wasRoot := old.UID == 0 || old.EUID == 0 || old.SUID == 0
	if wasRoot && uid != 0 {
		if old.Securebits&cred.SecbitKeepCaps == 0 {
			p.s.Permitted, p.s.Effective = 0, 0
		}
		p.s.Ambient = 0
	}
	switch {
	case old.EUID == 0 && uid != 0:
		p.s.Effective = 0
	case old.EUID != 0 && uid == 0:
		p.s.Effective = p.s.Permitted
	}
}

// capset applies cap_capset's checks and sets the three sets; ambient
// keeps only what stays in both permitted and inheritable.
func (p *proc) capset(inh, prm, eff model.Set) error {
	old := p.s
	if !p.setpcap() && inh&^(old.Inheritable|old.Permitted) != 0 {
		return errEPERM
	}
	if inh&^(old.Inheritable|old.Bounding) != 0 || prm&^old.Permitted != 0 || eff&^prm != 0 {
		return errEPERM
	}
	p.s.Inheritable, p.s.Permitted, p.s.Effective = inh, prm, eff
	p.s.Ambient &= prm & inh
	return nil
}

// capbsetDrop is PR_CAPBSET_DROP: it needs CAP_SETPCAP.
func (p *proc) capbsetDrop(c model.Cap) error {
	if !p.setpcap() {
		return errEPERM
	}
	p.s.Bounding &^= model.SetOf(c)
	return nil
}

// ambientRaise is PR_CAP_AMBIENT_RAISE.
func (p *proc) ambientRaise(c model.Cap) error {
	if !p.s.Permitted.Has(c) || !p.s.Inheritable.Has(c) || p.s.Securebits&cred.SecbitNoCapAmbientRaise != 0 {
		return errEPERM
	}
	p.s.Ambient |= model.SetOf(c)
	return nil
}

// setSecurebits is PR_SET_SECUREBITS: locked bits cannot change, locks
// cannot be lifted, and it needs CAP_SETPCAP.
func (p *proc) setSecurebits(v cred.Securebits) error {
	old := p.s.Securebits
	const locks = cred.SecbitNorootLocked | cred.SecbitNoSetuidFixupLocked | cred.SecbitKeepCapsLocked | cred.SecbitNoCapAmbientRaiseLocked | cred.SecbitExecRestrictFileLocked | cred.SecbitExecDenyInteractiveLocked
	if (old&locks)>>1&(old^v) != 0 || old&locks&^v != 0 || v&^cred.AllSecurebits != 0 || !p.setpcap() {
		return errEPERM
	}
	p.s.Securebits = v
	return nil
}

// gainSetpcap is systemd's capability_gain_cap_setpcap: raise
// CAP_SETPCAP into the effective set if permitted holds it; a failure
// is ignored.
func (p *proc) gainSetpcap() {
	if !p.setpcap() {
		_ = p.capset(p.s.Inheritable, p.s.Permitted, p.s.Effective|model.SetOf(model.CapSetpcap))
	}
}
