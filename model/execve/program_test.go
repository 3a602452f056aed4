package execve

import (
	"fmt"
	"testing"

	"fcap/model"
	"fcap/model/cred"
)

// scriptStep is a script at path whose "#!" line names interp.
func scriptStep(path, interp string, t Target) Step {
	return Step{Path: path, File: t, Format: FormatScript, Shebang: Shebang{Interp: interp}}
}

// chain is n scripts, each run by the next, then the ELF binary bin.
func chain(n int, bin Target) Program {
	var p Program
	for i := 0; i < n; i++ {
		p.Steps = append(p.Steps, scriptStep(fmt.Sprintf("/s%d", i), fmt.Sprintf("/s%d", i+1), file(0o755, 0, 0)))
	}
	p.Steps = append(p.Steps, Step{Path: "/bin", File: bin, Format: FormatELF})
	return p
}

func TestRunScriptsAreJudgedByTheFinalBinary(t *testing.T) {
	scriptCaps := file(0o4755, 0, 0)
	scriptCaps.Caps = &model.FileCaps{Permitted: netRaw, Effective: true, Revision: 2}
	interp := withCaps(netRaw, 0, true)
	interp.Mode |= 0o100000
	p := Program{Steps: []Step{scriptStep("/s", "/bin/sh", scriptCaps), {Path: "/bin/sh", File: file(0o755, 0, 0), Format: FormatELF}}}
	r := Run(userState(nobody), p, lastCap40)
	if r.Err != "" || r.Child.Permitted != 0 || r.Child.EUID != nobody || r.Step != 1 || !hasRule(r, "script") {
		t.Errorf("a setuid-root script with caps: err %q permitted %s euid %d step %d", r.Err, r.Child.Permitted.Names(), r.Child.EUID, r.Step)
	}
	p.Steps[1].File = interp
	if r := Run(userState(nobody), p, lastCap40); r.Child.Effective != netRaw {
		t.Errorf("caps on the interpreter: effective %s, want cap_net_raw", r.Child.Effective.Names())
	}
}

func TestRunNestedScriptsStopAfterFive(t *testing.T) {
	noExec := file(0o644, 0, 0)
	tests := []struct {
		name string
		prog Program
		err  string
	}{
		{"five scripts then a binary run", chain(5, file(0o755, 0, 0)), ""},
		{"six scripts fail with ELOOP", chain(6, file(0o755, 0, 0)), "ELOOP"},
		// The sixth script's interpreter is opened before the depth check.
		{"the sixth script's interpreter is still opened first", func() Program {
			p := chain(5, noExec)
			p.Steps = append(p.Steps[:5], scriptStep("/s5", "/s6", file(0o755, 0, 0)), Step{Path: "/s6", File: noExec})
			return p
		}(), "EACCES"},
		{"the fifth script's interpreter is checked", chain(5, noExec), "EACCES"},
		{"the binary after six scripts is still opened", chain(6, noExec), "EACCES"},
		{"an eighth file is never opened", chain(7, noExec), "ELOOP"},
	}
	for _, tt := range tests {
		if r := Run(userState(1000), tt.prog, lastCap40); r.Err != tt.err {
			t.Errorf("%s: err %q why %q", tt.name, r.Err, r.Why)
		}
	}
}

func TestRunFormatsAndLookupErrors(t *testing.T) {
	bad := scriptStep("/s", "", file(0o755, 0, 0))
	bad.Shebang.Bad = "the #! line names no interpreter"
	missing := Step{Path: "/bin/sh\r", Lookup: Lookup{Err: "ENOENT", ErrDetail: "no sh\\r in /bin"}}
	tests := []struct {
		name string
		prog Program
		err  string
		rule string
	}{
		{"#! without an interpreter", Program{Steps: []Step{bad}}, "ENOEXEC", "script-no-interpreter"},
		{"a file that is neither ELF nor a script", Program{Steps: []Step{{Path: "/x", File: file(0o755, 0, 0)}}}, "ENOEXEC", "unknown-format"},
		{"an interpreter that does not exist", Program{Steps: []Step{scriptStep("/s", "/bin/sh\r", file(0o755, 0, 0)), missing}}, "ENOENT", "lookup-failed"},
	}
	for _, tt := range tests {
		if r := Run(userState(1000), tt.prog, lastCap40); r.Err != tt.err || !hasRule(r, tt.rule) || r.Why == "" {
			t.Errorf("%s: err %q why %q rules %v", tt.name, r.Err, r.Why, r.Rules)
		}
	}
}

// rootless is a namespace like rootless Podman's: root is host uid 1000,
// then 65536 subordinate ids from 100000.
var rootless = &cred.UserNS{
	UIDs: cred.IDMap{{Inside: 0, Outside: 1000, Count: 1}, {Inside: 1, Outside: 100000, Count: 65536}},
	GIDs: cred.IDMap{{Inside: 0, Outside: 1000, Count: 1}, {Inside: 1, Outside: 100000, Count: 65536}},
}

// inNS is a process in ns with kernel ids id, full bounding set, and
// everything in permitted and effective when it is the namespace's root.
func inNS(ns *cred.UserNS, id uint32) cred.State {
	p := userState(id)
	p.UserNS, p.Bounding = ns, model.UpTo(lastCap40)
	if root, ok := ns.RootUID(); ok && root == id {
		p.Permitted, p.Effective = p.Bounding, p.Bounding
	}
	return p
}

func rev3(rootid uint32) Target {
	t := withCaps(netRaw, 0, true)
	t.Caps.Revision, t.Caps.RootID = 3, rootid
	return t
}

func TestExecInUserNamespaces(t *testing.T) {
	nested := &cred.UserNS{Parent: rootless,
		UIDs: cred.IDMap{{Inside: 0, Outside: 100000, Count: 1000}}, GIDs: cred.IDMap{{Inside: 0, Outside: 100000, Count: 1000}}}
	noRoot := &cred.UserNS{UIDs: cred.IDMap{{Inside: 1, Outside: 100000, Count: 10}}, GIDs: cred.IDMap{{Inside: 1, Outside: 100000, Count: 10}}}
	all := model.UpTo(lastCap40)
	tests := []struct {
		name string
		p    cred.State
		t    Target
		want sets
	}{
		{"root of the namespace gets every cap of its bounding set", inNS(rootless, 1000), plain(), sets{P: all, E: all, EUID: 1000, EGID: 1000}},
		{"host uid 0 is nobody special in it", inNS(rootless, 0), plain(), sets{}},
		{"a namespace without root gives nobody root's caps", inNS(noRoot, 100000), plain(), sets{EUID: 100000, EGID: 100000}},
		{"v2 caps apply in every namespace", inNS(rootless, 100005), withCaps(netRaw, 0, true), sets{P: netRaw, E: netRaw, EUID: 100005, EGID: 100005}},
		{"a v3 rootid of the namespace's root applies", inNS(rootless, 100005), rev3(1000), sets{P: netRaw, E: netRaw, EUID: 100005, EGID: 100005}},
		{"a v3 rootid of another namespace does not", inNS(rootless, 100005), rev3(200000), sets{EUID: 100005, EGID: 100005}},
		{"a rootid mapped to a non-root id inside does not", inNS(rootless, 100005), rev3(100001), sets{EUID: 100005, EGID: 100005}},
		{"a v3 rootid of the parent namespace's root applies in a nested one", inNS(nested, 100005), rev3(1000), sets{P: netRaw, E: netRaw, EUID: 100005, EGID: 100005}},
		{"the nested namespace's own root applies too", inNS(nested, 100005), rev3(100000), sets{P: netRaw, E: netRaw, EUID: 100005, EGID: 100005}},
		{"setuid to an unmapped owner is ignored", inNS(rootless, 100005), setuid(5, plain()), sets{EUID: 100005, EGID: 100005}},
		{"setuid to the namespace's root makes root", inNS(rootless, 100005), func() Target { t := setuid(1000, plain()); t.GID = 1000; return t }(), sets{P: all, E: all, EUID: 1000, EGID: 100005}},
		{"a setuid file with an unmapped group is ignored too", inNS(rootless, 100005), func() Target { t := setuid(1000, plain()); t.GID = 5; return t }(), sets{EUID: 100005, EGID: 100005}},
	}
	runSetsTests(t, tests)
}

func TestSecureExecInUserNamespace(t *testing.T) {
	if r := Predict(inNS(rootless, 1000), plain(), lastCap40); r.Secure {
		t.Errorf("the namespace's root running a plain file is not a secure exec")
	}
	if r := Predict(inNS(rootless, 0), withCaps(0, 0, true), lastCap40); !r.Secure {
		t.Errorf("host uid 0 is not root in the namespace: an effective bit makes a secure exec")
	}
}

func TestDACOverrideNeedsMappedOwners(t *testing.T) {
	p := inNS(rootless, 1000)
	if r := Run(p, elfProgram(file(0o710, 100001, 100001)), lastCap40); r.Err != "" {
		t.Errorf("mapped owner: err %q why %q", r.Err, r.Why)
	}
	if r := Run(p, elfProgram(file(0o710, 5, 5)), lastCap40); r.Err != "EACCES" {
		t.Errorf("unmapped owner: err %q, want EACCES: cap_dac_override does not reach it", r.Err)
	}
}

func TestRunChecksTheDynamicLoader(t *testing.T) {
	withLoader := func(l Step) Program {
		p := elfProgram(file(0o755, 0, 0))
		p.Steps[0].Loader = &l
		return p
	}
	ld := func(mode uint32, size int64, f Format) Step {
		return Step{Path: "/lib/ld.so", File: file(mode, 0, 0), Format: f, Size: size}
	}
	privateDir := ld(0o755, 1000, FormatELF)
	privateDir.Lookup.Dirs = []Dir{{Path: "/lib", Inode: Inode{Mode: 0o40700}}}
	privateDir.Lookup.Err = "ENOENT"
	tests := []struct {
		name string
		l    Step
		err  string
		rule string
	}{
		{"a good loader", ld(0o755, 1000, FormatELF), "", "loader"},
		{"a missing loader (a glibc binary in a musl image)", Step{Path: "/lib/ld.so", Lookup: Lookup{Err: "ENOENT", ErrDetail: "/lib/ld.so does not exist"}}, "ENOENT", "loader-missing"},
		{"search permission comes before the missing file", privateDir, "EACCES", "search-denied"},
		{"a loader the caller may not execute", ld(0o700, 1000, FormatELF), "EACCES", "exec-denied"},
		{"a loader shorter than an ELF header", ld(0o755, 10, FormatUnknown), "EIO", "loader-short"},
		{"a loader that is not ELF", ld(0o755, 200, FormatScript), "ELIBBAD", "loader-not-elf"},
	}
	for _, tt := range tests {
		r := Run(userState(1000), withLoader(tt.l), lastCap40)
		if r.Err != tt.err || !hasRule(r, tt.rule) {
			t.Errorf("%s: err %q why %q rules %v", tt.name, r.Err, r.Why, r.Rules)
		}
	}
}
