package model

import "testing"

func TestParseSetAcceptsListsWordsAndMasks(t *testing.T) {
	tests := []struct {
		in   string
		want Set
	}{
		{"", 0},
		{"none", 0},
		{"all", UpTo(40)},
		{"ALL", UpTo(40)},
		{"0x2000", SetOf(CapNetRaw)},
		{"cap_net_raw,cap_chown", SetOf(CapNetRaw, CapChown)},
		{"CAP_NET_RAW", SetOf(CapNetRaw)},
		{"net_raw", SetOf(CapNetRaw)},
		{"0X2000", SetOf(CapNetRaw)},
		{"0000000000002000", SetOf(CapNetRaw)},
		{"000001ffffffffff", UpTo(40)},
		{"0x8000000000000000", SetOf(63)},
		{"cap_net_raw, cap_kill", SetOf(CapNetRaw, CapKill)},
	}
	for _, tt := range tests {
		got, err := ParseSet(tt.in, 40)
		if err != nil || got != tt.want {
			t.Errorf("ParseSet(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSetRefusesUnknownWordsAndBareNumbers(t *testing.T) {
	for _, in := range []string{"cap_bogus", "64", "0xzz", "cap_net_raw,,cap_chown", "-1", "0x", "0x+1",
		"0", "20", "13,63", "cap_chown,1", "000000000000002", "00000000000000200"} {
		if _, err := ParseSet(in, 40); err == nil {
			t.Errorf("ParseSet(%q) succeeded", in)
		}
	}
}

func TestDescribeIsCompact(t *testing.T) {
	tests := []struct {
		s    Set
		want string
	}{
		{0, "none"},
		{UpTo(40), "all"},
		{UpTo(40) &^ SetOf(CapSysResource), "all except cap_sys_resource"},
		{SetOf(CapNetRaw), "cap_net_raw"},
		{SetOf(CapNetRaw, 63), "cap_net_raw,63"},
	}
	for _, tt := range tests {
		if got := tt.s.Describe(40); got != tt.want {
			t.Errorf("Describe(%#x) = %q, want %q", uint64(tt.s), got, tt.want)
		}
	}
}
