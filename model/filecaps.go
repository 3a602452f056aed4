package model

import (
	"fmt"
	"strconv"
)

// Caps is a full capability triple as the text form describes it: one
// set per flag. Files store less than this (see FileCaps).
type Caps struct {
	Effective, Permitted, Inheritable Set
}

// FileCaps is the value of a file's security.capability attribute.
type FileCaps struct {
	Permitted   Set
	Inheritable Set
	// Effective is the file's single effective bit: at exec the new
	// effective set is the whole new permitted set, or empty.
	Effective bool
	// Revision is the on-disk format revision: 1, 2 or 3.
	Revision int
	// RootID is the revision-3 namespace root uid; 0 otherwise.
	RootID uint32
}

// ErrEffectiveMismatch is returned when a text's effective set cannot be
// stored in a file: it must be empty or cover permitted ∪ inheritable.
type ErrEffectiveMismatch struct{ Caps Caps }

func (e *ErrEffectiveMismatch) Error() string {
	return fmt.Sprintf("effective file capabilities must be empty or include every permitted and inheritable one (effective %s, permitted ∪ inheritable %s)",
		e.Caps.Effective.Names(), (e.Caps.Permitted | e.Caps.Inheritable).Names())
}

// ToFile converts parsed text to a file value, as libcap 2.66 does when
// writing: if any effective bit is set, every permitted and inheritable
// bit must be effective too, and the file gets its single effective bit.
// The result has revision 2, or 3 when rootID is nonzero.
func (c Caps) ToFile(rootID uint32) (FileCaps, error) {
	if c.Effective != 0 && (c.Permitted|c.Inheritable)&^c.Effective != 0 {
		return FileCaps{}, &ErrEffectiveMismatch{Caps: c}
	}
	f := FileCaps{Permitted: c.Permitted, Inheritable: c.Inheritable, Effective: c.Effective != 0, Revision: 2, RootID: rootID}
	if rootID != 0 {
		f.Revision = 3
	}
	return f, nil
}

// Caps returns the triple libcap reports for a file: with the effective
// bit set, the effective set is permitted ∪ inheritable.
func (f FileCaps) Caps() Caps {
	c := Caps{Permitted: f.Permitted, Inheritable: f.Inheritable}
	if f.Effective {
		c.Effective = f.Permitted | f.Inheritable
	}
	return c
}

// SameCaps reports whether f and g grant the same capabilities with the
// same rootid, ignoring the revision they were stored with.
func (f FileCaps) SameCaps(g FileCaps) bool {
	return f.Permitted == g.Permitted && f.Inheritable == g.Inheritable &&
		f.Effective == g.Effective && f.RootID == g.RootID
}

// Format is the file's text as `fcap get -n` prints it: libcap's text of
// Caps, then ` [rootid=N]` when the value belongs to a user namespace.
func (f FileCaps) Format(last Cap) string {
	return f.Caps().Format(last) + RootIDSuffix(f.RootID, false)
}

// RootIDSuffix is the ` [rootid=N]` that follows a namespaced value's
// text, or "" for rootid 0. signed prints N as getcap -n does, as a
// signed 32-bit number (4294967294 is -2).
func RootIDSuffix(id uint32, signed bool) string {
	if id == 0 {
		return ""
	}
	n := strconv.FormatUint(uint64(id), 10)
	if signed {
		n = strconv.FormatInt(int64(int32(id)), 10)
	}
	return " [rootid=" + n + "]"
}

// DiffLetters names the sets in which a and b differ, in setcap -v's
// p, i, e order ("pe"); "" when they are the same.
func DiffLetters(a, b Caps) string {
	var s string
	if a.Permitted != b.Permitted {
		s += "p"
	}
	if a.Inheritable != b.Inheritable {
		s += "i"
	}
	if a.Effective != b.Effective {
		s += "e"
	}
	return s
}
