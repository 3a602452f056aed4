// Package procstatus parses the text of /proc/PID/status into a process's
// credentials (package cred). It performs no I/O: callers read the file.
package procstatus

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fcap/model"
	"fcap/model/cred"
)

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

// statusFields are the fields Parse needs, with how to store each.
var statusFields = map[string]func(*cred.State, string) error{
	"Uid":        func(p *cred.State, v string) error { return parseIDs(v, &p.UID, &p.EUID, &p.SUID, &p.FSUID) },
	"Gid":        func(p *cred.State, v string) error { return parseIDs(v, &p.GID, &p.EGID, &p.SGID, &p.FSGID) },
	"Groups":     func(p *cred.State, v string) (err error) { p.Groups, err = parseGroups(v); return err },
	"CapInh":     func(p *cred.State, v string) error { return parseCapHex(v, &p.Inheritable) },
	"CapPrm":     func(p *cred.State, v string) error { return parseCapHex(v, &p.Permitted) },
	"CapEff":     func(p *cred.State, v string) error { return parseCapHex(v, &p.Effective) },
	"CapBnd":     func(p *cred.State, v string) error { return parseCapHex(v, &p.Bounding) },
	"CapAmb":     func(p *cred.State, v string) error { return parseCapHex(v, &p.Ambient) },
	"NoNewPrivs": func(p *cred.State, v string) error { return parseFlag(v, &p.NoNewPrivs) },
}

// statusOrder lists statusFields in the order /proc shows them, so that
// the first missing one is reported deterministically.
var statusOrder = []string{"Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"}

// Parse parses the text of /proc/PID/status. It is strict: every
// field it needs (Uid, Gid, Groups, CapInh, CapPrm, CapEff, CapBnd, CapAmb,
// NoNewPrivs) must appear exactly once and be well formed, and every line
// must have the "Name:" form; other fields are ignored. Errors are
// *StatusError values naming the field. Securebits are left zero.
func Parse(b []byte) (cred.State, error) {
	var p cred.State
	seen := make(map[string]bool, len(statusFields))
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		name, value, ok := strings.Cut(string(line), ":")
		if !ok {
			return cred.State{}, &StatusError{Field: "line " + strconv.Itoa(i+1), Err: errors.New("no \"Name:\" prefix")}
		}
		set, known := statusFields[name]
		if !known {
			continue
		}
		if seen[name] {
			return cred.State{}, &StatusError{Field: name, Err: ErrDuplicateField}
		}
		seen[name] = true
		if err := set(&p, strings.TrimSpace(value)); err != nil {
			return cred.State{}, &StatusError{Field: name, Err: err}
		}
	}
	for _, name := range statusOrder {
		if !seen[name] {
			return cred.State{}, &StatusError{Field: name, Err: ErrMissingField}
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
func parseCapHex(v string, s *model.Set) error {
	if v == "" || len(v) > 16 || strings.TrimLeft(v, "0123456789abcdefABCDEF") != "" {
		return fmt.Errorf("%q is not a 64-bit hex capability set", v)
	}
	n, err := strconv.ParseUint(v, 16, 64)
	if err != nil {
		return fmt.Errorf("capability set %q: %w", v, err)
	}
	*s = model.Set(n)
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
