package execve

import (
	"slices"
	"testing"

	"fcap/model"
	"fcap/model/cred"
)

// elfProgram is a one-step program: the ELF file t at /bin/prog, found in
// /bin (mode 0755 root:root).
func elfProgram(t Target) Program {
	return Program{Steps: []Step{{Path: "/bin/prog", File: t, Format: FormatELF,
		Lookup: Lookup{Dirs: []Dir{{Path: "/", Inode: Inode{Mode: 0o40755}}, {Path: "/bin", Inode: Inode{Mode: 0o40755}}}}}}}
}

func file(mode, uid, gid uint32) Target { return Target{Mode: 0o100000 | mode, UID: uid, GID: gid} }

// withGroups is userState(id) with supplementary groups.
func withGroups(id uint32, groups ...uint32) cred.State {
	p := userState(id)
	p.Groups = groups
	return p
}

// rootNoDAC is root with cap_dac_override and cap_dac_read_search out
// of its effective set.
func rootNoDAC(drop ...model.Cap) cred.State {
	p := rootState()
	p.Effective &^= model.SetOf(drop...)
	return p
}

func TestRunExecutePermission(t *testing.T) {
	tests := []struct {
		name string
		p    cred.State
		f    Target
		err  string
		rule string
	}{
		{"a 0750 root:root binary refuses uid 5025", userState(5025), file(0o750, 0, 0), "EACCES", "exec-denied"},
		{"others may execute a 0751 binary", userState(5025), file(0o751, 0, 0), "", ""},
		{"a supplementary group grants group execute", withGroups(5025, 50), file(0o750, 0, 50), "", ""},
		{"the fsgid grants group execute", func() cred.State { p := userState(5025); p.FSGID = 50; return p }(), file(0o750, 0, 50), "", ""},
		{"the egid alone does not: the fsgid counts", func() cred.State { p := userState(5025); p.EGID = 50; return p }(), file(0o750, 0, 50), "EACCES", "exec-denied"},
		{"the owner without owner execute is refused even if others have it", userState(5025), file(0o071, 5025, 0), "EACCES", "exec-denied"},
		{"the fsuid, not the euid, is the owner", func() cred.State { p := userState(5025); p.FSUID = 7; return p }(), file(0o700, 7, 0), "", ""},
		{"a group member without group execute is refused even if others have it", withGroups(5025, 50), file(0o701, 0, 50), "EACCES", "exec-denied"},
		{"root needs at least one execute bit", rootState(), file(0o600, 5, 5), "EACCES", "exec-denied"},
		{"root with one execute bit anywhere", rootState(), file(0o010, 5, 5), "", "exec-override"},
		{"root without cap_dac_override in effective is like anyone", rootNoDAC(model.CapDacOverride), file(0o700, 5, 5), "EACCES", "exec-denied"},
		{"cap_dac_read_search does not grant execute", rootNoDAC(model.CapDacOverride), file(0o700, 5, 5), "EACCES", "exec-denied"},
		{"a non-root process with cap_dac_override in effective", func() cred.State {
			p := userState(5025)
			p.Permitted, p.Effective = model.SetOf(model.CapDacOverride), model.SetOf(model.CapDacOverride)
			return p
		}(), file(0o010, 0, 0), "", "exec-override"},
	}
	for _, tt := range tests {
		r := Run(tt.p, elfProgram(tt.f), lastCap40)
		if r.Err != tt.err || (tt.rule != "" && !hasRule(r, tt.rule)) {
			t.Errorf("%s: err %q why %q rules %v; want %q %s", tt.name, r.Err, r.Why, r.Rules, tt.err, tt.rule)
		}
	}
}

func TestRunSearchPermissionOnEveryDirectory(t *testing.T) {
	prog := func(dirMode, uid uint32) Program {
		p := elfProgram(file(0o755, 0, 0))
		p.Steps[0].Lookup.Dirs[1] = Dir{Path: "/opt", Inode: Inode{Mode: 0o40000 | dirMode, UID: uid}}
		return p
	}
	tests := []struct {
		name string
		p    cred.State
		prog Program
		err  string
	}{
		{"a 0700 root directory refuses others", userState(5025), prog(0o700, 0), "EACCES"},
		{"its owner may search it", userState(5025), prog(0o700, 5025), ""},
		{"a readable but not searchable directory refuses", userState(5025), prog(0o744, 0), "EACCES"},
		{"root searches a directory without any x bit", rootState(), prog(0o600, 5), ""},
		{"cap_dac_read_search is enough to search", rootNoDAC(model.CapDacOverride), prog(0o700, 5), ""},
		{"cap_dac_override is enough to search", rootNoDAC(model.CapDacReadSearch), prog(0o700, 5), ""},
		{"without either, root is refused", rootNoDAC(model.CapDacOverride, model.CapDacReadSearch), prog(0o700, 5), "EACCES"},
	}
	for _, tt := range tests {
		r := Run(tt.p, tt.prog, lastCap40)
		if r.Err != tt.err || (r.Err != "" && !hasRule(r, "search-denied")) {
			t.Errorf("%s: err %q why %q", tt.name, r.Err, r.Why)
		}
	}
}

func TestRunNoexecAndFileTypes(t *testing.T) {
	noexec := file(0o755, 0, 0)
	noexec.NoExec = true
	dir := Target{Mode: 0o40755}
	fifo := Target{Mode: 0o10755}
	for name, tt := range map[string]struct {
		f    Target
		rule string
	}{"noexec refuses root": {noexec, "noexec"}, "a directory": {dir, "not-regular"}, "a FIFO": {fifo, "not-regular"}} {
		if r := Run(rootState(), elfProgram(tt.f), lastCap40); r.Err != "EACCES" || !hasRule(r, tt.rule) {
			t.Errorf("%s: err %q rules %v", name, r.Err, r.Rules)
		}
	}
}

func TestRunACL(t *testing.T) {
	acl := ACL{{Tag: ACLUserObj, Perm: 7}, {Tag: ACLUser, Perm: 1, ID: 5025}, {Tag: ACLGroupObj, Perm: 0},
		{Tag: ACLGroup, Perm: 5, ID: 60}, {Tag: ACLMask, Perm: 1}, {Tag: ACLOther, Perm: 0}}
	f := file(0o710, 0, 50) // the group bits hold the mask
	f.ACL = acl
	noMask := f
	noMask.ACL = ACL{{Tag: ACLUserObj, Perm: 7}, {Tag: ACLUser, Perm: 1, ID: 5025}, {Tag: ACLGroupObj, Perm: 0}, {Tag: ACLMask, Perm: 0}, {Tag: ACLOther, Perm: 1}}
	noMask.Mode = 0o100701
	tests := []struct {
		name string
		p    cred.State
		f    Target
		err  string
	}{
		{"a named user entry grants execute", userState(5025), f, ""},
		{"a named group entry grants it through the mask", withGroups(6000, 60), f, ""},
		{"the owning group's entry refuses, and so does other", withGroups(6000, 50), f, "EACCES"},
		{"a matching group that refuses beats a generous other", withGroups(6000, 50), func() Target { g := f; g.ACL = slices.Clone(f.ACL); g.ACL[5].Perm = 1; g.Mode |= 1; return g }(), "EACCES"},
		{"nobody else falls to other", userState(6000), f, "EACCES"},
		{"an ACL is ignored when the group bits (the mask) are clear", userState(5025), noMask, ""},
	}
	for _, tt := range tests {
		if r := Run(tt.p, elfProgram(tt.f), lastCap40); r.Err != tt.err {
			t.Errorf("%s: err %q why %q", tt.name, r.Err, r.Why)
		}
	}
}

func TestParseACL(t *testing.T) {
	b := []byte{2, 0, 0, 0, 1, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 1, 0, 5, 0, 0, 0, 0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff}
	a, err := ParseACL(b)
	if err != nil || a.String() != "u::rwx,u:5:--x,o::r--" {
		t.Fatalf("ParseACL = %v, %v", a, err)
	}
	for _, bad := range [][]byte{nil, {2, 0, 0}, {1, 0, 0, 0}, {2, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0}, b[:10]} {
		if _, err := ParseACL(bad); err == nil {
			t.Errorf("ParseACL(%x) accepted", bad)
		}
	}
}
