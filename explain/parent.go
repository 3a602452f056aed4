package explain

import (
	"fmt"
	"os"
	"os/user"
	"strconv"

	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
)

// Parent is the process whose exec is explained.
type Parent struct {
	State cred.State
	// Who says which process this is.
	Who Who
	// Notes are caveats about the state.
	Notes []string
	// SecurebitsUnseen says the securebits are another process's, which
	// /proc does not show: they are assumed 0, and the report says so
	// unless a what-if sets them.
	SecurebitsUnseen bool
	// Root and Cwd are where the parent looks paths up: a directory fcap
	// can open as its root ("/", or /proc/PID/root) and the working
	// directory inside it. An empty Root is fcap's own root and working
	// directory (a login or a what-if process started from fcap's shell).
	Root, Cwd string
}

// Who names the parent for people.
type Who struct {
	// Kind is "self" (fcap itself), "pid", "login" or "namespace".
	Kind string
	// PID and Command identify a live process (self and pid).
	PID     int
	Command string
	// User is the name of its real uid ("nobody", or "uid 5025" when
	// the user database does not know it).
	User string
	// IDs adds the uid of a login ("uid 65534").
	IDs string
	// Namespace describes its user namespace; "" for fcap's own.
	Namespace string
	// Text, when set, is the whole description: a context that makes
	// the parent says what it is ("fcap right before it executes the
	// program", "the container's process").
	Text string
}

func (w Who) String() string {
	if w.Text != "" {
		return w.Text
	}
	var s string
	switch w.Kind {
	case "self":
		s = fmt.Sprintf("fcap itself (pid %d), running as %s: the credentials its caller gave it", w.PID, w.User)
	case "pid":
		s = fmt.Sprintf("pid %d (%s), running as %s", w.PID, w.Command, w.User)
	case "login":
		s = fmt.Sprintf("a fresh login of %s (%s)", w.User, w.IDs)
	default:
		s = "a process running as " + w.User
	}
	if w.Namespace != "" {
		s += ", in " + w.Namespace
	}
	return s
}

// Subject names the parent in a verdict: its user, or another process
// by its pid and command.
func (w Who) Subject() string {
	switch {
	case w.User == "" && w.Text != "":
		return w.Text
	case w.Kind == "pid":
		return fmt.Sprintf("pid %d (%s)", w.PID, w.Command)
	}
	return w.User
}

// UserName names kernel uid u of a process in user namespace ns (nil:
// fcap's own) for people: the user database's name in fcap's namespace,
// the id inside another.
func UserName(u uint32, ns *cred.UserNS) string { return userName(u, ns) }

// FromPID reads the parent state of a running process: its credentials,
// user namespace, root and working directory. Its securebits are not
// visible in /proc and are assumed 0 (SecurebitsUnseen).
func FromPID(pid int) (Parent, error) {
	s, err := host.ReadStatus(pid)
	if err != nil {
		return Parent{}, err
	}
	if s.UserNS, err = host.UserNS(pid); err != nil {
		return Parent{}, err
	}
	p := Parent{State: s, Root: fmt.Sprintf("/proc/%d/root", pid)}
	if p.Cwd, err = host.Cwd(pid); err != nil {
		p.Notes = append(p.Notes, fmt.Sprintf("the working directory of pid %d cannot be read (%v): relative paths start at its root", pid, err))
	}
	p.Who = identify("pid", pid, s)
	p.SecurebitsUnseen = true
	return p, nil
}

// Self is fcap's own state, securebits included: what its caller gave
// it, and what a program the caller starts the same way inherits.
func Self() (Parent, error) {
	s, err := host.ReadStatus(0)
	if err == nil {
		s.Securebits, err = host.SelfSecurebits()
	}
	if err != nil {
		return Parent{}, err
	}
	p := Parent{State: s, Root: "/", Who: identify("self", os.Getpid(), s)}
	if p.Cwd, err = os.Getwd(); err != nil {
		p.Notes = append(p.Notes, fmt.Sprintf("fcap's working directory cannot be read (%v): relative paths start at /", err))
	}
	if n := callerNote(s); n != "" {
		p.Notes = append(p.Notes, n)
	}
	return p, nil
}

// callerNote says when the process that started fcap, running as the
// same user, holds capabilities fcap's own exec dropped (non-ambient
// ones): they matter to its permission checks and no_new_privs. Under
// su or setpriv the caller is another user, and nothing is said.
func callerNote(self cred.State) string {
	ppid := os.Getppid()
	pp, err := host.ReadStatus(ppid)
	if err != nil || pp.UID != self.UID || pp.EUID != self.EUID {
		return ""
	}
	extra := (pp.Effective &^ self.Effective) | (pp.Permitted &^ self.Permitted)
	if extra == 0 {
		return ""
	}
	comm, _ := host.Command(ppid)
	return fmt.Sprintf("pid %d (%s), which started fcap, holds capabilities fcap's own exec dropped (%s); --pid %d explains an exec by it", ppid, comm, extra.Names(), ppid)
}

// identify names a live process.
func identify(kind string, pid int, s cred.State) Who {
	w := Who{Kind: kind, PID: pid, User: userName(s.UID, s.UserNS)}
	if c, err := host.Command(pid); err == nil {
		w.Command = c
	}
	w.Namespace = describeNS(s.UserNS)
	return w
}

// userName names kernel uid u for people: the user database's name in
// fcap's namespace, the id inside a user namespace.
func userName(u uint32, ns *cred.UserNS) string {
	if ns != nil {
		in, ok := ns.UID(u)
		if !ok {
			return fmt.Sprintf("uid %d (unmapped in its user namespace)", u)
		}
		return fmt.Sprintf("uid %d of its user namespace (uid %d outside)", in, u)
	}
	if name := host.UserName(u); name != "" {
		return name
	}
	if u == 0 {
		return "root"
	}
	return fmt.Sprintf("uid %d", u)
}

// describeNS says which user namespace a state is in.
func describeNS(ns *cred.UserNS) string {
	if ns == nil {
		return ""
	}
	root := "no root"
	if r, ok := ns.RootUID(); ok {
		root = fmt.Sprintf("root = uid %d outside", r)
	}
	s := fmt.Sprintf("a user namespace (uid map %s, gid map %s, %s)", ns.UIDs, ns.GIDs, root)
	if d := ns.Depth(); d > 1 {
		s += fmt.Sprintf(", %d levels below fcap's", d)
	}
	return s
}

// Login is a fresh login of the user name (a name or a numeric uid that
// the user database need not know): its ids and groups, no
// capabilities, the given bounding set.
func Login(name string, bounding model.Set) (Parent, error) {
	return LoginIn(name, bounding, nil)
}

// LoginIn is Login in user namespace ns (nil: fcap's own): the user's
// ids are taken as ids inside it.
func LoginIn(name string, bounding model.Set, ns *cred.UserNS) (Parent, error) {
	u, err := LookupUser(name)
	if _, numeric := strconv.ParseUint(name, 10, 32); numeric == nil && ns != nil {
		// fcap's user database does not describe the namespace's users.
		u, err = &user.User{Uid: name, Gid: name, Username: "uid " + name}, nil
	}
	if err != nil {
		return Parent{}, err
	}
	s := cred.State{Bounding: bounding, UserNS: ns}
	w := WhatIf{UID: parseID(u.Uid), GID: parseID(u.Gid)}
	if gids, err := u.GroupIds(); err == nil {
		for _, g := range gids {
			if id := parseID(g); id != nil {
				w.Groups = append(w.Groups, *id)
			}
		}
	}
	if err := w.Apply(&s); err != nil {
		return Parent{}, err
	}
	who := Who{Kind: "login", User: u.Username, IDs: "uid " + u.Uid, Namespace: describeNS(ns)}
	if ns != nil {
		who.User, who.IDs = userName(s.UID, ns), "uid "+u.Uid+" inside"
	}
	return Parent{State: s, Who: who}, nil
}

func parseID(s string) *uint32 {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return nil
	}
	id := uint32(n)
	return &id
}

// NewNamespace is a process that has just entered a new user namespace
// ns (below fcap's), like `unshare --user` with these maps or a rootless
// container's first process: uid and gid 0 inside (or the lowest
// mapped ids when 0 is not mapped), no supplementary groups, and every
// capability in its permitted, effective and bounding sets.
func NewNamespace(ns *cred.UserNS, last model.Cap) (Parent, error) {
	all := model.UpTo(last)
	s := cred.State{UserNS: ns, Permitted: all, Effective: all, Bounding: all}
	w := WhatIf{UID: lowest(ns.UIDs), GID: lowest(ns.GIDs)}
	if err := w.Apply(&s); err != nil {
		return Parent{}, err
	}
	who := Who{Kind: "namespace", User: userName(s.UID, ns), Namespace: "a new " + describeNS(ns)[2:]}
	return Parent{State: s, Who: who}, nil
}

// lowest returns 0 when the map maps it, else its lowest inside id.
func lowest(m cred.IDMap) *uint32 {
	low := ^uint32(0)
	for _, r := range m {
		low = min(low, r.Inside)
	}
	return &low
}
