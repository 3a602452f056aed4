package cred

import "testing"

func TestInGroupChecksFsgidAndSupplementaryGroups(t *testing.T) {
	p := State{EGID: 5, FSGID: 6, Groups: []uint32{7}}
	for gid, want := range map[uint32]bool{5: false, 6: true, 7: true, 8: false} {
		if got := p.InGroup(gid); got != want {
			t.Errorf("InGroup(%d) = %v, want %v", gid, got, want)
		}
	}
}
