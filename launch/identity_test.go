package launch

import (
	"errors"
	"os/user"
	"slices"
	"strconv"
	"testing"

	"fcap/model/cred"
)

func TestResolveIdentity(t *testing.T) {
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("needs the user nobody: %v", err)
	}
	nobodyUID, _ := strconv.ParseUint(nobody.Uid, 10, 32)
	nobodyGID, _ := strconv.ParseUint(nobody.Gid, 10, 32)
	nobodyGroups := groupsOf(t, nobody)
	self := cred.State{UID: 0, GID: 0, Groups: []uint32{0, 4}}
	tests := []struct {
		name string
		in   Intent
		want Identity
	}{
		{"nothing asked: unchanged", Intent{}, Identity{Groups: []uint32{0, 4}}},
		{"user name: its group and init groups", Intent{User: "nobody"},
			Identity{UID: uint32(nobodyUID), GID: uint32(nobodyGID), Groups: nobodyGroups, UserName: "nobody", GroupName: groupName(nobody.Gid), ChangeUID: true, ChangeGID: true, ChangeGroups: true}},
		{"numeric uid with an entry", Intent{User: nobody.Uid, GroupsMode: GroupsList},
			Identity{UID: uint32(nobodyUID), GID: uint32(nobodyGID), UserName: "nobody", GroupName: groupName(nobody.Gid), ChangeUID: true, ChangeGID: true, ChangeGroups: true}},
		{"numeric ids without entries", Intent{User: "40001", Group: "40002"},
			Identity{UID: 40001, GID: 40002, ChangeUID: true, ChangeGID: true, ChangeGroups: true}},
		{"explicit groups, sorted and deduplicated", Intent{User: "40001", Group: "40002", GroupsMode: GroupsList, Groups: []string{"7", "5", "7"}},
			Identity{UID: 40001, GID: 40002, Groups: []uint32{5, 7}, ChangeUID: true, ChangeGID: true, ChangeGroups: true}},
		{"group only: groups cleared", Intent{Group: "40002"},
			Identity{GID: 40002, ChangeGID: true, ChangeGroups: true}},
		{"groups only: gid kept", Intent{GroupsMode: GroupsList, Groups: []string{"9"}},
			Identity{Groups: []uint32{9}, ChangeGroups: true}},
	}
	for _, tt := range tests {
		got, err := resolveIdentity(&tt.in, self)
		if err != nil || !sameIdentity(got, tt.want) {
			t.Errorf("%s: resolveIdentity = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestResolveIdentityRefusesUnknownIDs(t *testing.T) {
	tests := []struct {
		name string
		in   Intent
		what string
	}{
		{"unknown user name", Intent{User: "no-such-user-fcap"}, "user"},
		{"uid without entry and no group", Intent{User: "40001"}, "user"},
		{"uid 2^32-1", Intent{User: "4294967295", Group: "1"}, "user"},
		{"unknown group", Intent{User: "40001", Group: "no-such-group-fcap"}, "group"},
		{"unknown supplementary group", Intent{User: "40001", Group: "1", GroupsMode: GroupsList, Groups: []string{"no-such-group-fcap"}}, "group"},
		{"init groups of a uid without entry", Intent{User: "40001", Group: "1", GroupsMode: GroupsInit}, "groups"},
	}
	for _, tt := range tests {
		_, err := resolveIdentity(&tt.in, cred.State{})
		var ie *IdentityError
		if !errors.As(err, &ie) || ie.What != tt.what {
			t.Errorf("%s: err = %v, want an IdentityError about the %s", tt.name, err, tt.what)
		}
	}
}

func groupsOf(t *testing.T, u *user.User) []uint32 {
	t.Helper()
	ids, err := u.GroupIds()
	if err != nil {
		t.Fatal(err)
	}
	var g []uint32
	for _, s := range ids {
		n, _ := strconv.ParseUint(s, 10, 32)
		g = append(g, uint32(n))
	}
	return normalGroups(g)
}

func groupName(gid string) string {
	g, err := user.LookupGroupId(gid)
	if err != nil {
		return ""
	}
	return g.Name
}

func sameIdentity(a, b Identity) bool {
	return slices.Equal(a.Groups, b.Groups) && a.UID == b.UID && a.GID == b.GID &&
		a.UserName == b.UserName && a.GroupName == b.GroupName &&
		a.ChangeUID == b.ChangeUID && a.ChangeGID == b.ChangeGID && a.ChangeGroups == b.ChangeGroups
}
