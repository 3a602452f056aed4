package pkgdb

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fcap/internal/testenv"
	"fcap/manifest"
	"fcap/model"
)

// writeTree writes files beneath a new root.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// lines renders a baseline's entries as manifest lines with their
// package, and its unread calls as "PACKAGE: REASON".
func lines(b *Baseline) (entries, unread string) {
	var e, u []string
	for _, x := range b.Entries {
		e = append(e, x.Package+": "+manifest.FormatEntry(x.Entry, model.LastNamed)+" "+strings.Join(x.Notes, "; "))
	}
	for _, x := range b.Unread {
		u = append(u, x.Package+": "+x.Reason)
	}
	return strings.Join(e, "\n"), strings.Join(u, "\n")
}

// TestDeriveFromADpkgDatabase reads a dpkg database: postinst scripts
// (one diverted path, one statoverride, one path declared by two
// packages, one call that cannot be read), and scripts without setcap.
func TestDeriveFromADpkgDatabase(t *testing.T) {
	root := writeTree(t, map[string]string{
		"var/lib/dpkg/info/iputils-ping.postinst": iputilsPing,
		"var/lib/dpkg/info/iproute2.postinst":     iproute2,
		"var/lib/dpkg/info/mtr-tiny.postinst":     "setcap cap_net_raw+ep /usr/bin/mtr-packet || chmod u+s /usr/bin/mtr-packet\n",
		"var/lib/dpkg/info/other:amd64.postinst":  "setcap cap_net_raw=ep /usr/bin/mtr-packet\nsetcap cap_kill=p /usr/bin/fping\n",
		"var/lib/dpkg/info/plain.postinst":        "#!/bin/sh\nexit 0\n",
		"var/lib/dpkg/info/iputils-ping.list":     "/bin/ping\n",
		"var/lib/dpkg/info/iputils-ping.prerm":    "setcap cap_sys_admin=ep /bin/sh\n",
		"var/lib/dpkg/diversions":                 "/bin/ping\n/bin/ping.distrib\nlocal-ping\n",
		"var/lib/dpkg/statoverride":               "root root 4755 /usr/bin/fping\n",
	})
	b, err := Derive(Options{Root: root, RPM: "/nonexistent/rpm-is-not-here", Last: model.LastNamed})
	if err == nil {
		t.Fatal("a missing rpm program named explicitly is an error")
	}
	b, err = Derive(Options{Root: root, RPM: writeFakeRPM(t, ""), Last: model.LastNamed})
	if err != nil {
		t.Fatal(err)
	}
	entries, unread := lines(b)
	want := "iputils-ping: /bin/ping.distrib cap_net_raw=ep [fallback=setuid] \n" +
		"other:amd64: /usr/bin/fping cap_kill=p dpkg-statoverride sets root root 4755 on this path (the postinst may leave it alone)\n" +
		"mtr-tiny: /usr/bin/mtr-packet cap_net_raw=ep [fallback=setuid] also declared by other:amd64 (" +
		filepath.Join(root, "var/lib/dpkg/info/other:amd64.postinst") + ":1)"
	if entries != want {
		t.Errorf("entries:\n%s\nwant:\n%s", entries, want)
	}
	if !strings.HasPrefix(unread, `iproute2: it runs only when test "$RET" = "true" holds`) || strings.Count(unread, "\n") != 0 {
		t.Errorf("unread:\n%s", unread)
	}
	if len(b.Read) != 2 || !strings.Contains(b.Read[0], "dpkg: 5 postinst scripts in ") || !strings.Contains(b.Read[0], "4 of them call setcap") {
		t.Errorf("read: %q", b.Read)
	}
}

func TestDeriveWithoutDatabases(t *testing.T) {
	b, err := Derive(Options{Root: t.TempDir(), RPM: writeFakeRPM(t, ""), Last: model.LastNamed})
	if err != nil || len(b.Entries) != 0 || len(b.Unread) != 0 || !strings.HasPrefix(b.Read[0], "dpkg: no database") {
		t.Fatalf("%+v, %v", b, err)
	}
}

// writeFakeRPM writes a program that answers rpm -qa with out and
// keeps its database in /var/lib/rpm.
func writeFakeRPM(t *testing.T, out string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rpm")
	script := "#!/bin/sh\n[ \"$1\" = --eval ] && { echo /var/lib/rpm; exit 0; }\ncat <<'RPMEOF'\n" + out + "RPMEOF\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDeriveParsesRPMFileCaps(t *testing.T) {
	out := "cap_net_raw=p\tiputils\t/usr/bin/ping\n" +
		"\tiputils\t/usr/bin/tracepath\n" +
		"(none)\tbash\t/usr/bin/bash\n" +
		"cap_setgid=ep\tshadow-utils\t/usr/bin/newgidmap\n" +
		"cap_bogus=ep\tbroken\t/usr/bin/x\n" +
		"cap_net_raw=ep\tspaces\t/opt/a b\n"
	root := t.TempDir()
	b, err := Derive(Options{Root: root, RPM: writeFakeRPM(t, out), Last: model.LastNamed})
	if err != nil || len(b.Entries) != 0 || b.Read[1] != "rpm: no database ("+root+"/var/lib/rpm)" {
		t.Fatalf("without a database: %+v, %v", b, err)
	}
	if err := os.MkdirAll(filepath.Join(root, "var/lib/rpm"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err = Derive(Options{Root: root, RPM: writeFakeRPM(t, out), Last: model.LastNamed})
	if err != nil {
		t.Fatal(err)
	}
	entries, unread := lines(b)
	want := "spaces: /opt/a\\040b cap_net_raw=ep \n" +
		"shadow-utils: /usr/bin/newgidmap cap_setgid=ep \n" +
		"iputils: /usr/bin/ping cap_net_raw=p "
	if entries != want {
		t.Errorf("entries:\n%s\nwant:\n%s", entries, want)
	}
	if !strings.HasPrefix(unread, `broken: invalid capability text "cap_bogus=ep"`) {
		t.Errorf("unread: %s", unread)
	}
	if !strings.Contains(b.Read[1], "rpm: FILECAPS of 6 installed files") {
		t.Errorf("read: %q", b.Read)
	}
}

// TestDeriveReadsARealRPMDatabase builds a package with
// %caps(cap_net_raw=ep) with rpmbuild, installs it into a scratch root
// with rpm, and finds its FILECAPS in the derived baseline.
func TestDeriveReadsARealRPMDatabase(t *testing.T) {
	testenv.RequireRoot(t)
	for _, tool := range []string{"rpm", "rpmbuild"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	rpmFile := buildRPM(t)
	root := t.TempDir()
	install := exec.Command("rpm", "--root", root, "-i", "--nodeps", "--nosignature", rpmFile)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("rpm -i: %v\n%s", err, out)
	}
	b, err := Derive(Options{Root: root, Last: model.LastNamed})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := lines(b)
	if entries != "fcap-rpmtest: /usr/bin/fcap-rpmtest cap_net_raw=ep " {
		t.Errorf("entries: %q", entries)
	}
}

// buildRPM builds fcap-rpmtest, one script with %caps(cap_net_raw=ep)
// and one file without, in a temporary top directory.
func buildRPM(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	spec := `Name: fcap-rpmtest
Version: 1.0
Release: 1
Summary: fcap test package
License: MIT
BuildArch: noarch
%description
A file with capabilities, for fcap's tests.
%install
mkdir -p %{buildroot}/usr/bin
printf '#!/bin/sh\nexit 0\n' > %{buildroot}/usr/bin/fcap-rpmtest
printf 'data\n' > %{buildroot}/usr/bin/fcap-rpmtest-data
%files
%attr(0755,root,root) %caps(cap_net_raw=ep) /usr/bin/fcap-rpmtest
/usr/bin/fcap-rpmtest-data
`
	specFile := filepath.Join(top, "fcap-rpmtest.spec")
	if err := os.WriteFile(specFile, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("rpmbuild", "-bb", "--define", "_topdir "+top, "--nodeps", specFile)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("rpmbuild: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(top, "RPMS", "noarch", "fcap-rpmtest-*.rpm"))
	if len(files) != 1 {
		t.Fatalf("rpmbuild made %q", files)
	}
	return files[0]
}
