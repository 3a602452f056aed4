package launch

import (
	"fmt"

	"golang.org/x/sys/unix"
	"kernel.org/pub/linux/libs/security/libcap/cap"

	"fcap/model"
)

// step is one change of credentials.
type step struct {
	what string
	do   func() error
}

// apply changes fcap's credentials to p.Parent through libcap's cap
// package. Called normally, each call changes every thread of the
// process at once (psx); called from a cap.Launcher callback, it changes
// only the launcher's thread. The order matters:
//
//  1. no_new_privs, if asked;
//  2. gid and supplementary groups (cap.SetGroups raises cap_setgid);
//  3. uid (cap.SetUID raises cap_setuid and sets keep-caps, so the
//     permitted set survives; the kernel clears effective and ambient);
//  4. inheritable, ambient and bounding sets together (cap.IAB: the
//     inheritable set is raised before the bounding set shrinks, ambient
//     after both permitted and inheritable hold the capability);
//  5. securebits, while cap_setpcap is still permitted;
//  6. the final permitted, effective and inheritable sets: permitted
//     shrinks to the kept capabilities, which the ambient set needs.
func (p *Plan) apply() error {
	for _, s := range p.steps() {
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

func (p *Plan) steps() []step {
	id := p.Identity
	var steps []step
	if p.NoNewPrivs && !p.Self.NoNewPrivs {
		steps = append(steps, step{"setting no_new_privs", func() error {
			_, err := cap.Prctlw(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
			return err
		}})
	}
	if id.ChangeGID || id.ChangeGroups {
		steps = append(steps, step{fmt.Sprintf("setting gid %d and groups %v", id.GID, id.Groups), func() error {
			return cap.SetGroups(int(id.GID), ints(id.Groups)...)
		}})
	}
	if id.ChangeUID {
		steps = append(steps, step{fmt.Sprintf("setting uid %d", id.UID), func() error { return cap.SetUID(int(id.UID)) }})
	}
	steps = append(steps, step{"setting the inheritable, ambient and bounding sets", p.setIAB})
	if p.Securebits != p.Self.Securebits {
		steps = append(steps, step{"setting securebits " + p.Securebits.String(), p.setSecurebits})
	}
	return append(steps, step{"setting the permitted, effective and inheritable sets", p.setFinalCaps})
}

// setIAB sets the inheritable and ambient sets and drops from the
// bounding set what is not kept.
func (p *Plan) setIAB() error {
	iab := cap.NewIAB()
	if err := iab.SetVector(cap.Inh, true, values(p.Kept.Inheritable)...); err != nil {
		return err
	}
	if err := iab.SetVector(cap.Amb, true, values(p.Kept.Ambient)...); err != nil {
		return err
	}
	if p.DropBounding {
		drop := model.UpTo(p.LastCap) &^ p.Kept.All()
		if err := iab.SetVector(cap.Bound, true, values(drop)...); err != nil {
			return err
		}
	}
	return iab.SetProc()
}

// setSecurebits sets the securebits with cap_setpcap effective.
func (p *Plan) setSecurebits() error {
	c := cap.GetProc()
	if err := c.SetFlag(cap.Effective, true, cap.SETPCAP); err != nil {
		return err
	}
	if err := c.SetProc(); err != nil {
		return fmt.Errorf("raising cap_setpcap: %w", err)
	}
	return cap.Secbits(p.Securebits).Set()
}

// setFinalCaps sets permitted and effective to the kept capabilities
// and inheritable to the kept and inheritable-only ones.
func (p *Plan) setFinalCaps() error {
	c := cap.NewSet()
	for _, f := range []cap.Flag{cap.Permitted, cap.Effective} {
		if err := c.SetFlag(f, true, values(p.Kept.Ambient)...); err != nil {
			return err
		}
	}
	if err := c.SetFlag(cap.Inheritable, true, values(p.Kept.Inheritable)...); err != nil {
		return err
	}
	return c.SetProc()
}

func values(s model.Set) []cap.Value {
	var v []cap.Value
	for _, c := range s.Caps() {
		v = append(v, cap.Value(c))
	}
	return v
}

func ints(u []uint32) []int {
	out := make([]int, len(u))
	for i, v := range u {
		out[i] = int(v)
	}
	return out
}
