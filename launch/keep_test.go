package launch

import (
	"errors"
	"strings"
	"testing"

	"fcap/model"
)

func TestParseKeptMapsTextToAmbientAndInheritable(t *testing.T) {
	const last = 40
	nbs, chown, raw, kill := model.CapNetBindService, model.CapChown, model.CapNetRaw, model.CapKill
	tests := []struct {
		text   string
		adjust []string
		want   Kept
	}{
		{"", nil, Kept{}},
		{"cap_net_bind_service+ep", nil, Kept{Ambient: model.SetOf(nbs), Inheritable: model.SetOf(nbs)}},
		{"CAP_NET_BIND_SERVICE=eip", nil, Kept{Ambient: model.SetOf(nbs), Inheritable: model.SetOf(nbs)}},
		{"cap_net_raw+i", nil, Kept{Inheritable: model.SetOf(raw)}},
		{"cap_chown+ep cap_net_raw+i", nil, Kept{Ambient: model.SetOf(chown), Inheritable: model.SetOf(chown, raw)}},
		{"cap_net_bind_service,cap_chown+ep", []string{"-CAP_CHOWN"}, Kept{Ambient: model.SetOf(nbs), Inheritable: model.SetOf(nbs)}},
		{"", []string{"+cap_kill -net_raw", "+NET_RAW"}, Kept{Ambient: model.SetOf(kill, raw), Inheritable: model.SetOf(kill, raw)}},
		{"cap_net_raw+ep", []string{"-cap_net_raw"}, Kept{}},
		{"=ep", []string{"-all"}, Kept{}},
	}
	for _, tt := range tests {
		got, err := ParseKept(tt.text, tt.adjust, last)
		if err != nil || got != tt.want {
			t.Errorf("ParseKept(%q, %q) = %+v, %v; want %+v", tt.text, tt.adjust, got, err, tt.want)
		}
	}
}

func TestParseKeptRefusesWhatCannotBeKept(t *testing.T) {
	tests := []struct {
		text   string
		adjust []string
		want   string
	}{
		{"cap_kill+p", nil, "permitted without effective cannot survive exec"},
		{"cap_kill+e", nil, "effective without permitted"},
		{"cap_kill+pi", nil, "write cap_kill+ep"},
		{"41+ep", nil, "does not have 41"},
		{"cap_bogus+ep", nil, `unknown capability "cap_bogus"`},
		{"", []string{"cap_chown"}, `"+NAME" or "-NAME"`},
		{"", []string{"+"}, `"+NAME" or "-NAME"`},
		{"", []string{"+cap_bogus"}, `unknown capability "cap_bogus"`},
		{"", []string{"+0x2000"}, `unknown capability "0x2000"`},
	}
	for _, tt := range tests {
		_, err := ParseKept(tt.text, tt.adjust, 40)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseKept(%q, %q) = %v, want an error with %q", tt.text, tt.adjust, err, tt.want)
		}
		var te *model.TextError
		var ke *KeptError
		if err != nil && !errors.As(err, &te) && !errors.As(err, &ke) {
			t.Errorf("ParseKept(%q, %q): error %T is neither a TextError nor a KeptError", tt.text, tt.adjust, err)
		}
	}
}

// FuzzParseKept checks that ParseKept never panics, that its errors are
// typed, and that what it accepts holds its invariants: every kept
// capability is inheritable too, and none is above the kernel's last.
func FuzzParseKept(f *testing.F) {
	f.Add("cap_net_bind_service+ep", "+cap_chown -CAP_NET_RAW")
	f.Add("cap_net_raw+i =ep cap_kill-ep", "+all -none")
	f.Add("63+ep", "-")
	f.Fuzz(func(t *testing.T, text, adjust string) {
		k, err := ParseKept(text, []string{adjust}, 40)
		if err != nil {
			var te *model.TextError
			var ke *KeptError
			if !errors.As(err, &te) && !errors.As(err, &ke) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if k.Ambient&^k.Inheritable != 0 || k.All()&^model.UpTo(40) != 0 {
			t.Fatalf("ParseKept(%q, %q) = %+v breaks an invariant", text, adjust, k)
		}
	})
}
