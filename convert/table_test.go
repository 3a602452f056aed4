package convert

import (
	"fcap/model"
	"sort"
	"strings"
	"testing"
)

// TestConvertTableWellFormed checks every entry: sorted unique names, a
// reason, and capability text that parses and can be stored in a file.
func TestConvertTableWellFormed(t *testing.T) {
	table := table
	if !sort.SliceIsSorted(table, func(i, j int) bool { return strings.ToLower(table[i].Name) < strings.ToLower(table[j].Name) }) {
		t.Error("table is not sorted by name")
	}
	seen := map[string]bool{}
	for _, e := range table {
		if seen[e.Name] {
			t.Errorf("%s: duplicate entry", e.Name)
		}
		seen[e.Name] = true
		if e.Reason == "" {
			t.Errorf("%s: no reason", e.Name)
		}
		if e.Refused() {
			continue
		}
		caps, err := model.ParseText(e.Caps, model.LastNamed)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		if _, err := caps.ToFile(0); err != nil {
			t.Errorf("%s: %q cannot be stored: %v", e.Name, e.Caps, err)
		}
		if caps.Permitted == 0 {
			t.Errorf("%s: %q grants nothing", e.Name, e.Caps)
		}
	}
}

func TestLookupConvert(t *testing.T) {
	tests := []struct {
		name    string
		found   bool
		caps    string // "" for a refusal
		refused bool
	}{
		{"ping", true, "cap_net_raw=ep", false},
		{"arping", true, "cap_net_raw=ep", false},
		{"clockdiff", true, "cap_net_raw=ep", false},
		{"mtr-packet", true, "cap_net_raw=ep", false},
		{"traceroute6", true, "cap_net_raw=ep", false},
		{"traceroute6.iputils", true, "cap_net_raw=ep", false},
		{"tcptraceroute", true, "cap_net_raw=ep", false},
		{"dumpcap", true, "cap_net_admin,cap_net_raw=ep", false},
		{"newuidmap", true, "cap_setuid=ep", false},
		{"newgidmap", true, "cap_setgid=ep", false},
		{"gst-ptp-helper", true, "cap_net_admin,cap_net_bind_service=ep", false},
		{"su", true, "", true},
		{"sudo", true, "", true},
		{"passwd", true, "", true},
		{"mount", true, "", true},
		{"umount", true, "", true},
		{"Xorg.wrap", true, "", true},
		{"true", false, "", false},
		{"PING", false, "", false},
		{".ping", false, "", false},
		{"", false, "", false},
	}
	for _, tt := range tests {
		e, ok := Lookup(tt.name)
		if ok != tt.found || e.Caps != tt.caps || e.Refused() != tt.refused && ok {
			t.Errorf("Lookup(%q) = %+v, %v; want found %v caps %q refused %v", tt.name, e, ok, tt.found, tt.caps, tt.refused)
		}
	}
}
