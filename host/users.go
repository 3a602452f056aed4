package host

import (
	"os/user"
	"strconv"
)

// UserName is uid's name in the user database (/etc/passwd), or "" when
// it has none.
func UserName(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return u.Username
	}
	return ""
}

// GroupName is gid's name in the group database (/etc/group), or "".
func GroupName(gid uint32) string {
	if g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10)); err == nil {
		return g.Name
	}
	return ""
}
