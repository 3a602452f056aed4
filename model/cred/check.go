package cred

import (
	"fmt"

	"fcap/model"
)

// InvariantError says that a state cannot exist: the kernel keeps every
// process within rules that this state breaks.
type InvariantError struct {
	// Invariant names the rule, such as "ambient ⊆ permitted ∩ inheritable".
	Invariant string
	// Detail says what in the state breaks it.
	Detail string
}

func (e *InvariantError) Error() string {
	return fmt.Sprintf("impossible process state: %s (%s)", e.Detail, e.Invariant)
}

// Check reports the first rule of the kernel that p breaks, as an
// *InvariantError, on a kernel whose last capability is last; nil when p
// is a state a process can be in:
//   - no set holds a capability above last (capset and the bounding set
//     only ever hold valid ones);
//   - effective ⊆ permitted (capset refuses more);
//   - ambient ⊆ permitted ∩ inheritable (the kernel drops ambient
//     capabilities that leave either);
//   - no id is 4294967295, which means "unchanged" to set*id calls and
//     "unmapped" to the kernel;
//   - only known securebits;
//   - the user namespace's maps are ones the kernel accepts.
func (p State) Check(last model.Cap) error {
	valid := model.UpTo(last)
	for _, s := range []struct {
		name string
		set  model.Set
	}{{"inheritable", p.Inheritable}, {"permitted", p.Permitted}, {"effective", p.Effective}, {"ambient", p.Ambient}, {"bounding", p.Bounding}} {
		if over := s.set &^ valid; over != 0 {
			return &InvariantError{Invariant: fmt.Sprintf("capabilities are 0 to %d on this kernel", last),
				Detail: fmt.Sprintf("the %s set holds %s", s.name, over.Hex())}
		}
	}
	if bad := p.Effective &^ p.Permitted; bad != 0 {
		return &InvariantError{Invariant: "effective ⊆ permitted",
			Detail: fmt.Sprintf("effective %s is not in the permitted set", bad.Describe(last))}
	}
	if bad := p.Ambient &^ (p.Permitted & p.Inheritable); bad != 0 {
		return &InvariantError{Invariant: "ambient ⊆ permitted ∩ inheritable",
			Detail: fmt.Sprintf("ambient %s is not in both the permitted and the inheritable set", bad.Describe(last))}
	}
	if err := p.checkIDs(); err != nil {
		return err
	}
	if bad := p.Securebits &^ AllSecurebits; bad != 0 {
		return &InvariantError{Invariant: "only known securebits", Detail: fmt.Sprintf("securebits 0x%x are unknown", uint32(bad))}
	}
	if err := p.UserNS.check(); err != nil {
		return &InvariantError{Invariant: "user namespace maps as the kernel accepts them", Detail: err.Error()}
	}
	return nil
}

func (p State) checkIDs() error {
	ids := []struct {
		name string
		id   uint32
	}{{"uid", p.UID}, {"euid", p.EUID}, {"suid", p.SUID}, {"fsuid", p.FSUID},
		{"gid", p.GID}, {"egid", p.EGID}, {"sgid", p.SGID}, {"fsgid", p.FSGID}}
	for _, g := range p.Groups {
		ids = append(ids, struct {
			name string
			id   uint32
		}{"supplementary group", g})
	}
	for _, x := range ids {
		if x.id == InvalidID {
			return &InvariantError{Invariant: "ids are 0 to 4294967294", Detail: fmt.Sprintf("%s is 4294967295, the invalid id", x.name)}
		}
	}
	return nil
}
