package explain

import (
	"fmt"
	"os/user"
	"strconv"

	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
)

// WhatIf changes a parent state: each field that is set replaces what
// the state had.
type WhatIf struct {
	// UID and GID set the real, effective, saved and filesystem ids;
	// EUID and EGID then the effective (and filesystem) ones. They are
	// ids as the parent's user namespace sees them.
	UID, EUID, GID, EGID *uint32
	// Groups, when not nil, replaces the supplementary groups (ids as
	// the namespace sees them).
	Groups                  []uint32
	Inh, Prm, Eff, Amb, Bnd *model.Set
	Securebits              *cred.Securebits
	NoNewPrivs              bool
}

// UnmappedIDError is an id the parent's user namespace does not map.
type UnmappedIDError struct {
	Kind string // "uid" or "gid"
	ID   uint32
}

func (e *UnmappedIDError) Error() string {
	return fmt.Sprintf("%s %d is not mapped in the parent's user namespace", e.Kind, e.ID)
}

// Apply changes s as w says. Ids are translated from s's user namespace
// to kernel ids; one it does not map is an *UnmappedIDError.
func (w WhatIf) Apply(s *cred.State) error {
	ns := s.UserNS
	ids := []struct {
		id   *uint32
		kind string
		dst  []*uint32
	}{
		{w.UID, "uid", []*uint32{&s.UID, &s.EUID, &s.SUID, &s.FSUID}},
		{w.EUID, "uid", []*uint32{&s.EUID, &s.FSUID}},
		{w.GID, "gid", []*uint32{&s.GID, &s.EGID, &s.SGID, &s.FSGID}},
		{w.EGID, "gid", []*uint32{&s.EGID, &s.FSGID}},
	}
	for _, x := range ids {
		if x.id == nil {
			continue
		}
		k, err := kernelID(ns, x.kind, *x.id)
		if err != nil {
			return err
		}
		for _, d := range x.dst {
			*d = k
		}
	}
	if w.Groups != nil {
		s.Groups = s.Groups[:0:0]
		for _, g := range w.Groups {
			k, err := kernelID(ns, "gid", g)
			if err != nil {
				return err
			}
			s.Groups = append(s.Groups, k)
		}
	}
	w.applySets(s)
	if w.Securebits != nil {
		s.Securebits = *w.Securebits
	}
	if w.NoNewPrivs {
		s.NoNewPrivs = true
	}
	return nil
}

// applySets sets the capability sets given. A set left alone follows
// the ones given, as the kernel makes it: ambient keeps only what stays
// both permitted and inheritable (capset drops the rest), effective what
// stays permitted. Sets given explicitly are kept as given, and
// State.Check refuses contradictions.
func (w WhatIf) applySets(s *cred.State) {
	for _, x := range []struct{ v, dst *model.Set }{{w.Inh, &s.Inheritable}, {w.Prm, &s.Permitted}, {w.Eff, &s.Effective}, {w.Amb, &s.Ambient}, {w.Bnd, &s.Bounding}} {
		if x.v != nil {
			*x.dst = *x.v
		}
	}
	if w.Eff == nil {
		s.Effective &= s.Permitted
	}
	if w.Amb == nil {
		s.Ambient &= s.Permitted & s.Inheritable
	}
}

// kernelID translates id of namespace ns to a kernel id.
func kernelID(ns *cred.UserNS, kind string, id uint32) (uint32, error) {
	if ns == nil {
		return id, nil // the invalid id is State.Check's to refuse
	}
	k, ok := ns.KernelUID(id)
	if kind == "gid" {
		k, ok = ns.KernelGID(id)
	}
	if !ok {
		return 0, &UnmappedIDError{Kind: kind, ID: id}
	}
	return k, nil
}

// UnknownUserError is a user name the user database does not know.
type UnknownUserError struct{ Name string }

func (e *UnknownUserError) Error() string { return fmt.Sprintf("no such user %q", e.Name) }

// LookupUser finds a user by name or number; a number the database does
// not know is a user of that uid with the same gid.
func LookupUser(name string) (*user.User, error) {
	if _, err := strconv.ParseUint(name, 10, 32); err == nil {
		if u, err := user.LookupId(name); err == nil {
			return u, nil
		}
		return &user.User{Uid: name, Gid: name, Username: "uid " + name}, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, &UnknownUserError{Name: name}
	}
	return u, nil
}

// FileWhatIf changes what is known of the file whose credentials rules
// apply (for a script, its interpreter).
type FileWhatIf struct {
	Caps             *model.FileCaps // as if it had these
	NoCaps           bool            // as if it had none
	Setuid, NoSetuid bool
	Owner            *uint32
}

// Apply changes the deciding file of prog as w says.
func (w FileWhatIf) Apply(prog *Program) {
	if len(prog.Steps) == 0 {
		return
	}
	t := &prog.Steps[prog.Decider()].File
	if w.Caps != nil {
		t.Caps, t.CapsProblem = w.Caps, execve.CapsOK
	}
	if w.NoCaps {
		t.Caps, t.CapsProblem = nil, execve.CapsOK
	}
	if w.Setuid {
		t.Mode |= execve.ModeSetuid
	}
	if w.NoSetuid {
		t.Mode &^= execve.ModeSetuid
	}
	if w.Owner != nil {
		t.UID = *w.Owner
	}
}

// ApplyTo changes parent p as w says; securebits that w sets are known
// from then on.
func (w WhatIf) ApplyTo(p *Parent) error {
	if err := w.Apply(&p.State); err != nil {
		return err
	}
	if w.Securebits != nil {
		p.SecurebitsUnseen = false
	}
	return nil
}
