package model

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ProcState is the part of a process's credentials that execve reads and
// changes: its user and group ids, supplementary groups, the five
// capability sets, its securebits and its no_new_privs flag.
type ProcState struct {
	UID, EUID, SUID, FSUID uint32
	GID, EGID, SGID, FSGID uint32
	// Groups are the supplementary groups, as /proc lists them.
	Groups []uint32

	Inheritable, Permitted, Effective, Ambient, Bounding Set

	// Securebits are not shown in /proc/PID/status: ParseStatus leaves
	// them zero and the caller fills them in when it knows them.
	Securebits Securebits
	NoNewPrivs bool
}

// InGroup reports whether gid is the process's fsgid or one of its
// supplementary groups, the kernel's in_group_p test.
func (p ProcState) InGroup(gid uint32) bool {
	return gid == p.FSGID || slices.Contains(p.Groups, gid)
}

// StatusError is a missing or malformed field of /proc/PID/status.
type StatusError struct {
	Field string // the field's name, such as "CapPrm", or "line 3"
	Err   error
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("status field %s: %v", e.Field, e.Err)
}

func (e *StatusError) Unwrap() error { return e.Err }

// Errors wrapped by StatusError.
var (
	ErrMissingField   = errors.New("missing")
	ErrDuplicateField = errors.New("appears more than once")
)

// statusFields are the fields ParseStatus needs, with how to store each.
var statusFields = map[string]func(*ProcState, string) error{
	"Uid":        func(p *ProcState, v string) error { return parseIDs(v, &p.UID, &p.EUID, &p.SUID, &p.FSUID) },
	"Gid":        func(p *ProcState, v string) error { return parseIDs(v, &p.GID, &p.EGID, &p.SGID, &p.FSGID) },
	"Groups":     func(p *ProcState, v string) (err error) { p.Groups, err = parseGroups(v); return err },
	"CapInh":     func(p *ProcState, v string) error { return parseCapHex(v, &p.Inheritable) },
	"CapPrm":     func(p *ProcState, v string) error { return parseCapHex(v, &p.Permitted) },
	"CapEff":     func(p *ProcState, v string) error { return parseCapHex(v, &p.Effective) },
	"CapBnd":     func(p *ProcState, v string) error { return parseCapHex(v, &p.Bounding) },
	"CapAmb":     func(p *ProcState, v string) error { return parseCapHex(v, &p.Ambient) },
	"NoNewPrivs": func(p *ProcState, v string) error { return parseFlag(v, &p.NoNewPrivs) },
}

// statusOrder lists statusFields in the order /proc shows them, so that
// the first missing one is reported deterministically.
var statusOrder = []string{"Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"}

// ParseStatus parses the text of /proc/PID/status. It is strict: every
// field it needs (Uid, Gid, Groups, CapInh, CapPrm, CapEff, CapBnd, CapAmb,
// NoNewPrivs) must appear exactly once and be well formed, and every line
// must have the "Name:" form; other fields are ignored. Errors are
// *StatusError values naming the field. Securebits are left zero.
func ParseStatus(b []byte) (ProcState, error) {
	var p ProcState
	seen := make(map[string]bool, len(statusFields))
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		name, value, ok := strings.Cut(string(line), ":")
		if !ok {
			return ProcState{}, &StatusError{Field: "line " + strconv.Itoa(i+1), Err: errors.New("no \"Name:\" prefix")}
		}
		set, known := statusFields[name]
		if !known {
			continue
		}
		if seen[name] {
			return ProcState{}, &StatusError{Field: name, Err: ErrDuplicateField}
		}
		seen[name] = true
		if err := set(&p, strings.TrimSpace(value)); err != nil {
			return ProcState{}, &StatusError{Field: name, Err: err}
		}
	}
	for _, name := range statusOrder {
		if !seen[name] {
			return ProcState{}, &StatusError{Field: name, Err: ErrMissingField}
		}
	}
	return p, nil
}

// parseIDs parses the four whitespace-separated ids of a Uid or Gid line.
func parseIDs(v string, ids ...*uint32) error {
	f := strings.Fields(v)
	if len(f) != len(ids) {
		return fmt.Errorf("want %d ids, got %d in %q", len(ids), len(f), v)
	}
	for i, s := range f {
		n, err := parseID(s)
		if err != nil {
			return err
		}
		*ids[i] = n
	}
	return nil
}

// parseGroups parses a possibly empty list of group ids.
func parseGroups(v string) ([]uint32, error) {
	f := strings.Fields(v)
	if len(f) == 0 {
		return nil, nil
	}
	out := make([]uint32, len(f))
	for i, s := range f {
		n, err := parseID(s)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// parseID parses one decimal 32-bit id.
func parseID(s string) (uint32, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("id %q is not a decimal number", s)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("id %q: %w", s, err)
	}
	return uint32(n), nil
}

// parseCapHex parses a set shown as 1 to 16 hex digits, without prefix.
func parseCapHex(v string, s *Set) error {
	if v == "" || len(v) > 16 || strings.TrimLeft(v, "0123456789abcdefABCDEF") != "" {
		return fmt.Errorf("%q is not a 64-bit hex capability set", v)
	}
	n, err := strconv.ParseUint(v, 16, 64)
	if err != nil {
		return fmt.Errorf("capability set %q: %w", v, err)
	}
	*s = Set(n)
	return nil
}

// parseFlag parses "0" or "1".
func parseFlag(v string, b *bool) error {
	switch v {
	case "0":
		*b = false
	case "1":
		*b = true
	default:
		return fmt.Errorf("%q is not 0 or 1", v)
	}
	return nil
}

// Securebits are a process's securebits (prctl PR_GET_SECUREBITS): each
// flag has a "locked" companion bit just above it that freezes it.
type Securebits uint32

// The securebits, as in <linux/securebits.h>.
const (
	// SecbitNoroot: uid 0 gets no special capabilities at exec.
	SecbitNoroot Securebits = 1 << iota
	SecbitNorootLocked
	// SecbitNoSetuidFixup: set*uid() calls leave the capability sets
	// alone. Exec ignores it.
	SecbitNoSetuidFixup
	SecbitNoSetuidFixupLocked
	// SecbitKeepCaps: permitted survives a set*uid() away from uid 0.
	// The kernel clears it at exec.
	SecbitKeepCaps
	SecbitKeepCapsLocked
	// SecbitNoCapAmbientRaise: PR_CAP_AMBIENT_RAISE is refused. Exec
	// ignores it: an existing ambient set is still inherited.
	SecbitNoCapAmbientRaise
	SecbitNoCapAmbientRaiseLocked
	// SecbitExecRestrictFile and SecbitExecDenyInteractive (Linux 6.14+)
	// are advice to script interpreters; exec ignores them.
	SecbitExecRestrictFile
	SecbitExecRestrictFileLocked
	SecbitExecDenyInteractive
	SecbitExecDenyInteractiveLocked
)

// AllSecurebits holds every securebit fcap knows.
const AllSecurebits Securebits = 1<<12 - 1

var securebitNames = [...]string{
	"noroot", "noroot-locked",
	"no-setuid-fixup", "no-setuid-fixup-locked",
	"keep-caps", "keep-caps-locked",
	"no-cap-ambient-raise", "no-cap-ambient-raise-locked",
	"exec-restrict-file", "exec-restrict-file-locked",
	"exec-deny-interactive", "exec-deny-interactive-locked",
}

// String returns b as a comma-separated list of names
// ("noroot,noroot-locked"), "none" when it is zero; unknown bits are
// added as a hex number.
func (b Securebits) String() string {
	if b == 0 {
		return "none"
	}
	var names []string
	for i, n := range securebitNames {
		if b&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if rest := b &^ AllSecurebits; rest != 0 {
		names = append(names, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(names, ",")
}

// ParseSecurebits parses securebits written as a number (decimal, or hex
// with a 0x prefix) or as a comma-separated list of names: noroot,
// no-setuid-fixup, keep-caps, no-cap-ambient-raise, exec-restrict-file,
// exec-deny-interactive, each optionally with "-locked"; "none" is zero.
// Names ignore case and may be spelt as in C (SECBIT_NOROOT_LOCKED).
func ParseSecurebits(s string) (Securebits, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("securebits: empty value")
	}
	if s[0] >= '0' && s[0] <= '9' {
		return parseSecurebitsNumber(s)
	}
	var b Securebits
	for _, word := range strings.Split(s, ",") {
		bit, err := lookupSecurebit(word)
		if err != nil {
			return 0, err
		}
		b |= bit
	}
	return b, nil
}

// parseSecurebitsNumber parses a decimal or 0x-prefixed hex number that
// may only hold known bits.
func parseSecurebitsNumber(s string) (Securebits, error) {
	digits, base := s, 10
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		digits, base = h, 16
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || strings.ContainsAny(digits, "+-_") {
		return 0, fmt.Errorf("securebits: %q is not a decimal or 0x hex number", s)
	}
	if b := Securebits(n); b&^AllSecurebits != 0 {
		return 0, fmt.Errorf("securebits: %q has unknown bits 0x%x", s, uint32(b&^AllSecurebits))
	}
	return Securebits(n), nil
}

// lookupSecurebit finds one securebit by name; "none" is zero.
func lookupSecurebit(word string) (Securebits, error) {
	w := strings.ToLower(strings.TrimSpace(word))
	w = strings.ReplaceAll(strings.TrimPrefix(w, "secbit_"), "_", "-")
	if w == "none" {
		return 0, nil
	}
	for i, n := range securebitNames {
		if n == w {
			return 1 << i, nil
		}
	}
	return 0, fmt.Errorf("securebits: unknown name %q (want noroot, no-setuid-fixup, keep-caps, no-cap-ambient-raise, exec-restrict-file, exec-deny-interactive, optionally with -locked)", strings.TrimSpace(word))
}
