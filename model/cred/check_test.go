package cred

import (
	"errors"
	"strings"
	"testing"

	"fcap/model"
)

const last = model.Cap(40)

func TestCheckNamesTheInvariantAStateBreaks(t *testing.T) {
	raw := model.SetOf(model.CapNetRaw)
	ns := &UserNS{UIDs: IDMap{{0, 1000, 1}}, GIDs: IDMap{{0, 1000, 1}}}
	bad := &UserNS{UIDs: IDMap{{0, 1000, 2}, {1, 5000, 1}}, GIDs: IDMap{{0, 1000, 1}}}
	nested := &UserNS{Parent: ns, UIDs: IDMap{{0, 2000, 1}}, GIDs: IDMap{{0, 1000, 1}}}
	tests := []struct {
		name string
		p    State
		want string // part of the invariant; "" for a valid state
	}{
		{"a plain state", State{Bounding: model.UpTo(last)}, ""},
		{"ambient without inheritable", State{Permitted: raw, Ambient: raw}, "ambient ⊆ permitted ∩ inheritable"},
		{"ambient without permitted", State{Inheritable: raw, Ambient: raw}, "ambient ⊆ permitted ∩ inheritable"},
		{"ambient in both", State{Inheritable: raw, Permitted: raw, Ambient: raw}, ""},
		{"effective beyond permitted", State{Effective: raw}, "effective ⊆ permitted"},
		{"a capability the kernel lacks", State{Bounding: model.SetOf(41)}, "capabilities are 0 to 40"},
		{"the invalid uid", State{EUID: InvalidID}, "ids are 0 to 4294967294"},
		{"the invalid group", State{Groups: []uint32{InvalidID}}, "ids are 0 to 4294967294"},
		{"an unknown securebit", State{Securebits: 1 << 20}, "only known securebits"},
		{"a namespace with overlapping ranges", State{UserNS: bad}, "user namespace maps"},
		{"a nested namespace mapping ids its parent lacks", State{UserNS: nested}, "user namespace maps"},
		{"a sound namespace", State{UserNS: ns}, ""},
	}
	for _, tt := range tests {
		err := tt.p.Check(last)
		var ie *InvariantError
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (!errors.As(err, &ie) || !strings.Contains(ie.Invariant, tt.want) || ie.Detail == ""):
			t.Errorf("%s: error %v, want invariant %q", tt.name, err, tt.want)
		}
	}
}

func TestParseIDMap(t *testing.T) {
	m, err := ParseIDMap("0:1000:1,1:100000:65536")
	if err != nil || len(m) != 2 || m.String() != "0:1000:1,1:100000:65536" {
		t.Fatalf("ParseIDMap = %v, %v", m, err)
	}
	if p, err := ParseIDMap("         0       1000          1\n         1     100000      65536\n"); err != nil || p.String() != m.String() {
		t.Errorf("/proc form: %v, %v", p, err)
	}
	for _, bad := range []string{"", "0:1000", "0:1000:0", "a:1:1", "0:1:1,0:5:1", "0:1:2,5:2:1", "0:4294967295:1", "1:2:3:4"} {
		if _, err := ParseIDMap(bad); err == nil {
			t.Errorf("ParseIDMap(%q) accepted", bad)
		}
	}
}

func TestNamespaceIDsAndRoots(t *testing.T) {
	ns := &UserNS{UIDs: IDMap{{0, 1000, 1}, {1, 100000, 65536}}, GIDs: IDMap{{0, 1000, 1}}}
	if in, ok := ns.UID(100004); !ok || in != 5 {
		t.Errorf("UID(100004) = %d, %v", in, ok)
	}
	if _, ok := ns.UID(0); ok {
		t.Errorf("host root is not mapped")
	}
	if r, ok := ns.RootUID(); !ok || r != 1000 {
		t.Errorf("RootUID = %d, %v", r, ok)
	}
	var initial *UserNS
	if r, ok := initial.RootUID(); !ok || r != 0 {
		t.Errorf("initial RootUID = %d, %v", r, ok)
	}
	if _, ok := initial.UID(InvalidID); ok {
		t.Errorf("the invalid id is mapped in the initial namespace")
	}
	nested := &UserNS{Parent: ns, UIDs: IDMap{{0, 100000, 10}}}
	for rootid, want := range map[uint32]bool{0: true, 1000: true, 100000: true, 100001: false, 5: false} {
		if got := nested.OwnsRootID(rootid); got != want {
			t.Errorf("nested.OwnsRootID(%d) = %v", rootid, got)
		}
	}
	if initial.OwnsRootID(1000) || !initial.OwnsRootID(0) {
		t.Errorf("initial namespace: only rootid 0 applies")
	}
}
