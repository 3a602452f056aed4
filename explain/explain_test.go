package explain

import (
	"errors"
	"strings"
	"testing"

	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
)

const last = model.Cap(40)

var (
	all    = model.UpTo(last)
	bnd    = all &^ model.SetOf(model.CapSysResource)
	netRaw = model.SetOf(model.CapNetRaw)
)

func nobody() Parent {
	s := cred.State{Bounding: bnd}
	s.UID, s.EUID, s.SUID, s.FSUID, s.GID, s.EGID, s.SGID, s.FSGID = 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534
	return Parent{State: s, Who: Who{Kind: "login", User: "nobody", IDs: "uid 65534"}}
}

// binary is a one-step program: an ELF file at path with caps.
func binary(path string, mode uint32, caps *model.FileCaps) Program {
	return Program{Program: execve.Program{Steps: []execve.Step{{Path: path, Format: execve.FormatELF,
		File: execve.Target{Mode: 0o100000 | mode, Caps: caps}}}}}
}

func fileCaps(p model.Set, eff bool) *model.FileCaps {
	return &model.FileCaps{Permitted: p, Effective: eff, Revision: 2}
}

func explainOK(t *testing.T, p Parent, prog Program) Report {
	t.Helper()
	r, err := Explain(p, prog, last)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerdictSaysWhatHappensInOneSentence(t *testing.T) {
	noroot := nobody()
	noroot.State.Bounding = bnd &^ netRaw
	unreadable := binary("/x", 0o755, nil)
	unreadable.Steps[0].File.CapsProblem = execve.CapsUnreadable
	tests := []struct {
		name string
		p    Parent
		prog Program
		want string
	}{
		{"effective", nobody(), binary("/usr/bin/ping", 0o755, fileCaps(netRaw, true)), "nobody running /usr/bin/ping gets cap_net_raw in its effective set"},
		{"permitted only", nobody(), binary("/p", 0o755, fileCaps(netRaw, false)), "nobody running /p gets cap_net_raw in its permitted set only, not effective: the program must raise them itself"},
		{"nothing", nobody(), binary("/p", 0o755, nil), "nobody running /p gets no capabilities"},
		{"setuid", nobody(), binary("/p", 0o4755, nil), "nobody running /p runs as root and gets all except cap_sys_resource in its effective set"},
		{"EPERM", noroot, binary("/usr/bin/ping", 0o755, fileCaps(netRaw, true)), "exec fails with EPERM: the bounding set lacks cap_net_raw, which the file's effective bit demands"},
		{"EACCES", nobody(), binary("/p", 0o750, nil), "exec fails with EACCES: the process may not execute /p (mode 0750, owner 0:0): fsuid 65534 is not the owner and group 0 is neither the fsgid nor a supplementary group, so the other bits apply: ---; it lacks cap_dac_override in its effective set"},
		{"undetermined", nobody(), unreadable, "the outcome cannot be known: /x's security.capability value cannot be read, and exec either runs with capabilities fcap cannot see, or fails with EPERM, EINVAL or ERANGE"},
	}
	for _, tt := range tests {
		if got := explainOK(t, tt.p, tt.prog).Verdict; got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.name, got, tt.want)
		}
	}
}

func TestFixesAreTiedToTheRuleThatFired(t *testing.T) {
	noroot := nobody()
	noroot.State.Bounding = bnd &^ netRaw
	nosuid := binary("/p", 0o755, fileCaps(netRaw, true))
	nosuid.Steps[0].File.NoSuid = true
	nosuid.Mounts = []string{"/mnt"}
	foreign := binary("/p", 0o755, &model.FileCaps{Permitted: netRaw, Effective: true, Revision: 3, RootID: 1000})
	nnp := nobody()
	nnp.State.NoNewPrivs = true
	script := Program{Program: execve.Program{Steps: []execve.Step{
		{Path: "/s", Format: execve.FormatScript, Shebang: execve.Shebang{Interp: "/bin/sh"}, File: execve.Target{Mode: 0o100755, Caps: fileCaps(netRaw, true)}},
		{Path: "/bin/sh", Format: execve.FormatELF, File: execve.Target{Mode: 0o100755}}}}}
	port := binary("/srv", 0o750, fileCaps(model.SetOf(model.CapNetBindService), true))
	tests := []struct {
		name       string
		p          Parent
		prog       Program
		rule, text string
	}{
		{"EPERM: =p or the bounding set", noroot, binary("/p", 0o755, fileCaps(netRaw, true)), "eperm-bounding", "`fcap set cap_net_raw=p /p`"},
		{"nosuid: remount", nobody(), nosuid, "file-caps-ignored-nosuid", "`mount -o remount,suid /mnt`"},
		{"a foreign rootid: rewrite as v2", nobody(), foreign, "file-caps-foreign-rootid", "`fcap set cap_net_raw=ep /p`"},
		{"no_new_privs", nnp, binary("/p", 0o4755, nil), "setid-ignored-nnp", "AmbientCapabilities="},
		{"a script", nobody(), script, "script", "launcher"},
		{"cap_net_bind_service: the sysctl", nobody(), port, "file-caps", "net.ipv4.ip_unprivileged_port_start"},
	}
	for _, tt := range tests {
		r := explainOK(t, tt.p, tt.prog)
		found := false
		for _, f := range r.Fixes {
			found = found || (f.Rule == tt.rule && strings.Contains(f.Text, tt.text))
		}
		if !found {
			t.Errorf("%s: fixes %+v lack %s with %q", tt.name, r.Fixes, tt.rule, tt.text)
		}
	}
	if r := explainOK(t, nobody(), binary("/usr/bin/ping", 0o755, fileCaps(netRaw, true))); len(r.Fixes) != 0 {
		t.Errorf("an exec that gives what the file asks needs no fix: %+v", r.Fixes)
	}
}

func TestExplainRefusesImpossibleStates(t *testing.T) {
	p := nobody()
	p.State.Ambient = netRaw
	_, err := Explain(p, binary("/p", 0o755, nil), last)
	var ie *cred.InvariantError
	if !errors.As(err, &ie) || !strings.Contains(ie.Invariant, "ambient") {
		t.Errorf("err = %v, want an InvariantError about ambient", err)
	}
}

func TestExpectation(t *testing.T) {
	r := explainOK(t, nobody(), binary("/p", 0o755, fileCaps(netRaw, false)))
	for _, tt := range []struct {
		text    string
		missing model.Set
	}{{"cap_net_raw", netRaw}, {"cap_net_raw=p", 0}, {"cap_net_raw=e", netRaw}, {"net_raw,kill=p", model.SetOf(model.CapKill)}} {
		e, err := ParseExpectation(tt.text, last)
		if err != nil {
			t.Fatalf("%s: %v", tt.text, err)
		}
		if got := r.Missing(e); got != tt.missing {
			t.Errorf("%s: missing %s, want %s", tt.text, got.Names(), tt.missing.Names())
		}
	}
	for _, bad := range []string{"", "none", "cap_net_raw=x", "0", "bogus"} {
		if _, err := ParseExpectation(bad, last); err == nil {
			t.Errorf("ParseExpectation(%q) accepted", bad)
		}
	}
}

func TestWhatIfTakesIdsInTheParentsNamespace(t *testing.T) {
	ns := &cred.UserNS{UIDs: cred.IDMap{{Inside: 0, Outside: 100000, Count: 1000}}, GIDs: cred.IDMap{{Inside: 0, Outside: 200000, Count: 1000}}}
	p, err := NewNamespace(ns, last)
	if err != nil {
		t.Fatal(err)
	}
	if p.State.UID != 100000 || p.State.GID != 200000 || p.State.Permitted != all || p.State.Bounding != all {
		t.Errorf("a new namespace's first process: %+v", p.State)
	}
	uid, prm := uint32(5), model.SetOf(model.CapKill)
	w := WhatIf{UID: &uid, Groups: []uint32{7}, Prm: &prm}
	if err := w.Apply(&p.State); err != nil {
		t.Fatal(err)
	}
	s := p.State
	if s.UID != 100005 || s.FSUID != 100005 || s.Groups[0] != 200007 || s.Effective != prm || s.Ambient != 0 {
		t.Errorf("after the what-if: %+v (effective follows permitted)", s)
	}
	far := uint32(5000)
	if err := (WhatIf{EGID: &far}).Apply(&p.State); !errors.As(err, new(*UnmappedIDError)) {
		t.Errorf("an unmapped gid: err = %v", err)
	}
}
