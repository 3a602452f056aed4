package cred

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

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
