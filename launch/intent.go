package launch

import "fcap/model/cred"

// GroupsMode says how the supplementary groups are chosen.
type GroupsMode int

const (
	// GroupsDefault: with a User, the user's groups from the group
	// database when it has an entry there (as GroupsInit), none when it
	// has not; with only a Group, none; with neither, unchanged.
	GroupsDefault GroupsMode = iota
	// GroupsInit: the user's primary group and every group that lists
	// the user's name, as initgroups(3) and setpriv --init-groups do.
	GroupsInit
	// GroupsList: exactly Intent.Groups (possibly none).
	GroupsList
)

// RootRevoked are the securebits fcap sets by default: uid 0 gets no
// capabilities at exec (noroot) and set*uid() calls leave the capability
// sets alone (no-setuid-fixup), both locked, so the program can neither
// undo them nor regain capabilities by becoming uid 0.
const RootRevoked = cred.SecbitNoroot | cred.SecbitNorootLocked | cred.SecbitNoSetuidFixup | cred.SecbitNoSetuidFixupLocked

// Intent is what the caller asks for: who the program runs as, which
// capabilities it keeps and how locked the result is.
type Intent struct {
	// User is a user name or a numeric uid; "" keeps fcap's uids. A
	// numeric uid needs no entry in the user database.
	User string
	// Group is a group name or a numeric gid; "" means the user's
	// primary group (required for a uid without a database entry), or
	// fcap's gids when User is "" too.
	Group string
	// GroupsMode and Groups (names or numeric gids) choose the
	// supplementary groups.
	GroupsMode GroupsMode
	Groups     []string

	// Caps is the kept capabilities in libcap's text form, for example
	// "cap_net_bind_service+ep"; "" keeps none. A capability with e and p
	// is kept (inheritable and ambient, so permitted and effective after
	// exec); one with i only is inheritable only (it reaches programs
	// whose file has it in its inheritable set).
	Caps string
	// Adjust holds ProFTPD-style words applied after Caps: "+cap_chown"
	// keeps cap_chown (as +ep), "-cap_net_raw" drops it from every set.
	// Names ignore case and may omit the cap_ prefix (+CAP_CHOWN, -net_raw).
	Adjust []string

	// KeepBounding leaves the bounding set alone; by default every
	// capability not kept is dropped from it.
	KeepBounding bool
	// NoNewPrivs sets no_new_privs: set-id bits and file capabilities of
	// programs executed later give nothing.
	NoNewPrivs bool
	// Securebits replaces the default RootRevoked when not nil.
	Securebits *cred.Securebits

	// Program is executed with Args as its arguments (argv[1:]). A name
	// without a slash is looked up in PATH. Env is its environment (nil:
	// fcap's own).
	Program string
	Args    []string
	Env     []string
}

// securebits returns the securebits the intent asks for.
func (in *Intent) securebits() cred.Securebits {
	if in.Securebits != nil {
		return *in.Securebits
	}
	return RootRevoked
}
