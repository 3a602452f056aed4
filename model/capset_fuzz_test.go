package model

import (
	"strings"
	"testing"
)

// FuzzParseSet checks that ParseSet never panics, never reads a bare
// number, and that what it accepts as a list of names reads back from
// its Names.
func FuzzParseSet(f *testing.F) {
	for _, s := range []string{"cap_net_raw,cap_chown", "0x2000", "0000000000002000", "0", "all", "none", "net_raw, kill"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseSet(s, 40)
		if err != nil {
			return
		}
		w := strings.TrimSpace(s)
		if isDecimal(w) && len(w) != 16 {
			t.Fatalf("ParseSet(%q) = %s: a bare number was read", s, set.Hex())
		}
		if set&^UpTo(LastNamed) == 0 && set != 0 {
			back, err := ParseSet(set.Names(), 40)
			if err != nil || back != set {
				t.Fatalf("ParseSet(%q) = %s; its names %q read back as %s, %v", s, set.Hex(), set.Names(), back.Hex(), err)
			}
		}
	})
}

func isDecimal(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
