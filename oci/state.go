package oci

import (
	"fmt"
	"slices"
	"strings"

	"fcap/model"
	"fcap/model/cred"
)

// maxID is the highest uid or gid runc 1.1 accepts (libcontainer/user).
const maxID = 1<<31 - 1

// RuntimeError is a configuration the runtime refuses before it executes
// anything: runc prints "unable to apply caps: operation not permitted" or
// "unable to setup user: ...". Errno is what the failing call returned.
type RuntimeError struct {
	Step   string // "apply caps", "setup user"
	Errno  string // "EPERM", "EINVAL", "ERANGE"
	Detail string
}

func (e *RuntimeError) Error() string {
	return fmt.Sprintf("the runtime refuses the config before exec: unable to %s (%s): %s", e.Step, e.Errno, e.Detail)
}

// Process is the container's process just before it executes its program.
type Process struct {
	State cred.State
	// Notes say what the runtime did that the config does not show, such
	// as an ambient capability it could not raise.
	Notes []string
}

// Process computes the credentials runc 1.1 gives the container's process
// before exec, starting from the runtime's own state rt (root with every
// capability of its bounding set, usually). groups is the container's
// /etc/group, nil when it has none: runc looks additionalGids up in it.
//
// runc (libcontainer finalizeNamespace) drops the bounding set, sets
// keep-caps, calls setgroups, setgid and setuid, clears keep-caps, sets
// the inheritable, permitted and effective sets in one capset, raises each
// ambient capability (ignoring a refused raise), then sets no_new_privs.
func (c *Config) Process(rt cred.State, last model.Cap, groups []byte) (Process, error) {
	var p Process
	caps := c.kernelCaps(last, &p)
	user := c.Spec.Process.User
	gids, err := additionalGids(user.AdditionalGids, groups)
	if err != nil {
		return Process{}, err
	}
	if err := checkIDRange(user.UID, user.GID); err != nil {
		return Process{}, err
	}
	s := rt
	s.UID, s.EUID, s.SUID, s.FSUID = user.UID, user.UID, user.UID, user.UID
	s.GID, s.EGID, s.SGID, s.FSGID = user.GID, user.GID, user.GID, user.GID
	s.Groups = gids
	s.Bounding = rt.Bounding & caps.Bounding
	if lost := caps.Bounding &^ rt.Bounding; lost != 0 {
		p.note("bounding %s is not in the runtime's own bounding set: a process cannot add to it", lost.Names())
	}
	if err := checkCapset(rt, s, caps); err != nil {
		return Process{}, err
	}
	s.Inheritable, s.Permitted, s.Effective = caps.Inheritable, caps.Permitted, caps.Effective
	s.Ambient = caps.Ambient & caps.Permitted & caps.Inheritable
	if lost := caps.Ambient &^ s.Ambient; lost != 0 {
		p.note("ambient %s is not in both permitted and inheritable: the kernel refuses the raise and runc ignores the failure", lost.Names())
	}
	s.Securebits = rt.Securebits &^ cred.SecbitKeepCaps
	s.NoNewPrivs = rt.NoNewPrivs || c.Spec.Process.NoNewPrivileges
	p.State = s
	return p, nil
}

func (p *Process) note(format string, args ...any) {
	p.Notes = append(p.Notes, fmt.Sprintf(format, args...))
}

// kernelCaps drops the capabilities the running kernel does not have, as
// runc does (with a warning).
func (c *Config) kernelCaps(last model.Cap, p *Process) Caps {
	valid := model.UpTo(last)
	k := c.Caps
	sets := []*model.Set{&k.Bounding, &k.Effective, &k.Inheritable, &k.Permitted, &k.Ambient}
	var unknown model.Set
	for _, s := range sets {
		unknown |= *s &^ valid
		*s &= valid
	}
	if unknown != 0 {
		p.note("%s: not known to this kernel (last capability %d), ignored as runc ignores them", unknown.Names(), last)
	}
	return k
}

func checkIDRange(uid, gid uint32) error {
	if uid > maxID || gid > maxID {
		return &RuntimeError{Step: "setup user", Errno: "ERANGE",
			Detail: fmt.Sprintf("uid %d, gid %d: runc accepts ids from 0 to %d", uid, gid, maxID)}
	}
	return nil
}

// checkCapset applies the kernel's capset rules (security/commoncap.c
// cap_capset) to runc's single capset call. Before it, setuid to a
// non-zero uid has cleared the effective set (keep-caps keeps permitted);
// s holds the ids and the bounding set by then.
func checkCapset(rt, s cred.State, want Caps) error {
	oldEff := rt.Effective
	if s.EUID != 0 && rt.EUID == 0 {
		oldEff = 0
	}
	var why []string
	if !oldEff.Has(model.CapSetpcap) {
		if bad := want.Inheritable &^ (rt.Inheritable | rt.Permitted); bad != 0 {
			why = append(why, fmt.Sprintf("inheritable %s is in neither the old inheritable nor the permitted set, and CAP_SETPCAP is not effective", bad.Names()))
		}
	}
	if bad := want.Inheritable &^ (rt.Inheritable | s.Bounding); bad != 0 {
		why = append(why, fmt.Sprintf("inheritable %s is not in the bounding set", bad.Names()))
	}
	if bad := want.Permitted &^ rt.Permitted; bad != 0 {
		why = append(why, fmt.Sprintf("permitted %s is not in the runtime's own permitted set", bad.Names()))
	}
	if bad := want.Effective &^ want.Permitted; bad != 0 {
		why = append(why, fmt.Sprintf("effective %s is not in permitted", bad.Names()))
	}
	if len(why) == 0 {
		return nil
	}
	return &RuntimeError{Step: "apply caps", Errno: "EPERM", Detail: strings.Join(why, "; ")}
}

// additionalGids resolves process.user.additionalGids as runc does
// (libcontainer/user GetAdditionalGroups): each id is first looked for in
// the container's /etc/group by name or by number, the first entry whose
// gid is not taken yet winning, then used as a number. The kernel sorts
// the list.
func additionalGids(ids []uint32, groupFile []byte) ([]uint32, error) {
	entries := parseGroupFile(groupFile)
	seen := map[uint32]bool{}
	var out []uint32
	for _, id := range ids {
		gid, err := lookupAdditional(id, entries, seen)
		if err != nil {
			return nil, err
		}
		if !seen[gid] {
			seen[gid] = true
			out = append(out, gid)
		}
	}
	slices.Sort(out)
	return out, nil
}

func lookupAdditional(id uint32, entries []groupEntry, seen map[uint32]bool) (uint32, error) {
	want := fmt.Sprint(id)
	for _, g := range entries {
		if g.name != want && fmt.Sprint(g.gid) != want {
			continue
		}
		if g.gid < 0 || g.gid > 1<<32-2 {
			return 0, &RuntimeError{Step: "setup user", Errno: "EINVAL",
				Detail: fmt.Sprintf("additional gid %d names the container's group %q whose gid %d setgroups refuses", id, g.name, g.gid)}
		}
		if !seen[uint32(g.gid)] {
			return uint32(g.gid), nil
		}
	}
	if id > maxID {
		return 0, &RuntimeError{Step: "setup user", Errno: "ERANGE",
			Detail: fmt.Sprintf("additional gid %d: runc accepts ids from 0 to %d", id, maxID)}
	}
	return id, nil
}
