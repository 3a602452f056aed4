package systemd

import (
	"fmt"
	"strings"

	"fcap/model"
	"fcap/model/cred"
)

// Exec holds the [Service] settings that decide what a command's process
// is when it executes its program, after every assignment of the unit is
// applied in order as systemd 252 applies them.
type Exec struct {
	User, Group         string // "" when unset
	SupplementaryGroups []string
	// Bounding is CapabilityBoundingSet= (every bit when unset) and
	// Ambient is AmbientCapabilities=.
	Bounding, Ambient model.Set
	NoNewPrivileges   bool
	SecureBits        cred.Securebits
	ExecStart         []Command
	ExecSearchPath    []string // ExecSearchPath=; nil for systemd's default
	Type              string
	// ImplyNNP lists the settings that make systemd set no_new_privs for
	// a process that lacks CAP_SYS_ADMIN when it gets there.
	ImplyNNP []string
	// MountNS lists the settings that give the service a mount namespace.
	MountNS []string
	// Hidden are the paths the mount namespace replaces, empties or makes
	// inaccessible, with the setting responsible.
	Hidden []HiddenPath
	// MountEntries are the paths the namespace mounts something on.
	MountEntries []HiddenPath
	// Notes are assignments systemd ignores or reads surprisingly.
	Notes []string
	// unmodelled holds, per setting, the last assignment fcap cannot
	// model; a later assignment may reset it.
	unmodelled map[string]*UnitError
	sandbox    map[string]*sandboxState
}

// HiddenPath is a path the service's mount namespace does not show as
// the host has it.
type HiddenPath struct {
	Path, Setting string
}

// directive applies one assignment to the Exec being built.
type directive func(u *Unit, e *Exec, a Assignment) error

// directives are the [Service] settings fcap reads; systemd reads many
// more, none of which changes credentials.
var directives map[string]directive

func init() {
	directives = map[string]directive{
		"User":                  userGroup(func(e *Exec) *string { return &e.User }),
		"Group":                 userGroup(func(e *Exec) *string { return &e.Group }),
		"SupplementaryGroups":   supplementaryGroups,
		"CapabilityBoundingSet": capabilitySet(func(e *Exec) *model.Set { return &e.Bounding }, allCaps),
		"AmbientCapabilities":   capabilitySet(func(e *Exec) *model.Set { return &e.Ambient }, 0),
		"NoNewPrivileges":       boolean(func(e *Exec, v bool) { e.NoNewPrivileges = v }),
		"SecureBits":            secureBits,
		"ExecStart":             execStart,
		"ExecSearchPath":        execSearchPath,
		"Type":                  func(_ *Unit, e *Exec, a Assignment) error { e.Type = a.Value; return nil },
		"DynamicUser":           unmodelled("allocates a user when the service starts", true),
		"PrivateUsers":          unmodelled("runs the service in a user namespace", true),
		"PAMName":               unmodelled("opens a PAM session, whose modules may change groups and capabilities", false),
		"RootDirectory":         unmodelled("runs the service in another root directory", false),
		"RootImage":             unmodelled("runs the service in a disk image", false),
	}
	for name, d := range sandboxDirectives() {
		directives[name] = d
	}
}

// Exec applies the unit's [Service] assignments.
func (u *Unit) Exec() (*Exec, error) {
	e := &Exec{Bounding: allCaps, Type: "simple", unmodelled: map[string]*UnitError{}}
	for _, w := range u.Warnings {
		e.Notes = append(e.Notes, w)
	}
	for _, a := range u.Service {
		d, ok := directives[a.Key]
		if !ok {
			continue
		}
		if err := d(u, e, a); err != nil {
			return nil, err
		}
	}
	if err := u.checkExec(e); err != nil {
		return nil, err
	}
	e.finishSandbox()
	return e, nil
}

// checkExec refuses what systemd's service_verify refuses, and the
// settings fcap does not model.
func (u *Unit) checkExec(e *Exec) error {
	var first *UnitError
	for _, err := range e.unmodelled {
		if first == nil || err.Line < first.Line {
			first = err
		}
	}
	switch {
	case first != nil:
		return first
	case len(e.ExecStart) == 0:
		return &UnitError{Path: u.Path, Msg: "the service has no ExecStart= command: systemd refuses to load it"}
	case len(e.ExecStart) > 1 && e.Type != "oneshot":
		return &UnitError{Path: u.Path, Msg: fmt.Sprintf("%d ExecStart= commands, which systemd allows only for Type=oneshot", len(e.ExecStart))}
	}
	return nil
}

func (e *Exec) note(a Assignment, format string, args ...any) {
	e.Notes = append(e.Notes, fmt.Sprintf("line %d: %s=%s: %s", a.Line, a.Key, a.Value, fmt.Sprintf(format, args...)))
}

// userGroup is User= and Group=: one name or id, specifiers expanded; an
// invalid one makes the unit unloadable; empty resets.
func userGroup(field func(*Exec) *string) directive {
	return func(u *Unit, e *Exec, a Assignment) error {
		if a.Value == "" {
			*field(e) = ""
			return nil
		}
		v, err := u.checkedName(a, a.Value)
		*field(e) = v
		return err
	}
}

func (u *Unit) checkedName(a Assignment, s string) (string, error) {
	v, err := u.expand(s)
	if err != nil {
		return "", &UnitError{Path: u.Path, Line: a.Line, Msg: fmt.Sprintf("%s=: %v", a.Key, err)}
	}
	if !validUserGroupName(v) {
		return "", &UnitError{Path: u.Path, Line: a.Line, Msg: fmt.Sprintf("%s=: invalid user/group name or numeric id %q", a.Key, v)}
	}
	return v, nil
}

// supplementaryGroups accumulates names; empty resets the list.
func supplementaryGroups(u *Unit, e *Exec, a Assignment) error {
	if a.Value == "" {
		e.SupplementaryGroups = nil
		return nil
	}
	ws, err := words(a.Value, false)
	if err != nil {
		return &UnitError{Path: u.Path, Line: a.Line, Msg: fmt.Sprintf("SupplementaryGroups=: invalid syntax: %v", err)}
	}
	for _, w := range ws {
		v, err := u.checkedName(a, w)
		if err != nil {
			return err
		}
		e.SupplementaryGroups = append(e.SupplementaryGroups, v)
	}
	return nil
}

// capabilitySet is CapabilityBoundingSet= and AmbientCapabilities= as
// systemd 252's config_parse_capability_set: "~" inverts; a line whose
// list comes out empty, or the first line, replaces the set; later lines
// add (or, inverted, remove).
func capabilitySet(field func(*Exec) *model.Set, initial model.Set) directive {
	return func(_ *Unit, e *Exec, a Assignment) error {
		v, invert := strings.CutPrefix(a.Value, "~")
		sum, ignored := capList(v)
		if len(ignored) > 0 {
			e.note(a, "systemd skips %s, which name no capability", strings.Join(ignored, ", "))
		}
		if sum == 0 && v != "" {
			e.note(a, "no capability is left on the line: it resets the set to %s", map[bool]string{false: "empty", true: "all"}[invert])
		}
		set := field(e)
		switch {
		case sum == 0 || *set == initial:
			*set = sum
			if invert {
				*set = ^sum
			}
		case invert:
			*set &^= sum
		default:
			*set |= sum
		}
		return nil
	}
}

// boolean is a setting systemd reads with parse_boolean; a value it
// cannot read is ignored with a warning.
func boolean(set func(*Exec, bool)) directive {
	return func(_ *Unit, e *Exec, a Assignment) error {
		v, ok := parseBoolean(a.Value)
		if !ok {
			e.note(a, "not a boolean: systemd ignores the line")
			return nil
		}
		set(e, v)
		return nil
	}
}

func parseBoolean(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true, true
	case "0", "no", "n", "false", "f", "off":
		return false, true
	}
	return false, false
}

// secureBits is SecureBits= as systemd 252 reads it: each assignment
// replaces the bits (systemd.exec(5) says they are ORed; the code sets),
// unknown words are skipped, empty means none.
func secureBits(_ *Unit, e *Exec, a Assignment) error {
	names := map[string]cred.Securebits{
		"keep-caps": cred.SecbitKeepCaps, "keep-caps-locked": cred.SecbitKeepCapsLocked,
		"no-setuid-fixup": cred.SecbitNoSetuidFixup, "no-setuid-fixup-locked": cred.SecbitNoSetuidFixupLocked,
		"noroot": cred.SecbitNoroot, "noroot-locked": cred.SecbitNorootLocked,
	}
	ws, err := words(a.Value, false)
	var bits cred.Securebits
	for _, w := range ws {
		b, ok := names[w]
		if !ok {
			e.note(a, "systemd skips %q, which is not a securebit name", w)
		}
		bits |= b
	}
	if err != nil {
		e.note(a, "systemd stops at the quoting error")
	}
	if e.SecureBits != 0 && a.Value != "" {
		e.note(a, "replaces the bits of the earlier SecureBits= line (%s), as systemd 252 does", e.SecureBits)
	}
	e.SecureBits = bits
	return nil
}

// execStart appends the commands of an ExecStart= line; empty resets.
func execStart(u *Unit, e *Exec, a Assignment) error {
	if a.Value == "" {
		e.ExecStart = nil
		return nil
	}
	cmds, ignored, err := u.parseExec(a)
	if err != nil {
		return err
	}
	if ignored != "" {
		e.note(a, "%s", ignored)
	}
	e.ExecStart = append(e.ExecStart, cmds...)
	return nil
}

// execSearchPath is ExecSearchPath=: colon-separated absolute paths;
// empty resets.
func execSearchPath(u *Unit, e *Exec, a Assignment) error {
	if a.Value == "" {
		e.ExecSearchPath = nil
		return nil
	}
	v, err := u.expand(a.Value)
	if err != nil {
		return &UnitError{Path: u.Path, Line: a.Line, Msg: fmt.Sprintf("ExecSearchPath=: %v", err)}
	}
	for _, p := range strings.Split(v, ":") {
		if !strings.HasPrefix(p, "/") {
			e.note(a, "systemd skips %q, which is not an absolute path", p)
			continue
		}
		e.ExecSearchPath = append(e.ExecSearchPath, simplifyPath(p))
	}
	return nil
}

// unmodelled is a setting fcap cannot model when active (set to true, or
// to a non-empty value); an assignment that turns it off again lifts the
// refusal.
func unmodelled(what string, isBool bool) directive {
	return func(u *Unit, e *Exec, a Assignment) error {
		active := a.Value != ""
		if isBool {
			active, _ = parseBoolean(a.Value)
		}
		delete(e.unmodelled, a.Key)
		if active {
			e.unmodelled[a.Key] = &UnitError{Path: u.Path, Line: a.Line, Msg: fmt.Sprintf("%s=%s %s: fcap does not model it", a.Key, a.Value, what)}
		}
		return nil
	}
}
