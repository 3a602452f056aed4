package systemd

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"unicode/utf8"
)

// UserDB is the system's user and group database, as systemd reads it
// through NSS. A missing entry is an error wrapping ErrNoEntry.
type UserDB interface {
	UserByName(name string) (User, error)
	UserByID(uid uint32) (User, error)
	GroupByName(name string) (uint32, error)
	// GroupByID checks that the group exists.
	GroupByID(gid uint32) error
	// GroupList is getgrouplist(3): gid first, then every group that
	// lists user as a member.
	GroupList(user string, gid uint32) ([]uint32, error)
	// SynthesizesNobody says whether systemd makes up user and group
	// "nobody" (65534) without looking at the database.
	SynthesizesNobody() bool
}

// User is a user database entry.
type User struct {
	Name     string
	UID, GID uint32
}

// ErrNoEntry is wrapped by a UserDB's error for a missing user or group.
var ErrNoEntry = errors.New("no such entry in the user database")

// SystemDB is the running system's user database (os/user: with CGO off,
// /etc/passwd and /etc/group).
type SystemDB struct{}

func (SystemDB) UserByName(name string) (User, error) { return userEntry(user.Lookup(name)) }

func (SystemDB) UserByID(uid uint32) (User, error) {
	return userEntry(user.LookupId(strconv.FormatUint(uint64(uid), 10)))
}

func userEntry(u *user.User, err error) (User, error) {
	if err != nil {
		return User{}, dbError(err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return User{}, fmt.Errorf("user %s: ids %s:%s are not numbers", u.Username, u.Uid, u.Gid)
	}
	return User{Name: u.Username, UID: uint32(uid), GID: uint32(gid)}, nil
}

func (SystemDB) GroupByName(name string) (uint32, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, dbError(err)
	}
	gid, err := strconv.ParseUint(g.Gid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("group %s: gid %s is not a number", g.Name, g.Gid)
	}
	return uint32(gid), nil
}

func (SystemDB) GroupByID(gid uint32) error {
	_, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10))
	return dbError(err)
}

// GroupList lists the groups of /etc/group that name the user as a
// member, after gid; the user need not exist (as with getgrouplist).
func (SystemDB) GroupList(name string, gid uint32) ([]uint32, error) {
	u := &user.User{Username: name, Gid: strconv.FormatUint(uint64(gid), 10)}
	ids, err := u.GroupIds()
	if err != nil {
		return nil, err
	}
	out := []uint32{gid}
	for _, s := range ids {
		if n, err := strconv.ParseUint(s, 10, 32); err == nil && uint32(n) != gid {
			out = append(out, uint32(n))
		}
	}
	return out, nil
}

func dbError(err error) error {
	if err == nil {
		return nil
	}
	var (
		u1 user.UnknownUserError
		u2 user.UnknownUserIdError
		g1 user.UnknownGroupError
		g2 user.UnknownGroupIdError
	)
	if errors.As(err, &u1) || errors.As(err, &u2) || errors.As(err, &g1) || errors.As(err, &g2) {
		return fmt.Errorf("%w: %v", ErrNoEntry, err)
	}
	return err
}

// noSynthesizeFlag disables systemd's built-in "nobody" user.
const noSynthesizeFlag = "/etc/systemd/dont-synthesize-nobody"

// SynthesizesNobody is true unless the flag file that disables it exists.
func (SystemDB) SynthesizesNobody() bool {
	_, err := os.Stat(noSynthesizeFlag)
	return errors.Is(err, os.ErrNotExist)
}

// parseUID is systemd's parse_uid: a decimal number without sign or
// leading zero that is not 4294967295 or 65535 (the 32- and 16-bit
// "invalid" ids).
func parseUID(s string) (uint32, bool) {
	if !allDigits(s) || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0xffffffff || n == 0xffff {
		return 0, false
	}
	return uint32(n), true
}

func allDigits(s string) bool { return s != "" && strings.TrimLeft(s, "0123456789") == "" }

// validUserGroupName is systemd 252's valid_user_group_name with
// VALID_USER_ALLOW_NUMERIC|VALID_USER_RELAX, the check User=, Group= and
// SupplementaryGroups= get when the unit is loaded.
func validUserGroupName(s string) bool {
	if _, ok := parseUID(s); ok {
		return true
	}
	switch {
	case s == "", s == ".", s == "..", allDigits(s), s[0] == '-' && allDigits(s[1:]):
		return false
	case strings.HasPrefix(s, " "), strings.HasSuffix(s, " "), !utf8.ValidString(s), strings.ContainsAny(s, ":/"):
		return false
	}
	for _, c := range []byte(s) {
		if c < ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
