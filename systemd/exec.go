package systemd

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"fcap/model"
	"fcap/model/cred"
)

// StartError is a service systemd fails to start before it executes the
// command: the unit's status is Status/Name (as "217/USER").
type StartError struct {
	Status int
	Name   string
	Detail string
	// Errno is the error of a program systemd cannot find or run
	// (status 203/EXEC), "" for the other failures.
	Errno string
}

func (e *StartError) Error() string {
	return fmt.Sprintf("systemd fails to start the service (status %d/%s): %s", e.Status, e.Name, e.Detail)
}

// systemd's exit statuses (exit-status.h).
const (
	statusSecurebits   = 213
	statusGroup        = 216
	statusUser         = 217
	statusCapabilities = 218
)

func startError(status int, name, format string, args ...any) *StartError {
	return &StartError{Status: status, Name: name, Detail: fmt.Sprintf(format, args...)}
}

// Service is the service's process at the moment it executes a command.
type Service struct {
	Command Command
	State   cred.State
	// NoSuidMounts are the mount points of the service's namespace that
	// systemd remounts nosuid (with their submounts): NoNewPrivileges=yes
	// with a mount namespace. Programs elsewhere keep their mount's flags.
	NoSuidMounts []HiddenPath
	// Notes explain what systemd did that the unit does not say.
	Notes []string
}

// Manager returns the usual state of the system service manager (PID 1),
// from which every service process starts: root with every capability of
// the bounding set permitted and effective, none inheritable or ambient.
func Manager(bounding model.Set) cred.State {
	return cred.State{Permitted: bounding, Effective: bounding, Bounding: bounding}
}

// Start computes the state of the process systemd 252 runs for cmd (one
// of e.ExecStart), starting from the manager's state: the steps of its
// exec_child, in order. Users and groups are looked up in db.
func (e *Exec) Start(cmd Command, manager cred.State, db UserDB, last model.Cap) (Service, error) {
	x := &execution{e: e, cmd: cmd, db: db, p: proc{s: manager, last: last}}
	x.p.s.Groups = append([]uint32(nil), manager.Groups...)
	x.sandboxing = !cmd.Prefix.FullyPrivileged
	x.setuid = !cmd.Prefix.FullyPrivileged && !cmd.Prefix.NoSetuid
	if err := x.run(); err != nil {
		return Service{}, err
	}
	return Service{Command: cmd, State: x.p.s, NoSuidMounts: x.nosuid, Notes: x.notes}, nil
}

// execution carries exec_child's local state.
type execution struct {
	e                  *Exec
	cmd                Command
	db                 UserDB
	p                  proc
	sandboxing, setuid bool
	username           string
	uid, gid           uint32
	uidValid, gidValid bool
	supplementary      []uint32
	setSupplementary   bool
	nosuid             []HiddenPath
	notes              []string
}

func (x *execution) note(format string, args ...any) {
	x.notes = append(x.notes, fmt.Sprintf(format, args...))
}

func (x *execution) run() error {
	x.explainPrefix()
	steps := []func() error{
		x.resolveUser, x.resolveGroup, x.supplementaryGroups, x.enforceGroups,
		x.dropBounding, x.ambientBefore, x.enforceUser, x.securebits, x.noNewPrivs,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	x.mountNamespace()
	return nil
}

func (x *execution) explainPrefix() {
	switch p := x.cmd.Prefix; {
	case p.FullyPrivileged:
		x.note(`the "+" prefix: User=, Group=, SupplementaryGroups=, capabilities, SecureBits=, no_new_privs and namespaces are not applied`)
	case p.NoSetuid:
		x.note(`the "!" prefix: User=, Group= and SupplementaryGroups= are not applied; the rest is`)
	case p.AmbientMagic:
		x.note(`the "!!" prefix changes nothing on kernels with ambient capabilities (Linux 4.3 and later)`)
	}
}

// resolveUser is get_fixed_user: "root" and "0" need no database, nor do
// "nobody" and "65534" while systemd synthesizes them; otherwise the
// user must exist.
func (x *execution) resolveUser() error {
	name := x.e.User
	if name == "" {
		return nil
	}
	u, err := x.lookupUser(name)
	if err != nil {
		return startError(statusUser, "USER", "User=%s: %v", name, err)
	}
	x.username, x.uid, x.gid, x.uidValid, x.gidValid = u.Name, u.UID, u.GID, true, true
	return nil
}

func (x *execution) lookupUser(name string) (User, error) {
	switch {
	case name == "root" || name == "0":
		return User{Name: "root"}, nil
	case (name == "nobody" || name == "65534") && x.db.SynthesizesNobody():
		return User{Name: "nobody", UID: 65534, GID: 65534}, nil
	}
	if uid, ok := parseUID(name); ok {
		return x.db.UserByID(uid)
	}
	return x.db.UserByName(name)
}

// resolveGroup is get_fixed_group: Group= overrides the user's group.
func (x *execution) resolveGroup() error {
	if x.e.Group == "" {
		return nil
	}
	gid, err := x.lookupGroup(x.e.Group)
	if err != nil {
		return startError(statusGroup, "GROUP", "Group=%s: %v", x.e.Group, err)
	}
	x.gid, x.gidValid = gid, true
	return nil
}

func (x *execution) lookupGroup(name string) (uint32, error) {
	switch {
	case name == "root" || name == "0":
		return 0, nil
	case (name == "nobody" || name == "65534") && x.db.SynthesizesNobody():
		return 65534, nil
	}
	if gid, ok := parseUID(name); ok {
		return gid, x.db.GroupByID(gid)
	}
	return x.db.GroupByName(name)
}

// supplementaryGroups is get_supplementary_groups. With User= set and a
// group other than 0, it calls initgroups(3) at once, whatever the
// command's prefix: the process gets the user's groups from the
// database even under "+" or "!". With SupplementaryGroups= it builds
// the list enforceGroups sets: the user's groups, then those.
func (x *execution) supplementaryGroups() error {
	var base []uint32
	if x.username != "" && x.gidValid && x.gid != 0 {
		groups, err := x.db.GroupList(x.username, x.gid)
		if err != nil {
			return startError(statusGroup, "GROUP", "the groups of %s: %v", x.username, err)
		}
		x.p.setgroups(groups)
		base = groups
		if !x.setuid {
			x.note("systemd calls initgroups(%s) before it looks at the prefix: the process has %s's groups %v", x.username, x.username, x.p.s.Groups)
		}
	}
	if len(x.e.SupplementaryGroups) == 0 {
		return nil
	}
	x.supplementary, x.setSupplementary = append([]uint32(nil), base...), true
	for _, g := range x.e.SupplementaryGroups {
		gid, err := x.lookupGroup(g)
		if err != nil {
			return startError(statusGroup, "GROUP", "SupplementaryGroups=%s: %v", g, err)
		}
		x.supplementary = append(x.supplementary, gid)
	}
	return nil
}

// enforceGroups is enforce_groups, for commands that change credentials.
func (x *execution) enforceGroups() error {
	if !x.setuid {
		return nil
	}
	if x.setSupplementary {
		// merge_gid_lists drops duplicates before setgroups.
		var groups []uint32
		for _, g := range x.supplementary {
			if !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
		x.p.setgroups(groups)
	}
	if x.gidValid {
		x.p.setresgid(x.gid)
	}
	return nil
}

// dropBounding is capability_bounding_set_drop(CapabilityBoundingSet=,
// false): each capability not in the set leaves the bounding set and
// the inheritable set; permitted and effective keep it.
func (x *execution) dropBounding() error {
	if !x.sandboxing || x.e.Bounding&model.UpTo(x.p.last) == model.UpTo(x.p.last) {
		return nil
	}
	before := x.p.s
	x.p.gainSetpcap()
	dropped := model.UpTo(x.p.last) &^ x.e.Bounding
	for _, c := range dropped.Caps() {
		if err := x.p.capbsetDrop(c); err != nil && x.p.s.Bounding.Has(c) {
			return startError(statusCapabilities, "CAPABILITIES", "dropping %s from the bounding set: %v", c, err)
		}
	}
	if err := x.p.capset(before.Inheritable&^dropped, before.Permitted, before.Effective); err != nil && x.p.s.Inheritable != before.Inheritable&^dropped {
		return startError(statusCapabilities, "CAPABILITIES", "dropping %s from the inheritable set: %v", dropped.Names(), err)
	}
	return nil
}

// ambientBefore is capability_ambient_set_apply(AmbientCapabilities=,
// true) before the user changes: the inheritable set becomes exactly
// the ambient capabilities that are in the bounding set, and they are
// raised.
func (x *execution) ambientBefore() error {
	if !x.sandboxing {
		return nil
	}
	return x.applyAmbient(true)
}

func (x *execution) applyAmbient(alsoInherit bool) error {
	all := model.UpTo(x.p.last)
	set := x.e.Ambient & x.p.s.Bounding & all
	if lost := x.e.Ambient & all &^ x.p.s.Bounding; lost != 0 && alsoInherit {
		x.note("AmbientCapabilities= %s: not in the bounding set, which systemd takes as a reason to leave them out", lost.Names())
	}
	if alsoInherit {
		inh := x.p.s.Inheritable&^all | set
		if err := x.p.capset(inh, x.p.s.Permitted, x.p.s.Effective); err != nil {
			return startError(statusCapabilities, "CAPABILITIES", "setting the inheritable set to %s: %v", set.Names(), err)
		}
	}
	for _, c := range all.Caps() {
		if !set.Has(c) {
			x.p.s.Ambient &^= model.SetOf(c)
			continue
		}
		if err := x.p.ambientRaise(c); err != nil {
			return startError(statusCapabilities, "CAPABILITIES", "raising ambient %s: %v", c, err)
		}
	}
	return nil
}

// enforceUser is enforce_user and the ambient raise after it: for a
// non-root user with ambient capabilities or securebits, keep-caps is
// set first so that permitted survives setresuid; ambient is raised
// again after it.
func (x *execution) enforceUser() error {
	if !x.setuid || !x.uidValid {
		return nil
	}
	keep := x.p.s.Securebits | cred.SecbitKeepCaps
	if (x.e.Ambient != 0 || x.e.SecureBits != 0) && x.uid != 0 && x.p.s.Securebits != keep {
		if err := x.p.setSecurebits(keep); err != nil {
			return startError(statusUser, "USER", "setting keep-caps: %v", err)
		}
	}
	x.p.setresuid(x.uid)
	if x.e.Ambient != 0 {
		return x.applyAmbient(false)
	}
	return nil
}

// securebits sets SecureBits= (raising CAP_SETPCAP into the effective
// set first, if permitted) when the current bits differ.
func (x *execution) securebits() error {
	if !x.sandboxing || x.p.s.Securebits == x.e.SecureBits {
		return nil
	}
	x.p.gainSetpcap()
	if err := x.p.setSecurebits(x.e.SecureBits); err != nil {
		return startError(statusSecurebits, "SECUREBITS", "setting securebits %s: %v", x.e.SecureBits, err)
	}
	return nil
}

// noNewPrivs is context_has_no_new_privileges: NoNewPrivileges=yes, or
// a setting that implies it when the process has no effective
// CAP_SYS_ADMIN at this point (a non-root User=, usually).
func (x *execution) noNewPrivs() error {
	if !x.sandboxing {
		return nil
	}
	switch {
	case x.e.NoNewPrivileges:
		x.p.s.NoNewPrivs = true
	case len(x.e.ImplyNNP) > 0 && !x.p.s.Effective.Has(model.CapSysAdmin):
		x.p.s.NoNewPrivs = true
		x.note("no_new_privs: %s imply it for a process without effective cap_sys_admin", strings.Join(x.e.ImplyNNP, "=, ")+"=")
	case len(x.e.ImplyNNP) > 0:
		x.note("%s would imply no_new_privs, but the process has effective cap_sys_admin", strings.Join(x.e.ImplyNNP, "=, ")+"=")
	}
	return nil
}

// mountNamespace: with NoNewPrivileges=yes and a mount namespace,
// systemd remounts the namespace's mount points nosuid ("all file systems"
// in systemd.exec(5); in the code, each path the namespace mounts on).
func (x *execution) mountNamespace() {
	if !x.sandboxing || !x.e.NoNewPrivileges || len(x.e.MountNS) == 0 {
		return
	}
	x.nosuid = x.e.MountEntries
	var paths []string
	for _, m := range x.nosuid {
		paths = append(paths, m.Path)
	}
	if len(paths) > 0 {
		x.note("NoNewPrivileges=yes with a mount namespace: systemd remounts %s nosuid", strings.Join(paths, ", "))
	}
}

// NoSuidAt reports whether program lies on a mount point of the
// service's namespace that systemd remounts nosuid, and which setting
// put it there. Symlinks in both are followed on the host.
func (s Service) NoSuidAt(program string) (string, bool) {
	real := resolve(program)
	for _, m := range s.NoSuidMounts {
		for _, p := range []string{program, real} {
			if under(p, m.Path) || under(p, resolve(m.Path)) {
				return m.Setting, true
			}
		}
	}
	return "", false
}

func resolve(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// under reports whether p is dir or lies below it.
func under(p, dir string) bool {
	return dir == "/" || p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// ErrHidden is wrapped by the error for a program that lies where the
// service's mount namespace shows something else.
var ErrHidden = errors.New("the service's mount namespace changes what is there, which fcap does not model")

// CheckProgram refuses a program path the mount namespace hides or
// replaces for cmd.
func (e *Exec) CheckProgram(cmd Command, program string) error {
	if cmd.Prefix.FullyPrivileged {
		return nil
	}
	for _, h := range e.Hidden {
		if under(program, h.Path) {
			return fmt.Errorf("%s lies under %s (%s=): %w", program, h.Path, h.Setting, ErrHidden)
		}
	}
	return nil
}
