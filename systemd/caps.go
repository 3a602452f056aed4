package systemd

import (
	"math"
	"strings"

	"fcap/model"
)

// allCaps is systemd's CAP_ALL, the default bounding set: every bit.
const allCaps = model.Set(math.MaxUint64)

// capList reads a capability list as systemd 252's
// capability_set_from_string: words (quotes removed) are capability names
// in any case ("CAP_NET_RAW", "cap_net_raw") or numbers from 0 to 63.
// systemd skips other words without a warning, and stops at a quoting
// error: those are returned in ignored.
func capList(value string) (set model.Set, ignored []string) {
	ws, err := words(value, false)
	for _, w := range ws {
		if c, ok := capFromName(w); ok {
			set |= model.SetOf(c)
		} else {
			ignored = append(ignored, w)
		}
	}
	if err != nil {
		ignored = append(ignored, "everything after a quoting error")
	}
	return set, ignored
}

// capFromName is systemd's capability_from_name: a number (see safeAtoi)
// from 0 to 63, or a name starting with "CAP_" in any case.
func capFromName(w string) (model.Cap, bool) {
	if n, ok := safeAtoi(w); ok {
		return model.Cap(n), n >= 0 && n < 64
	}
	if len(w) < 4 || !strings.EqualFold(w[:4], "cap_") {
		return 0, false
	}
	return model.LookupName(w)
}

// safeAtoi reads an int as systemd's safe_atoi: leading whitespace, an
// optional "0b" or "0o" prefix, then what strtol with base 0 reads (a
// sign, "0x" hex, a leading 0 for octal), nothing after, within an int.
func safeAtoi(s string) (int64, bool) {
	s = strings.TrimLeft(s, whitespace)
	base := 0
	if len(s) >= 2 && s[0] == '0' {
		switch s[1] {
		case 'b', 'B':
			base, s = 2, s[2:]
		case 'o', 'O':
			base, s = 8, s[2:]
		}
	}
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	if base == 0 {
		switch {
		case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
			base, s = 16, s[2:]
		case len(s) >= 2 && s[0] == '0':
			base = 8
		default:
			base = 10
		}
	}
	if s == "" {
		return 0, false
	}
	var n int64
	for _, c := range []byte(s) {
		d := digitValue(c)
		if d < 0 || d >= base {
			return 0, false
		}
		if n = n*int64(base) + int64(d); n > math.MaxInt32+1 {
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, n >= math.MinInt32 && n <= math.MaxInt32
}

func digitValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}
