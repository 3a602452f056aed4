package launch

import (
	"errors"
	"fmt"
	"os/user"
	"slices"
	"strconv"

	"fcap/model/cred"
)

// Identity is who the program runs as: all four uids are UID and all
// four gids GID once the launch changes them.
type Identity struct {
	UID, GID uint32
	// Groups are the supplementary groups, sorted, without duplicates.
	Groups []uint32
	// UserName and GroupName are the database names, "" when the id has
	// no entry (numeric ids work without /etc/passwd and /etc/group).
	UserName, GroupName string
	// ChangeUID, ChangeGID and ChangeGroups say what the launch sets;
	// the rest stays as fcap has it.
	ChangeUID, ChangeGID, ChangeGroups bool
}

// IdentityError is a user, group or group list that cannot be resolved.
type IdentityError struct {
	What string // "user", "group", "groups"
	Name string
	Err  error
}

func (e *IdentityError) Error() string {
	return fmt.Sprintf("%s %q: %v", e.What, e.Name, e.Err)
}

func (e *IdentityError) Unwrap() error { return e.Err }

// errNoEntry is an id without an entry in the user or group database.
var errNoEntry = errors.New("no such entry in the user or group database")

// resolveIdentity turns the intent's user and groups into ids; self is
// fcap's own state, for what stays unchanged.
func resolveIdentity(in *Intent, self cred.State) (Identity, error) {
	id := Identity{UID: self.UID, GID: self.GID, Groups: self.Groups}
	var u *user.User
	if in.User != "" {
		var err error
		if id.UID, u, err = lookupUser(in.User); err != nil {
			return Identity{}, &IdentityError{What: "user", Name: in.User, Err: err}
		}
		id.ChangeUID = true
	}
	if u != nil {
		id.UserName = u.Username
	}
	if err := id.resolveGroup(in, u); err != nil {
		return Identity{}, err
	}
	if err := id.resolveGroups(in, u); err != nil {
		return Identity{}, err
	}
	id.Groups = normalGroups(id.Groups)
	return id, nil
}

// resolveGroup sets the gid: --group, else the user's primary group.
func (id *Identity) resolveGroup(in *Intent, u *user.User) error {
	switch {
	case in.Group != "":
		gid, name, err := lookupGroup(in.Group)
		if err != nil {
			return &IdentityError{What: "group", Name: in.Group, Err: err}
		}
		id.GID, id.GroupName, id.ChangeGID = gid, name, true
	case in.User != "" && u == nil:
		return &IdentityError{What: "user", Name: in.User, Err: fmt.Errorf("uid %d has no entry in the user database, so no primary group: give the group too", id.UID)}
	case u != nil:
		gid, err := parseID(u.Gid)
		if err != nil {
			return &IdentityError{What: "user", Name: in.User, Err: fmt.Errorf("primary group %q: %w", u.Gid, err)}
		}
		id.GID, id.ChangeGID = gid, true
		if g, err := user.LookupGroupId(u.Gid); err == nil {
			id.GroupName = g.Name
		}
	}
	return nil
}

// resolveGroups sets the supplementary groups as GroupsMode says.
func (id *Identity) resolveGroups(in *Intent, u *user.User) error {
	mode := in.GroupsMode
	if mode == GroupsDefault {
		switch {
		case u != nil:
			mode = GroupsInit
		case in.User != "" || in.Group != "":
			id.Groups, id.ChangeGroups = nil, true
			return nil
		default:
			return nil
		}
	}
	id.ChangeGroups = true
	if mode == GroupsList {
		return id.listGroups(in.Groups)
	}
	return id.initGroups(u)
}

// initGroups sets the groups initgroups(3) gives the user: its primary
// group and every group that lists its name.
func (id *Identity) initGroups(u *user.User) error {
	if u == nil {
		var err error
		if u, err = user.LookupId(strconv.FormatUint(uint64(id.UID), 10)); err != nil {
			return &IdentityError{What: "groups", Name: "init", Err: fmt.Errorf("uid %d has no entry in the user database to take groups from", id.UID)}
		}
	}
	names, err := u.GroupIds()
	if err != nil {
		return &IdentityError{What: "groups", Name: u.Username, Err: err}
	}
	return id.listGroups(names)
}

// listGroups sets the groups from names or numeric gids.
func (id *Identity) listGroups(names []string) error {
	id.Groups = nil
	for _, n := range names {
		gid, _, err := lookupGroup(n)
		if err != nil {
			return &IdentityError{What: "group", Name: n, Err: err}
		}
		id.Groups = append(id.Groups, gid)
	}
	return nil
}

// lookupUser resolves a user name or a numeric uid; u is nil for a uid
// without a database entry.
func lookupUser(s string) (uint32, *user.User, error) {
	if isNumeric(s) {
		uid, err := parseID(s)
		if err != nil {
			return 0, nil, err
		}
		u, err := user.LookupId(s)
		if err != nil {
			return uid, nil, nil
		}
		return uid, u, nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return 0, nil, errNoEntry
	}
	uid, err := parseID(u.Uid)
	return uid, u, err
}

// lookupGroup resolves a group name or a numeric gid; name is "" for a
// gid without a database entry.
func lookupGroup(s string) (gid uint32, name string, err error) {
	if isNumeric(s) {
		if gid, err = parseID(s); err != nil {
			return 0, "", err
		}
		if g, err := user.LookupGroupId(s); err == nil {
			name = g.Name
		}
		return gid, name, nil
	}
	g, err := user.LookupGroup(s)
	if err != nil {
		return 0, "", errNoEntry
	}
	gid, err = parseID(g.Gid)
	return gid, g.Name, err
}

func isNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseID parses a decimal id; 4294967295 is (uid_t)-1, which the set*id
// calls read as "leave unchanged", so it is refused.
func parseID(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 1<<32-1 {
		return 0, fmt.Errorf("%q is not a valid id (0 to 4294967294)", s)
	}
	return uint32(n), nil
}

// normalGroups sorts and deduplicates groups, as /proc lists them.
func normalGroups(g []uint32) []uint32 {
	if len(g) == 0 {
		return nil
	}
	g = slices.Clone(g)
	slices.Sort(g)
	return slices.Compact(g)
}
