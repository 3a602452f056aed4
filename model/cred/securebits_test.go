package cred

import "testing"

func TestParseSecurebitsAcceptsNumbersAndNames(t *testing.T) {
	tests := []struct {
		in   string
		want Securebits
	}{
		{"0", 0},
		{"none", 0},
		{"47", SecbitNoroot | SecbitNorootLocked | SecbitNoSetuidFixup | SecbitNoSetuidFixupLocked | SecbitKeepCapsLocked},
		{"0x2f", 0x2f},
		{"0X10", SecbitKeepCaps},
		{"noroot", SecbitNoroot},
		{"noroot,noroot-locked", 3},
		{" keep-caps , no-cap-ambient-raise-locked ", SecbitKeepCaps | SecbitNoCapAmbientRaiseLocked},
		{"no-setuid-fixup,no-setuid-fixup-locked", 0xc},
		{"no-cap-ambient-raise", 1 << 6},
		{"SECBIT_NOROOT_LOCKED,SECBIT_KEEP_CAPS", SecbitNorootLocked | SecbitKeepCaps},
		{"exec-restrict-file,exec-deny-interactive-locked", 1<<8 | 1<<11},
		{"0xfff", AllSecurebits},
	}
	for _, tt := range tests {
		got, err := ParseSecurebits(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSecurebits(%q) = %#x, %v; want %#x", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSecurebitsRejectsUnknownInput(t *testing.T) {
	for _, in := range []string{"", " ", "0x1000", "4096", "-1", "+1", "0x", "1_0", "root", "noroot,", "noroot,bogus", "0b11", "3 4"} {
		if got, err := ParseSecurebits(in); err == nil {
			t.Errorf("ParseSecurebits(%q) = %#x, want an error", in, got)
		}
	}
}

func TestSecurebitsStringRoundTrips(t *testing.T) {
	for b := Securebits(0); b <= AllSecurebits; b++ {
		got, err := ParseSecurebits(b.String())
		if err != nil || got != b {
			t.Fatalf("ParseSecurebits(%q) = %#x, %v; want %#x", b.String(), got, err, b)
		}
	}
	if s := (SecbitNoroot | SecbitKeepCaps).String(); s != "noroot,keep-caps" {
		t.Errorf("String = %q", s)
	}
	if s := Securebits(1 << 20).String(); s != "0x100000" {
		t.Errorf("String of an unknown bit = %q", s)
	}
}
