package model

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// ParseSet reads a capability set written as a comma list of names
// ("cap_net_raw,cap_chown", "net_raw"), "all" (0 to last), "none" or "",
// a hexadecimal mask with 0x ("0x2000"), or a mask of exactly 16 hex
// digits as /proc/PID/status shows it ("0000000000002000"). A bare
// number is refused: "0" could mean cap_chown or the empty mask, and
// "20" capability 20 or the mask 0x20, so fcap asks which.
func ParseSet(s string, last Cap) (Set, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "none":
		return 0, nil
	case "all":
		return UpTo(last), nil
	}
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		return parseMask(s, h)
	}
	if len(s) == 16 && isHex(s) {
		return parseMask(s, s)
	}
	var set Set
	for _, word := range strings.Split(s, ",") {
		c, err := parseSetWord(strings.TrimSpace(word))
		if err != nil {
			return 0, fmt.Errorf("invalid capability list %q: %w", s, err)
		}
		set |= SetOf(c)
	}
	return set, nil
}

func parseMask(s, digits string) (Set, error) {
	v, err := strconv.ParseUint(digits, 16, 64)
	if err != nil || !isHex(digits) {
		return 0, fmt.Errorf("invalid capability mask %q", s)
	}
	return Set(v), nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return s != ""
}

func parseSetWord(w string) (Cap, error) {
	if c, ok := LookupName(w); ok {
		return c, nil
	}
	if c, ok := LookupName("cap_" + w); ok {
		return c, nil
	}
	if _, err := strconv.ParseUint(w, 10, 64); err == nil {
		return 0, fmt.Errorf("a bare number (%s) is ambiguous: write a name (cap_chown), a mask with 0x (0x1), or the 16 hex digits /proc shows (0000000000000001)", w)
	}
	return 0, fmt.Errorf("unknown capability %q", w)
}

// Describe prints s compactly relative to the kernel's last capability:
// "none", "all", "all except cap_sys_resource", or a list of names.
func (s Set) Describe(last Cap) string {
	all := UpTo(last)
	switch {
	case s == 0:
		return "none"
	case s == all:
		return "all"
	case s&all == s && bits.OnesCount64(uint64(s)) > int(last)/2:
		return "all except " + (all &^ s).Names()
	}
	return s.Names()
}
