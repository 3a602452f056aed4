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

// TestLaunchedStateEqualsPrediction launches the probe for several
// intents and compares its /proc/self/status and securebits with the
// plan's prediction, computed in the test from the same facts.
func TestLaunchedStateEqualsPrediction(t *testing.T) {
	testenv.RequireRoot(t)
	self := selfCopy(t)
	none := cred.Securebits(0)
	tests := []struct {
		name string
		in   Intent
	}{
		{"nobody keeps cap_net_bind_service", Intent{User: "nobody", Caps: "cap_net_bind_service+ep"}},
		{"nobody keeps nothing", Intent{User: "nobody"}},
		{"numeric ids without a database entry", Intent{User: "40001", Group: "40002", GroupsMode: GroupsList, Groups: []string{"40003", "5"}}},
		{"root keeps cap_chown, inheritable cap_net_raw", Intent{User: "root", Caps: "cap_chown+ep cap_net_raw+i"}},
		{"ProFTPD adjustments", Intent{User: "daemon", Caps: "cap_net_bind_service,cap_chown+ep", Adjust: []string{"-CAP_CHOWN +cap_kill"}}},
		{"keep bounding, no_new_privs, no securebits", Intent{User: "nobody", Caps: "cap_kill+ep", KeepBounding: true, NoNewPrivs: true, Securebits: &none}},
		{"no user: fcap's ids, reduced caps", Intent{Caps: "cap_sys_chroot+ep"}},
	}
	facts, err := ReadFacts()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Program = self
			p, err := Compute(in, facts)
			if err != nil {
				t.Fatal(err)
			}
			got, code, stderr := launchProbe(t, self, tt.in)
			if code != 0 {
				t.Fatalf("launcher exit %d: %s", code, stderr)
			}
			if d := got.Diff(p.Report.Result.Child); len(d) > 0 {
				t.Errorf("launched state differs from the prediction:\n  %s", strings.Join(d, "\n  "))
			}
		})
	}
}

// TestRefusedBeforeAnythingChanges checks the errors New reports: the
// launcher exits with 2 (plan refused) and the message names the cause.
func TestRefusedBeforeAnythingChanges(t *testing.T) {
	testenv.RequireRoot(t)
	self := selfCopy(t)
	facts, err := ReadFacts()
	if err != nil {
		t.Fatal(err)
	}
	var absent string
	if m := model.UpTo(facts.LastCap) &^ facts.Self.Bounding; m != 0 {
		absent = m.Caps()[0].String()
	}
	tests := []struct {
		name string
		in   Intent
		want string
	}{
		{"unknown user", Intent{User: "no-such-user-fcap"}, `user "no-such-user-fcap"`},
		{"uid without entry needs a group", Intent{User: "40001"}, "give the group too"},
		{"capability above the kernel's last", Intent{User: "nobody", Caps: "63+ep"}, "does not have 63"},
		{"permitted without effective", Intent{User: "nobody", Caps: "cap_kill+p"}, "cannot survive exec"},
		{"unknown adjustment", Intent{User: "nobody", Adjust: []string{"+cap_bogus"}}, `unknown capability "cap_bogus"`},
	}
	if absent != "" {
		tests = append(tests, struct {
			name string
			in   Intent
			want string
		}{"not in fcap's bounding set", Intent{User: "nobody", Caps: absent + "+ep"}, "bounding set lacks " + absent})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, code, stderr := launchProbe(t, self, tt.in)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestRehearsalLeavesFcapUnchanged plans launches in the test process
// itself: the rehearsal runs on a thread that is thrown away, so every
// thread of the process keeps its credentials, whether the plan is
// accepted or refused (here: a program only root may execute).
func TestRehearsalLeavesFcapUnchanged(t *testing.T) {
	testenv.RequireRoot(t)
	before, err := ReadFacts()
	if err != nil {
		t.Fatal(err)
	}
	private := filepath.Join(testenv.PublicDir(t), "private")
	if err := os.WriteFile(private, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Intent{User: "nobody", Caps: "cap_net_bind_service+ep", NoNewPrivs: true, Program: "/bin/true"}); err != nil {
		t.Fatalf("New: %v", err)
	}
	_, err = New(Intent{User: "nobody", Program: private})
	// explain's prediction refuses it before the rehearsal does.
	var ne *NotExecutableError
	var ef *ExecFailsError
	if !(errors.As(err, &ne) && ne.UID == 65534 && errors.Is(err, unix.EACCES)) && !(errors.As(err, &ef) && ef.Errno == "EACCES") {
		t.Errorf("New(program mode 0700) = %v, want EACCES for uid 65534", err)
	}
	after, err := ReadFacts()
	if err != nil {
		t.Fatalf("after the rehearsals: %v", err)
	}
	if d := after.Self.Diff(before.Self); len(d) > 0 {
		t.Errorf("the rehearsals changed fcap's credentials: %v", d)
	}
}
