package launch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
	"fcap/model"
	"fcap/model/cred"
)

const testLast = model.Cap(40)

// rootFacts is root with every capability but cap_sys_resource, as on
// a machine whose bounding set lacks it.
func rootFacts() Facts {
	all := model.UpTo(testLast) &^ model.SetOf(model.CapSysResource)
	return Facts{LastCap: testLast, Self: cred.State{Permitted: all, Effective: all, Bounding: all}}
}

func TestComputePlansTheStateBeforeExec(t *testing.T) {
	in := Intent{User: "40001", Group: "40002", Caps: "cap_net_bind_service+ep cap_net_raw+i", Program: "/bin/true"}
	p, err := Compute(in, rootFacts())
	if err != nil {
		t.Fatal(err)
	}
	nbs, raw := model.SetOf(model.CapNetBindService), model.SetOf(model.CapNetRaw)
	want := cred.State{UID: 40001, EUID: 40001, SUID: 40001, FSUID: 40001, GID: 40002, EGID: 40002, SGID: 40002, FSGID: 40002,
		Inheritable: nbs | raw, Permitted: nbs, Effective: nbs, Ambient: nbs, Bounding: nbs | raw, Securebits: RootRevoked}
	if d := p.Parent.Diff(want); len(d) > 0 {
		t.Errorf("Parent differs: %v", d)
	}
	child := p.Report.Result.Child
	if child.Permitted != nbs || child.Effective != nbs || child.Inheritable != nbs|raw || child.EUID != 40001 {
		t.Errorf("predicted child: %+v", child)
	}
}

func TestComputeRefusesWhatFcapCannotDo(t *testing.T) {
	none := cred.Securebits(0)
	unprivileged := Facts{LastCap: testLast, Self: cred.State{UID: 1000, EUID: 1000, Bounding: model.UpTo(testLast)}}
	tests := []struct {
		name  string
		in    Intent
		facts Facts
		set   string
		miss  model.Set
		why   string
	}{
		{"keep beyond the bounding set", Intent{Caps: "cap_sys_resource+ep"}, rootFacts(), "bounding", model.SetOf(model.CapSysResource), "never grows back"},
		{"keep beyond the permitted set", Intent{Caps: "cap_kill+ep", Securebits: &none, KeepBounding: true}, unprivileged, "permitted", model.SetOf(model.CapKill), "does not have"},
		{"switch users without cap_setuid", Intent{User: "40001", Group: "40001", Securebits: &none, KeepBounding: true}, unprivileged, "permitted",
			model.SetOf(model.CapSetuid, model.CapSetgid), "cap_setuid to switch to uid 40001; cap_setgid to set gid 40001"},
		{"revoke root without cap_setpcap", Intent{}, unprivileged, "permitted", model.SetOf(model.CapSetpcap), "cap_setpcap to drop all from the bounding set and to set securebits"},
	}
	for _, tt := range tests {
		tt.in.Program = "/bin/true"
		_, err := Compute(tt.in, tt.facts)
		var me *MissingCapsError
		if !errors.As(err, &me) || me.Set != tt.set || me.Missing != tt.miss || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("%s: err = %v, want %s set lacking %s (%q)", tt.name, err, tt.set, tt.miss.Names(), tt.why)
		}
	}
}

func TestComputeRefusesMissingPrograms(t *testing.T) {
	for _, prog := range []string{"no-such-program-fcap", "/no/such/program", "/etc"} {
		_, err := Compute(Intent{Program: prog}, rootFacts())
		var pe *PlanError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "program "+prog) {
			t.Errorf("Compute(%s): err = %v, want a PlanError naming it", prog, err)
		}
	}
}

// TestComputeRefusesAnExecThatFails: a file with cap_sys_admin=ep run
// with the bounding set cut to nothing fails with EPERM; fcap says so
// instead of switching.
func TestComputeRefusesAnExecThatFails(t *testing.T) {
	// A directory user 40001 may search: the prediction checks it.
	testenv.RequireRoot(t)
	dir := testenv.PublicDir(t)
	if err := testenv.CanStoreCaps(dir); err != nil {
		t.Skip(err)
	}
	prog := filepath.Join(dir, "admin")
	if err := os.WriteFile(prog, []byte("\x7fELF"), 0o755); err != nil {
		t.Fatal(err)
	}
	sysAdminEP := []byte{0x01, 0, 0, 0x02, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if err := unix.Setxattr(prog, "security.capability", sysAdminEP, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Compute(Intent{User: "40001", Group: "40001", Program: prog}, rootFacts())
	var ef *ExecFailsError
	if !errors.As(err, &ef) || ef.Errno != "EPERM" || !strings.Contains(err.Error(), "cap_sys_admin") {
		t.Errorf("err = %v, want an ExecFailsError with EPERM naming cap_sys_admin", err)
	}
}

func TestComputeWarnsAboutWhatStaysRisky(t *testing.T) {
	none := cred.Securebits(0)
	tests := []struct {
		name string
		in   Intent
		want string // "" for no warning at all
	}{
		{"staying uid 0 with less", Intent{Caps: "cap_chown+ep"}, "capabilities are exclusive, not cumulative"},
		{"root kept whole", Intent{Securebits: &none, KeepBounding: true}, "root is not revoked"},
		{"a capability that regains privileges", Intent{User: "40001", Group: "1", Caps: "cap_setuid+ep"}, "kept cap_setuid"},
		{"nothing risky", Intent{User: "40001", Group: "1", Caps: "cap_net_bind_service+ep"}, ""},
	}
	for _, tt := range tests {
		tt.in.Program = "/bin/true"
		p, err := Compute(tt.in, rootFacts())
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := strings.Join(p.Report.Warnings, "\n")
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: warnings %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestComputeRefusesAnElevatedFcap(t *testing.T) {
	facts := rootFacts()
	facts.Elevated = true
	if _, err := Compute(Intent{User: "40001", Group: "1", Program: "/bin/true"}, facts); !errors.Is(err, ErrElevated) {
		t.Errorf("err = %v, want ErrElevated", err)
	}
}
