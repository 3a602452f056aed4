package execve

import (
	"fcap/model"
	"fcap/model/cred"
	"reflect"
	"slices"
	"testing"
)

// lastCap40 is cap_checkpoint_restore, the last capability of Linux 6.18.
const lastCap40 model.Cap = 40

// bnd is the bounding set of the note's worked examples: every capability
// but cap_sys_resource.
var bnd = model.UpTo(lastCap40) &^ model.SetOf(model.CapSysResource)

var netRaw = model.SetOf(model.CapNetRaw)

// rootState is a login root shell: every id 0, permitted = effective =
// bounding.
func rootState() cred.State {
	return cred.State{Permitted: bnd, Effective: bnd, Bounding: bnd}
}

// userState is an unprivileged process with every id equal to id.
func userState(id uint32) cred.State {
	return cred.State{UID: id, EUID: id, SUID: id, FSUID: id, GID: id, EGID: id, SGID: id, FSGID: id, Bounding: bnd}
}

const nobody = 65534

// plain is an executable without set-id bits or capabilities, owned by root.
func plain() Target { return Target{Mode: 0o755} }

// withCaps is an executable carrying revision-2 capabilities.
func withCaps(fP, fI model.Set, eff bool) Target {
	return Target{Mode: 0o755, Caps: &model.FileCaps{Permitted: fP, Inheritable: fI, Effective: eff, Revision: 2}}
}

func setuid(owner uint32, t Target) Target {
	t.Mode |= ModeSetuid
	t.UID = owner
	return t
}

// sets is the part of a child's state most tests check.
type sets struct {
	P, E, A, I model.Set
	EUID, EGID uint32
}

func setsOf(p cred.State) sets {
	return sets{P: p.Permitted, E: p.Effective, A: p.Ambient, I: p.Inheritable, EUID: p.EUID, EGID: p.EGID}
}

func ambientParent() cred.State {
	p := userState(1000)
	p.Inheritable, p.Permitted, p.Ambient = netRaw, netRaw, netRaw
	return p
}

func TestExecWorkedExamplesOfTheNote(t *testing.T) {
	noroot := rootState()
	noroot.Securebits = cred.SecbitNoroot
	nosuid := setuid(0, withCaps(netRaw, 0, true))
	nosuid.NoSuid = true
	tests := []struct {
		name string
		p    cred.State
		t    Target
		want sets
	}{
		{"nobody gets net_raw permitted and effective from cap_net_raw=ep", userState(nobody), withCaps(netRaw, 0, true),
			sets{P: netRaw, E: netRaw, EUID: nobody, EGID: nobody}},
		{"nobody gets net_raw permitted only from cap_net_raw=p", userState(nobody), withCaps(netRaw, 0, false),
			sets{P: netRaw, EUID: nobody, EGID: nobody}},
		{"root running a plain file gets full root", rootState(), plain(),
			sets{P: bnd, E: bnd}},
		{"SECURE_NOROOT root running a plain file gets only ambient (none)", noroot, plain(),
			sets{}},
		{"a setuid-root cap_net_raw=ep file on a nosuid mount gives nobody nothing", userState(nobody), nosuid,
			sets{EUID: nobody, EGID: nobody}},
		{"ambient net_raw survives a plain file", ambientParent(), plain(),
			sets{P: netRaw, E: netRaw, A: netRaw, I: netRaw, EUID: 1000, EGID: 1000}},
		{"ambient is cleared by a file with any capabilities", ambientParent(), withCaps(0, 0, false),
			sets{I: netRaw, EUID: 1000, EGID: 1000}},
		{"ambient is cleared by a setuid file", ambientParent(), setuid(1001, plain()),
			sets{I: netRaw, EUID: 1001, EGID: 1000}},
	}
	runSetsTests(t, tests)
}

func TestExecWorkedExampleRootIsRefusedACapOutsideBounding(t *testing.T) {
	r := Predict(rootState(), withCaps(model.SetOf(model.CapSysResource, model.CapChown), 0, true), lastCap40)
	if r.Err != "EPERM" || r.Dropped != model.SetOf(model.CapSysResource) {
		t.Fatalf("Err %q Dropped %s, want EPERM dropping cap_sys_resource; rules %v", r.Err, r.Dropped.Names(), r.Rules)
	}
	if !reflect.DeepEqual(r.Child, cred.State{}) {
		t.Errorf("Child of a failed exec = %+v, want zero", r.Child)
	}
	if !hasRule(r, "eperm-bounding") {
		t.Errorf("rules %v lack eperm-bounding", r.Rules)
	}
}

func runSetsTests(t *testing.T, tests []struct {
	name string
	p    cred.State
	t    Target
	want sets
}) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Predict(tt.p, tt.t, lastCap40)
			if r.Err != "" {
				t.Fatalf("Err = %s; rules %v", r.Err, r.Rules)
			}
			if got := setsOf(r.Child); got != tt.want {
				t.Errorf("got  %+v\nwant %+v\nrules %v", got, tt.want, r.Rules)
			}
		})
	}
}

func TestExecSetIDRules(t *testing.T) {
	nnp := userState(nobody)
	nnp.NoNewPrivs = true
	sgid := Target{Mode: 0o2755, GID: 100}
	sgidNoX := Target{Mode: 0o2745, GID: 100}
	rootHasI := rootState()
	rootHasI.Inheritable = model.SetOf(model.CapSysResource)
	tests := []struct {
		name string
		p    cred.State
		t    Target
		want sets
	}{
		{"setuid-root file gives nobody full root", userState(nobody), setuid(0, plain()),
			sets{P: bnd, E: bnd, EUID: 0, EGID: nobody}},
		{"setuid-root file with caps gives nobody only the file caps", userState(nobody), setuid(0, withCaps(netRaw, 0, false)),
			sets{P: netRaw, EUID: 0, EGID: nobody}},
		{"setuid-root file with caps gives root (ruid 0) full root", rootState(), setuid(0, withCaps(netRaw, 0, false)),
			sets{P: bnd, E: bnd}},
		{"root running a setuid-1000 file keeps permitted but loses effective", rootState(), setuid(1000, plain()),
			sets{P: bnd, EUID: 1000}},
		{"root-privileged permitted includes inheritable caps outside bounding", rootHasI, plain(),
			sets{P: model.UpTo(lastCap40), E: model.UpTo(lastCap40), I: model.SetOf(model.CapSysResource)}},
		{"setgid with group execute sets egid", userState(nobody), sgid,
			sets{EUID: nobody, EGID: 100}},
		{"setgid without group execute is a locking mark, ignored", userState(nobody), sgidNoX,
			sets{EUID: nobody, EGID: nobody}},
		{"no_new_privs ignores the setuid bit", nnp, setuid(0, plain()),
			sets{EUID: nobody, EGID: nobody}},
	}
	runSetsTests(t, tests)
}

func TestExecFileCapsRules(t *testing.T) {
	withI := userState(1000)
	withI.Inheritable = model.SetOf(model.CapNetAdmin)
	smallBnd := userState(1000)
	smallBnd.Bounding = model.SetOf(model.CapChown)
	foreign := withCaps(netRaw, 0, true)
	foreign.Caps.Revision, foreign.Caps.RootID = 3, 1000
	foreignSetuidRoot := setuid(0, foreign)
	rev1 := withCaps(netRaw, 0, true)
	rev1.Caps.Revision = 1
	tests := []struct {
		name string
		p    cred.State
		t    Target
		want sets
	}{
		{"file inheritable grants caps the parent has in pI", withI, withCaps(0, model.SetOf(model.CapNetAdmin, model.CapNetRaw), true),
			sets{P: model.SetOf(model.CapNetAdmin), E: model.SetOf(model.CapNetAdmin), I: model.SetOf(model.CapNetAdmin), EUID: 1000, EGID: 1000}},
		{"without the effective bit a cap outside bounding is just missing", smallBnd, withCaps(model.SetOf(model.CapChown, model.CapNetRaw), 0, false),
			sets{P: model.SetOf(model.CapChown), EUID: 1000, EGID: 1000}},
		{"bits above the last capability are masked, no EPERM", userState(1000), withCaps(netRaw|1<<50, 1<<41, true),
			sets{P: netRaw, E: netRaw, EUID: 1000, EGID: 1000}},
		{"a foreign revision-3 rootid means no file caps", userState(1000), foreign,
			sets{EUID: 1000, EGID: 1000}},
		{"a foreign rootid on a setuid-root file leaves the full root rules", userState(1000), foreignSetuidRoot,
			sets{P: bnd, E: bnd, EUID: 0, EGID: 1000}},
		{"a revision-1 value works like any other", userState(1000), rev1,
			sets{P: netRaw, E: netRaw, EUID: 1000, EGID: 1000}},
		{"root with the effective bit off still gets full root", rootState(), withCaps(model.SetOf(model.CapSysResource), 0, false),
			sets{P: bnd, E: bnd}},
	}
	runSetsTests(t, tests)
}

func TestExecCapsValuesExecCannotUseFailUnlessNosuid(t *testing.T) {
	for _, tt := range []struct {
		problem CapsProblem
		errno   string
		rule    string
	}{
		{CapsMalformed, "EINVAL", "file-caps-invalid"},
		{CapsTooLong, "ERANGE", "file-caps-too-long"},
	} {
		bad := Target{Mode: 0o755, CapsProblem: tt.problem}
		if r := Predict(userState(1000), bad, lastCap40); r.Err != tt.errno || !hasRule(r, tt.rule) || r.Why == "" {
			t.Errorf("%s: Err %q why %q rules %v", tt.errno, r.Err, r.Why, r.Rules)
		}
		bad.NoSuid = true
		if r := Predict(userState(1000), bad, lastCap40); r.Err != "" || !hasRule(r, "file-caps-ignored-nosuid") {
			t.Errorf("%s on nosuid: Err %q rules %v, want success", tt.errno, r.Err, r.Rules)
		}
	}
}

func TestExecUnreadableCapsListEveryPossibleOutcome(t *testing.T) {
	unreadable := Target{Mode: 0o755, CapsProblem: CapsUnreadable}
	errs := func(r Result) []string {
		var out []string
		for _, o := range r.Possible {
			out = append(out, o.Err)
			if o.If == "" {
				t.Errorf("outcome %q has no condition", o.Err)
			}
		}
		return out
	}
	r := Predict(userState(1000), unreadable, lastCap40)
	if !r.Undetermined() || r.Err != "" || !slices.Equal(errs(r), []string{"", "EPERM", "EINVAL", "ERANGE"}) {
		t.Errorf("bounding lacks a cap: err %q possible %v", r.Err, errs(r))
	}
	full := userState(1000)
	full.Bounding = model.UpTo(lastCap40)
	if r := Predict(full, unreadable, lastCap40); !slices.Equal(errs(r), []string{"", "EINVAL", "ERANGE"}) {
		t.Errorf("full bounding set: EPERM is impossible, possible %v", errs(r))
	}
	unreadable.NoSuid = true
	if r := Predict(userState(1000), unreadable, lastCap40); r.Undetermined() {
		t.Errorf("nosuid: the value is not read, so the outcome is known")
	}
}

func TestExecRootIDOfNoUserIsIgnored(t *testing.T) {
	f := withCaps(netRaw, 0, true)
	f.Caps.Revision, f.Caps.RootID = 3, cred.InvalidID
	r := Predict(userState(1000), f, lastCap40)
	if r.Err != "" || r.Child.Permitted != 0 || !hasRule(r, "file-caps-rootid-invalid") {
		t.Errorf("rootid 4294967295: err %q permitted %s rules %v; want no caps", r.Err, r.Child.Permitted.Names(), r.Rules)
	}
}

func TestExecNoNewPrivs(t *testing.T) {
	nnp := userState(nobody)
	nnp.NoNewPrivs = true
	nnpHasCap := nnp
	nnpHasCap.Permitted = netRaw
	// A process that dropped its egid from its groups and fsgid: id_changed
	// is true even without a set-id file, so no_new_privs resets euid and
	// egid to the real ids.
	odd := cred.State{UID: 0, EUID: 1000, SUID: 1000, FSUID: 1000, GID: 0, EGID: 1000, SGID: 1000, FSGID: 0,
		Bounding: bnd, NoNewPrivs: true}
	tests := []struct {
		name string
		p    cred.State
		t    Target
		want sets
	}{
		{"no_new_privs forbids gaining file caps", nnp, withCaps(netRaw, 0, true),
			sets{EUID: nobody, EGID: nobody}},
		{"no_new_privs keeps file caps the parent already had", nnpHasCap, withCaps(netRaw, 0, true),
			sets{P: netRaw, E: netRaw, EUID: nobody, EGID: nobody}},
		{"no_new_privs with an egid outside the groups resets ids to the real ones", odd, plain(),
			sets{P: 0, EUID: 0, EGID: 0}},
	}
	runSetsTests(t, tests)
}

func TestExecIDChangedUsesFsgidAndGroups(t *testing.T) {
	p := ambientParent()
	p.EGID = 2000 // neither the fsgid (1000) nor a supplementary group
	r := Predict(p, plain(), lastCap40)
	if r.Child.Ambient != 0 || !r.Secure || !hasRule(r, "id-changed") {
		t.Errorf("egid outside groups: ambient %s secure %v rules %v; want cleared, secure", r.Child.Ambient.Names(), r.Secure, r.Rules)
	}
	p.Groups = []uint32{2000}
	r = Predict(p, plain(), lastCap40)
	if r.Child.Ambient != netRaw || hasRule(r, "id-changed") {
		t.Errorf("egid in groups: ambient %s rules %v; want kept", r.Child.Ambient.Names(), r.Rules)
	}
	if !r.Secure {
		t.Errorf("egid %d ≠ rgid %d must still be a secure exec", p.EGID, p.GID)
	}
}

func TestExecIDsAfterwards(t *testing.T) {
	p := cred.State{UID: 1000, EUID: 1001, SUID: 1002, FSUID: 1003, GID: 100, EGID: 101, SGID: 102, FSGID: 101,
		Groups: []uint32{4, 5}, Bounding: bnd}
	r := Predict(p, setuid(0, Target{Mode: 0o2755, GID: 5}), lastCap40)
	c := r.Child
	got := []uint32{c.UID, c.EUID, c.SUID, c.FSUID, c.GID, c.EGID, c.SGID, c.FSGID}
	want := []uint32{1000, 0, 0, 0, 100, 5, 5, 5}
	if !slices.Equal(got, want) || !slices.Equal(c.Groups, p.Groups) {
		t.Errorf("ids %v groups %v, want %v groups %v", got, c.Groups, want, p.Groups)
	}
}

func TestExecKeepsStateExecDoesNotTouch(t *testing.T) {
	p := ambientParent()
	p.Bounding = bnd &^ model.SetOf(model.CapSysAdmin)
	p.Securebits = cred.SecbitKeepCaps | cred.SecbitNoCapAmbientRaise | cred.SecbitNoSetuidFixup | cred.SecbitKeepCapsLocked
	p.NoNewPrivs = true
	r := Predict(p, plain(), lastCap40)
	c := r.Child
	if c.Securebits != p.Securebits&^cred.SecbitKeepCaps || !hasRule(r, "keep-caps-cleared") {
		t.Errorf("securebits %s, want keep-caps cleared only", c.Securebits)
	}
	if c.Bounding != p.Bounding || c.Inheritable != p.Inheritable || !c.NoNewPrivs {
		t.Errorf("bounding %s inheritable %s nnp %v changed", c.Bounding.Names(), c.Inheritable.Names(), c.NoNewPrivs)
	}
	if c.Ambient != netRaw {
		t.Errorf("ambient %s: SECBIT_NO_CAP_AMBIENT_RAISE must not clear it at exec", c.Ambient.Names())
	}
}

func TestExecSecureExec(t *testing.T) {
	tests := []struct {
		name string
		p    cred.State
		t    Target
		want bool
	}{
		{"nobody running a plain file is not secure", userState(nobody), plain(), false},
		{"root running a plain file is not secure", rootState(), plain(), false},
		{"ambient alone is not secure", ambientParent(), plain(), false},
		{"nobody gaining file caps is secure", userState(nobody), withCaps(netRaw, 0, false), true},
		{"an effective bit with nothing granted is still secure for non-root", userState(nobody), withCaps(0, 0, true), true},
		{"setuid to oneself is not secure", userState(1000), setuid(1000, plain()), false},
		{"setuid to another user is secure", userState(1000), setuid(1001, plain()), true},
	}
	for _, tt := range tests {
		if got := Predict(tt.p, tt.t, lastCap40).Secure; got != tt.want {
			t.Errorf("%s: Secure = %v", tt.name, got)
		}
	}
}

func TestExecRulesAppearInOrder(t *testing.T) {
	p := ambientParent()
	p.Securebits = cred.SecbitKeepCaps
	r := Predict(p, setuid(0, withCaps(netRaw|1<<45, 0, true)), lastCap40)
	var names []string
	for _, rule := range r.Rules {
		names = append(names, rule.Name)
		if rule.Detail == "" {
			t.Errorf("rule %s has no detail", rule.Name)
		}
	}
	want := []string{"setuid", "file-caps-masked", "file-caps", "setuid-root-file-caps", "id-changed",
		"ambient-cleared", "effective", "keep-caps-cleared", "secure-exec"}
	if !slices.Equal(names, want) {
		t.Errorf("rules %v\nwant  %v", names, want)
	}
}

func TestExecNoRootSkipsRootRulesAndSaysSo(t *testing.T) {
	p := userState(nobody)
	p.Securebits = cred.SecbitNoroot
	r := Predict(p, setuid(0, plain()), lastCap40)
	if r.Child.Permitted != 0 || r.Child.EUID != 0 || !hasRule(r, "secure-noroot") {
		t.Errorf("permitted %s euid %d rules %v; want no caps, euid 0, secure-noroot", r.Child.Permitted.Names(), r.Child.EUID, r.Rules)
	}
}

func hasRule(r Result, name string) bool {
	return slices.ContainsFunc(r.Rules, func(x Rule) bool { return x.Name == name })
}
