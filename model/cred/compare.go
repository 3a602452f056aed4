package cred

import (
	"fmt"
	"slices"
)

// Diff lists the fields in which p and q differ, one "Field p ≠ q"
// line each; groups are compared as sets, as the kernel keeps them
// sorted. It is empty when the states are the same.
func (p State) Diff(q State) []string {
	var d []string
	add := func(field string, a, b any) { d = append(d, fmt.Sprintf("%s %v ≠ %v", field, a, b)) }
	if a, b := [4]uint32{p.UID, p.EUID, p.SUID, p.FSUID}, [4]uint32{q.UID, q.EUID, q.SUID, q.FSUID}; a != b {
		add("Uid", a, b)
	}
	if a, b := [4]uint32{p.GID, p.EGID, p.SGID, p.FSGID}, [4]uint32{q.GID, q.EGID, q.SGID, q.FSGID}; a != b {
		add("Gid", a, b)
	}
	if a, b := groupSet(p.Groups), groupSet(q.Groups); !slices.Equal(a, b) {
		add("Groups", a, b)
	}
	sets := []struct {
		name string
		a, b uint64
	}{
		{"CapInh", uint64(p.Inheritable), uint64(q.Inheritable)},
		{"CapPrm", uint64(p.Permitted), uint64(q.Permitted)},
		{"CapEff", uint64(p.Effective), uint64(q.Effective)},
		{"CapBnd", uint64(p.Bounding), uint64(q.Bounding)},
		{"CapAmb", uint64(p.Ambient), uint64(q.Ambient)},
	}
	for _, s := range sets {
		if s.a != s.b {
			add(s.name, fmt.Sprintf("%016x", s.a), fmt.Sprintf("%016x", s.b))
		}
	}
	if p.Securebits != q.Securebits {
		add("Securebits", p.Securebits, q.Securebits)
	}
	if p.NoNewPrivs != q.NoNewPrivs {
		add("NoNewPrivs", p.NoNewPrivs, q.NoNewPrivs)
	}
	return d
}

// groupSet returns g sorted without duplicates.
func groupSet(g []uint32) []uint32 {
	g = slices.Clone(g)
	slices.Sort(g)
	return slices.Compact(g)
}
