package cred

import (
	"strings"
	"testing"
)

func TestInGroupChecksFsgidAndSupplementaryGroups(t *testing.T) {
	p := State{EGID: 5, FSGID: 6, Groups: []uint32{7}}
	for gid, want := range map[uint32]bool{5: false, 6: true, 7: true, 8: false} {
		if got := p.InGroup(gid); got != want {
			t.Errorf("InGroup(%d) = %v, want %v", gid, got, want)
		}
	}
}

func TestDiffNamesEachDifferingField(t *testing.T) {
	a := State{UID: 1, EUID: 1, Groups: []uint32{3, 2, 2}, Permitted: 0x400, NoNewPrivs: true}
	b := a
	b.Groups = []uint32{2, 3}
	if d := a.Diff(b); len(d) != 0 {
		t.Errorf("groups as sets: Diff = %v, want none", d)
	}
	b.EUID, b.Permitted, b.Securebits, b.NoNewPrivs = 0, 0, SecbitNoroot, false
	want := []string{
		"Uid [1 1 0 0] ≠ [1 0 0 0]",
		"CapPrm 0000000000000400 ≠ 0000000000000000",
		"Securebits none ≠ noroot",
		"NoNewPrivs true ≠ false",
	}
	if d := a.Diff(b); strings.Join(d, "|") != strings.Join(want, "|") {
		t.Errorf("Diff = %q, want %q", d, want)
	}
}
