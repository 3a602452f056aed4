package audit

import (
	"strconv"

	"fcap/host"
)

// ID is a user or a group: its number and, when the user database knows
// it, its name.
type ID struct {
	N     uint32
	Name  string
	Group bool
}

// String is the name, or "uid N" / "gid N" without one (0 is root).
func (i ID) String() string {
	switch {
	case i.Name != "":
		return i.Name
	case i.N == 0:
		return "root"
	}
	if i.Group {
		return "gid " + strconv.FormatUint(uint64(i.N), 10)
	}
	return "uid " + strconv.FormatUint(uint64(i.N), 10)
}

// names looks users and groups up in the user database (/etc/passwd and
// /etc/group), once each.
type names struct {
	users, groups map[uint32]string
}

func newNames() *names {
	return &names{users: map[uint32]string{}, groups: map[uint32]string{}}
}

func (n *names) user(uid uint32) ID {
	name, ok := n.users[uid]
	if !ok {
		name = host.UserName(uid)
		n.users[uid] = name
	}
	return ID{N: uid, Name: name}
}

func (n *names) group(gid uint32) ID {
	name, ok := n.groups[gid]
	if !ok {
		name = host.GroupName(gid)
		n.groups[gid] = name
	}
	return ID{N: gid, Name: name, Group: true}
}
