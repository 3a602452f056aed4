package model

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// ParseSet reads a capability set written as a comma list of names or
// numbers ("cap_net_raw,cap_chown"), "all" (0 to last), "none" or "", or
// a hexadecimal mask ("0x2000").
func ParseSet(s string, last Cap) (Set, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "none":
		return 0, nil
	case "all":
		return UpTo(last), nil
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		v, err := strconv.ParseUint(s[2:], 16, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid capability mask %q", s)
		}
		return Set(v), nil
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

func parseSetWord(w string) (Cap, error) {
	if c, ok := LookupName(w); ok {
		return c, nil
	}
	if c, ok := LookupName("cap_" + w); ok {
		return c, nil
	}
	n, err := strconv.ParseUint(w, 10, 8)
	if err != nil || n > uint64(MaxCap) {
		return 0, fmt.Errorf("unknown capability %q", w)
	}
	return Cap(n), nil
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
