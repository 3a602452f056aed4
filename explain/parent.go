package explain

import (
	"fmt"
	"os"
	"os/user"
	"strconv"

	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
)

// Parent is the process whose exec is explained.
type Parent struct {
	State cred.State
	// Who says, for people, which process this is.
	Who string
	// Notes are caveats about the state (securebits fcap could not see).
	Notes []string
}

// FromPID reads the parent state of a running process. Its securebits
// are not visible in /proc and are assumed 0 (noted).
func FromPID(pid int) (Parent, error) {
	s, err := host.ReadStatus(pid)
	if err != nil {
		return Parent{}, err
	}
	who := fmt.Sprintf("pid %d", pid)
	return Parent{State: s, Who: who,
		Notes: []string{"securebits of " + who + " are not visible in /proc: assumed 0 (use --secbits)"}}, nil
}

// Self is fcap's own state, securebits included.
func Self() (Parent, error) {
	s, err := host.ReadStatus(0)
	if err == nil {
		s.Securebits, err = host.SelfSecurebits()
	}
	if err != nil {
		return Parent{}, err
	}
	return Parent{State: s, Who: fmt.Sprintf("fcap itself (pid %d)", os.Getpid())}, nil
}

// Login is a fresh login of the user name (a name or a numeric uid that
// the user database need not know): its ids and groups, no
// capabilities, the given bounding set.
func Login(name string, bounding model.Set) (Parent, error) {
	u, err := LookupUser(name)
	if err != nil {
		return Parent{}, err
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	s := cred.State{Bounding: bounding}
	s.UID, s.EUID, s.SUID, s.FSUID = uint32(uid), uint32(uid), uint32(uid), uint32(uid)
	s.GID, s.EGID, s.SGID, s.FSGID = uint32(gid), uint32(gid), uint32(gid), uint32(gid)
	if gids, err := u.GroupIds(); err == nil {
		for _, g := range gids {
			if n, err := strconv.ParseUint(g, 10, 32); err == nil {
				s.Groups = append(s.Groups, uint32(n))
			}
		}
	}
	return Parent{State: s, Who: fmt.Sprintf("a fresh login of %s (uid %d)", u.Username, uid)}, nil
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
		return &user.User{Uid: name, Gid: name, Username: name}, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, &UnknownUserError{Name: name}
	}
	return u, nil
}

// WhatIf changes a parent state: each field that is set replaces what
// the state had.
type WhatIf struct {
	// UID and GID set the real, effective, saved and filesystem ids;
	// EUID and EGID then the effective (and filesystem) ones.
	UID, EUID, GID, EGID    *uint32
	Inh, Prm, Eff, Amb, Bnd *model.Set
	Securebits              *cred.Securebits
	NoNewPrivs              bool
}

// Apply changes s as w says.
func (w WhatIf) Apply(s *cred.State) {
	if w.UID != nil {
		s.UID, s.EUID, s.SUID, s.FSUID = *w.UID, *w.UID, *w.UID, *w.UID
	}
	if w.EUID != nil {
		s.EUID, s.FSUID = *w.EUID, *w.EUID
	}
	if w.GID != nil {
		s.GID, s.EGID, s.SGID, s.FSGID = *w.GID, *w.GID, *w.GID, *w.GID
	}
	if w.EGID != nil {
		s.EGID, s.FSGID = *w.EGID, *w.EGID
	}
	for _, x := range []struct {
		v   *model.Set
		dst *model.Set
	}{{w.Inh, &s.Inheritable}, {w.Prm, &s.Permitted}, {w.Eff, &s.Effective}, {w.Amb, &s.Ambient}, {w.Bnd, &s.Bounding}} {
		if x.v != nil {
			*x.dst = *x.v
		}
	}
	if w.Securebits != nil {
		s.Securebits = *w.Securebits
	}
	if w.NoNewPrivs {
		s.NoNewPrivs = true
	}
}
