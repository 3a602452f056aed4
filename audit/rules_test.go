package audit

import (
	"encoding/json"
	"fcap/model"
	"strings"
	"testing"
)

func testFileCaps(text string, rootID uint32) *model.FileCaps {
	c, err := model.ParseText(text, model.LastNamed)
	if err != nil {
		panic(err)
	}
	f, err := c.ToFile(rootID)
	if err != nil {
		panic(err)
	}
	return &f
}

// summary lists findings as "kind/severity" in order.
func findingSummary(fs []Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Kind+"/"+f.Severity.String())
	}
	return strings.Join(s, " ")
}

func TestAudit(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want string // findingSummary()
		// each finding's reason+fix, joined, must contain this
		text string
	}{
		{"plain file", Input{Path: "/bin/true", Mode: 0o755}, "", ""},
		{"world-writable plain file", Input{Path: "/tmp/f", Mode: 0o777, UID: 1000}, "", ""},
		{"setuid ping", Input{Path: "/usr/bin/ping", Mode: 0o4755}, "setid/medium", "fcap convert /usr/bin/ping (replaces it with cap_net_raw=ep"},
		{"setuid su", Input{Path: "/bin/su", Mode: 0o4755}, "setid/medium", "real identity change"},
		{"setuid unknown", Input{Path: "/opt/x", Mode: 0o4755}, "setid/medium", "fcap convert --caps CAPS /opt/x"},
		{"setgid", Input{Path: "/usr/bin/crontab", Mode: 0o2755, GID: 104}, "setid/medium", "setgid gid 104"},
		{"setgid by name", Input{Path: "/usr/bin/crontab", Mode: 0o2755, GID: 104, Group: "crontab"}, "setid/medium", "setgid crontab: every user"},
		{"setgid without group exec", Input{Path: "/f", Mode: 0o2745}, "", ""},
		{"setuid not executable", Input{Path: "/f", Mode: 0o4644}, "setid/low", "setuid root: no one may execute it now"},
		{"setuid helper only its group may run", Input{Path: "/usr/lib/dbus-1.0/dbus-daemon-launch-helper", Mode: 0o4754, GID: 101, Group: "messagebus"}, "setid/medium",
			"setuid root: members of group messagebus who run it get that identity"},
		{"setuid only its owner may run", Input{Path: "/f", Mode: 0o4700}, "setid/info", "only its owner root (and root) may run it, and they gain nothing"},
		{"setuid to a user, only root's group may run", Input{Path: "/f", Mode: 0o4510, UID: 1000, Owner: "alice"}, "setid/medium", "setuid alice: members of group root who run it"},
		{"setgid run only by its group", Input{Path: "/usr/sbin/unix_chkpwd", Mode: 0o2750, GID: 42, Group: "shadow"}, "setid/info", "setgid shadow: only members of group shadow may run it, and they already have that group"},
		{"setgid run by everyone", Input{Path: "/usr/bin/expiry", Mode: 0o2755, GID: 42, Group: "shadow"}, "setid/medium", "setgid shadow: every user who runs it gets that identity"},
		{"everyone but the group may run it", Input{Path: "/f", Mode: 0o4701, GID: 50, Group: "staff"}, "setid/medium", "every user who runs it, except members of group staff, gets that identity"},
		{"setuid on a nosuid mount", Input{Path: "/mnt/f", Mode: 0o4755, NoSuid: true}, "setid/info", "on a nosuid mount, where exec ignores set-id bits and capabilities"},
		{"caps on a nosuid mount", Input{Path: "/mnt/f", Mode: 0o755, NoSuid: true, Caps: testFileCaps("cap_sys_admin=ep", 0)}, "caps/info", "grants nothing here"},
		{"a writable setuid file on a nosuid mount", Input{Path: "/mnt/f", Mode: 0o4777, NoSuid: true}, "setid/info writable/info", "world-writable"},
		{"setuid world-writable", Input{Path: "/f", Mode: 0o4757}, "setid/high writable/high", "world-writable"},
		{"setuid owner-writable by uid 1000", Input{Path: "/f", Mode: 0o4755, UID: 1000}, "setid/high writable/high", "setuid uid 1000"},
		{"setuid owner-writable by alice", Input{Path: "/f", Mode: 0o4755, UID: 1000, Owner: "alice"}, "setid/high writable/high", "the file is writable by its owner alice"},
		{"setuid shell", Input{Path: "/bin/bash", Mode: 0o4755}, "setid/high", "runs arbitrary code"},
		{"cap_setuid on python3", Input{Path: "/x/python3", Mode: 0o755, Caps: testFileCaps("cap_setuid=ep", 0)}, "caps/high", "cap_setuid (switch to uid 0)"},
		{"cap_net_raw on python3.11", Input{Path: "/x/python3.11", Mode: 0o755, Caps: testFileCaps("cap_net_raw=ep", 0)}, "caps/high", "interpreter"},
		{"cap_net_raw on perl", Input{Path: "/x/perl", Mode: 0o755, Caps: testFileCaps("cap_net_raw=p", 0)}, "caps/high", "interpreter"},
		{"cap_net_bind_service on env", Input{Path: "/x/env", Mode: 0o755, Caps: testFileCaps("cap_net_bind_service=ep", 0)}, "caps/high", "interpreter"},
		{"cap_net_raw=p", Input{Path: "/x/tool", Mode: 0o755, Caps: testFileCaps("cap_net_raw=p", 0)}, "caps/low", "ordinary"},
		{"cap_net_bind_service", Input{Path: "/x/srv", Mode: 0o755, Caps: testFileCaps("cap_net_bind_service=ep", 0)}, "caps/low", "ordinary"},
		{"cap_net_admin", Input{Path: "/x/tool", Mode: 0o755, Caps: testFileCaps("cap_net_admin=ep", 0)}, "caps/medium", "cap_net_admin (configure"},
		{"cap_sys_admin", Input{Path: "/x/tool", Mode: 0o755, Caps: testFileCaps("cap_net_raw,cap_sys_admin=ep", 0)}, "caps/high", "the new root"},
		{"cap_dac_read_search", Input{Path: "/x/tool", Mode: 0o755, Caps: testFileCaps("cap_dac_read_search=p", 0)}, "caps/high", "read any file"},
		{"every capability", Input{Path: "/x/tool", Mode: 0o755, Caps: testFileCaps("=ep", 0)}, "caps/high", "can become root"},
		{"newuidmap as the table expects", Input{Path: "/usr/bin/newuidmap", Mode: 0o755, Caps: testFileCaps("cap_setuid=ep", 0)}, "caps/medium", "expected for newuidmap"},
		{"newuidmap with more than expected", Input{Path: "/usr/bin/newuidmap", Mode: 0o755, Caps: testFileCaps("cap_setuid,cap_sys_admin=ep", 0)}, "caps/high", "cap_sys_admin"},
		{"gst-ptp-helper as the table expects", Input{Path: "/usr/lib/gst-ptp-helper", Mode: 0o755, Caps: testFileCaps("cap_net_admin,cap_net_bind_service=ep", 0)}, "caps/low", "expected for gst-ptp-helper"},
		{"dumpcap as the table expects", Input{Path: "/usr/bin/dumpcap", Mode: 0o754, Caps: testFileCaps("cap_net_admin,cap_net_raw=eip", 0)}, "caps/low", "expected for dumpcap"},
		{"caps on a file no one may execute", Input{Path: "/x/t", Mode: 0o644, Caps: testFileCaps("cap_sys_admin=ep", 0)}, "caps/medium", "no one may execute it now"},
		{"empty value", Input{Path: "/x/t", Mode: 0o755, Caps: testFileCaps("=", 0)}, "caps/info", "ambient"},
		{"inheritable only", Input{Path: "/x/t", Mode: 0o755, Caps: testFileCaps("cap_setuid=i", 0)}, "caps/low", "inheritable only"},
		{"foreign rootid", Input{Path: "/x/t", Mode: 0o755, Caps: testFileCaps("cap_setuid=ep", 1000)}, "foreign-rootid/low", "uid 1000"},
		{"bits above the last capability", Input{Path: "/x/t", Mode: 0o755, Caps: &model.FileCaps{Permitted: model.SetOf(model.CapNetRaw, 50), Effective: true, Revision: 2}}, "unknown-bits/info caps/low", "50"},
		{"unreadable", Input{Path: "/x/t", Mode: 0o755, CapsUnreadable: true}, "unreadable-caps/high", "revision 1 or malformed"},
		{"unreadable and world-writable", Input{Path: "/x/t", Mode: 0o757, CapsUnreadable: true}, "unreadable-caps/high writable/high", "EINVAL"},
		{"malformed", Input{Path: "/x/t", Mode: 0o755, CapsMalformed: "unknown flag bits"}, "malformed-caps/high", "unknown flag bits"},
		{"group-writable caps file", Input{Path: "/x/t", Mode: 0o775, GID: 100, Caps: testFileCaps("cap_net_raw=p", 0)}, "caps/low writable/high", "chmod go-w /x/t"},
		{"group root may write", Input{Path: "/x/t", Mode: 0o775, Caps: testFileCaps("cap_net_raw=p", 0)}, "caps/low", ""},
		{"caps file owned by a user", Input{Path: "/x/t", Mode: 0o755, UID: 1000, Caps: testFileCaps("cap_net_raw=p", 0)}, "caps/low writable/high", "chown root /x/t"},
		{"caps file in a writable directory", Input{Path: "/x/t", Mode: 0o755, Caps: testFileCaps("cap_net_raw=p", 0), DirWritable: "directory /x is world-writable"}, "caps/low writable/high", "directory /x is world-writable"},
		{"plain file in a writable directory", Input{Path: "/x/t", Mode: 0o755, DirWritable: "directory /x is world-writable"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Rate(tt.in, model.LastNamed)
			if s := findingSummary(got); s != tt.want {
				t.Fatalf("findings %q, want %q\n%+v", s, tt.want, got)
			}
			var all strings.Builder
			for _, f := range got {
				if f.Path != tt.in.Path || f.Mode != tt.in.Mode || f.Reason == "" || f.Fix == "" {
					t.Errorf("incomplete finding %+v", f)
				}
				if strings.Contains(f.Reason, "\n") || strings.Contains(f.Fix, "\n") {
					t.Errorf("multi-line finding %+v", f)
				}
				all.WriteString(f.Reason + " | " + f.Fix + "\n")
			}
			if !strings.Contains(all.String(), tt.text) {
				t.Errorf("findings do not mention %q:\n%s", tt.text, all.String())
			}
		})
	}
}

func TestAuditFindingCarriesTheFileCaps(t *testing.T) {
	got := Rate(Input{Path: "/p", Mode: 0o755, Caps: testFileCaps("cap_net_raw=p", 0)}, model.LastNamed)
	if len(got) != 1 || got[0].Caps == nil || got[0].Caps.Permitted != model.SetOf(model.CapNetRaw) {
		t.Fatalf("caps text: %+v", got)
	}
	got = Rate(Input{Path: "/p", Mode: 0o4755}, model.LastNamed)
	if len(got) != 1 || got[0].Caps != nil || got[0].Mode != 0o4755 {
		t.Fatalf("setid finding: %+v", got)
	}
}

func TestIsInterpreter(t *testing.T) {
	yes := []string{"python", "python3", "python3.11", "pypy3", "perl", "perl5.36.0", "ruby", "ruby3.1", "php8.2", "lua5.4", "node", "nodejs",
		"bash", "sh", "dash", "zsh", "ksh93", "busybox", "vim", "vim.basic", "vi", "nano", "less", "more", "tar", "awk", "gawk", "find", "env", "gdb", "emacs-gtk"}
	no := []string{"ping", "arping", "dumpcap", "newuidmap", "ssh", "shred", "true", "tarball", "findmnt", "envsubst", "lessecho", ""}
	for _, n := range yes {
		if !IsInterpreter(n) {
			t.Errorf("IsInterpreter(%q) = false", n)
		}
	}
	for _, n := range no {
		if IsInterpreter(n) {
			t.Errorf("IsInterpreter(%q) = true", n)
		}
	}
}

func TestFileWritable(t *testing.T) {
	tests := []struct {
		mode, uid, gid uint32
		want           string
	}{
		{0o755, 0, 0, ""},
		{0o775, 0, 0, ""},
		{0o775, 0, 100, "writable by group gid 100"},
		{0o757, 0, 0, "world-writable"},
		{0o755, 1000, 0, "writable by its owner uid 1000"},
		{0o555, 1000, 0, ""},
		{0o4777, 0, 0, "world-writable"},
	}
	for _, tt := range tests {
		if got := FileWritable(tt.mode, ID{N: tt.uid}, ID{N: tt.gid, Group: true}); got != tt.want {
			t.Errorf("FileWritable(%o, %d, %d) = %q, want %q", tt.mode, tt.uid, tt.gid, got, tt.want)
		}
	}
}

func TestNamesComeFromTheUserDatabase(t *testing.T) {
	n := newNames()
	if got := n.user(0).String(); got != "root" {
		t.Errorf("uid 0 is %q", got)
	}
	if got := n.group(0).String(); got != "root" {
		t.Errorf("gid 0 is %q", got)
	}
	if got := n.user(4294967000).String(); got != "uid 4294967000" {
		t.Errorf("an unknown uid is %q", got)
	}
	if got := n.group(4294967000).String(); got != "gid 4294967000" {
		t.Errorf("an unknown gid is %q", got)
	}
	if got := FileWritable(0o775, ID{N: 0}, ID{N: 50, Name: "staff", Group: true}); got != "writable by group staff" {
		t.Errorf("FileWritable by name: %q", got)
	}
}

func TestDirReplaceable(t *testing.T) {
	tests := []struct {
		mode, uid, gid, entryUID uint32
		want                     string
	}{
		{0o755, 0, 0, 0, ""},
		{0o755, 1000, 0, 0, "owned by uid 1000"},
		{0o555, 1000, 0, 0, "owned by uid 1000"}, // the owner may chmod it
		{0o775, 0, 100, 0, "writable by group gid 100"},
		{0o775, 0, 0, 0, ""},
		{0o777, 0, 0, 0, "world-writable"},
		{0o1777, 0, 0, 0, ""},                  // /tmp: the sticky bit protects root's entries
		{0o1777, 0, 0, 1000, "world-writable"}, // but not a user's own
		{0o1775, 0, 100, 0, ""},
	}
	for _, tt := range tests {
		if got := DirReplaceable(tt.mode, ID{N: tt.uid}, ID{N: tt.gid, Group: true}, tt.entryUID); got != tt.want {
			t.Errorf("DirReplaceable(%o, %d, %d, %d) = %q, want %q", tt.mode, tt.uid, tt.gid, tt.entryUID, got, tt.want)
		}
	}
}

func TestSeverity(t *testing.T) {
	for _, s := range []Severity{SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh} {
		got, err := ParseSeverity(strings.ToUpper(s.String()))
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseSeverity("critical"); err == nil {
		t.Error("ParseSeverity(critical) succeeded")
	}
	if !(SeverityHigh > SeverityMedium && SeverityMedium > SeverityLow && SeverityLow > SeverityInfo) {
		t.Error("severities are not ordered")
	}
	b, err := json.Marshal(SeverityHigh)
	if want := `"high"`; err != nil || string(b) != want {
		t.Errorf("JSON %s, %v; want %s", b, err, want)
	}
}

// TestRiskTables checks that every capability the tables rate has a
// description and that no capability is rated twice.
func TestRiskTables(t *testing.T) {
	if HighRiskCaps&MediumRiskCaps != 0 {
		t.Errorf("rated both high and medium: %s", (HighRiskCaps & MediumRiskCaps).Names())
	}
	for _, c := range (HighRiskCaps | MediumRiskCaps).Caps() {
		if capRisk[c] == "" {
			t.Errorf("%s has no description", c)
		}
	}
	for _, name := range []string{"cap_setuid", "cap_setgid", "cap_sys_admin", "cap_sys_ptrace", "cap_sys_module", "cap_dac_override",
		"cap_dac_read_search", "cap_chown", "cap_fowner", "cap_setfcap", "cap_setpcap", "cap_sys_rawio", "cap_bpf", "cap_sys_boot"} {
		c, ok := model.LookupName(name)
		if !ok || !HighRiskCaps.Has(c) {
			t.Errorf("%s is not rated high", name)
		}
	}
}
