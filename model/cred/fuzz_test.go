package cred

import "testing"

// FuzzParseIDMap checks that ParseIDMap never panics, that what it
// accepts passes Check and prints back to an equal map, and that
// translating an id both ways is consistent.
func FuzzParseIDMap(f *testing.F) {
	for _, s := range []string{"0:1000:1,1:100000:65536", "0 0 4294967295", "         0       1000          1\n", "1:2:3,1:4:1"} {
		f.Add(s, uint32(1000))
	}
	f.Fuzz(func(t *testing.T, s string, id uint32) {
		m, err := ParseIDMap(s)
		if err != nil {
			return
		}
		if err := m.Check(); err != nil {
			t.Fatalf("ParseIDMap(%q) accepted a map Check refuses: %v", s, err)
		}
		back, err := ParseIDMap(m.String())
		if err != nil || back.String() != m.String() {
			t.Fatalf("ParseIDMap(%q) = %s, which reads back as %v, %v", s, m, back, err)
		}
		if k, ok := m.Outside(id); ok {
			if in, ok := m.Inside(k); !ok || in != id {
				t.Fatalf("map %s: %d → %d → %d, %v", m, id, k, in, ok)
			}
		}
	})
}
