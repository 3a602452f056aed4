package hooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var testOpt = Options{Fcap: "/usr/bin/fcap"}

func TestFilesAreWhatEachManagerReads(t *testing.T) {
	files, err := Files([]string{"dpkg", "pacman", "dnf"}, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/etc/dpkg/dpkg.cfg.d/fcap":                               `post-invoke="if [ -x /usr/bin/fcap ]; then /usr/bin/fcap apply --system --quiet --log ${DPKG_ROOT:-}/var/log/fcap.log ${DPKG_ROOT:+--root-symlinks --root $DPKG_ROOT} || true; fi"`,
		"/etc/pacman.d/hooks/90-fcap.hook":                        "Exec = /bin/sh -c '[ ! -x /usr/bin/fcap ] || /usr/bin/fcap apply --system --quiet --log /var/log/fcap.log'",
		"/etc/dnf/plugins/post-transaction-actions.d/fcap.action": "*:in:/usr/bin/fcap apply --system --quiet --log /var/log/fcap.log",
		"/etc/dnf/libdnf5-plugins/actions.d/fcap.actions":         "post_transaction::::/usr/bin/fcap apply --system --quiet --log /var/log/fcap.log",
	}
	if len(files) != len(want) {
		t.Fatalf("%d files, want %d", len(files), len(want))
	}
	for _, f := range files {
		line, ok := want[f.Path]
		if !ok {
			t.Errorf("unexpected file %s", f.Path)
			continue
		}
		if !strings.Contains(f.Content, "\n"+line+"\n") || !strings.HasPrefix(f.Content, "# "+Marker) {
			t.Errorf("%s:\n%s\nwant the line\n%s", f.Path, f.Content, line)
		}
	}
}

// TestDpkgHookParsesAsDpkgConfiguration: dpkg accepts the file (an
// unknown option or unbalanced quotes would make every dpkg run fail).
func TestDpkgHookParsesAsDpkgConfiguration(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg is not installed")
	}
	files, _ := Files([]string{"dpkg"}, testOpt)
	// dpkg reads extra configuration from $HOME/.dpkg.cfg.
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".dpkg.cfg"), []byte(files[0].Content), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dpkg", "--audit")
	cmd.Env = append(os.Environ(), "HOME="+home)
	if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "configuration error") {
		t.Fatalf("dpkg rejects the hook: %v\n%s", err, out)
	}
}

// TestDpkgHookCommandRuns runs the post-invoke command with sh, as
// dpkg does, with a stand-in fcap: without DPKG_ROOT and with it.
func TestDpkgHookCommandRuns(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fcap")
	args := filepath.Join(dir, "args")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >> "+args+"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := Files([]string{"dpkg"}, Options{Fcap: fake})
	if err != nil {
		t.Fatal(err)
	}
	cmd := strings.TrimSuffix(strings.SplitN(files[0].Content, `post-invoke="`, 2)[1], "\"\n")
	for _, root := range []string{"", "/srv/chroot"} {
		sh := exec.Command("sh", "-c", cmd)
		sh.Env = append(os.Environ(), "DPKG_ROOT="+root)
		if out, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("the hook fails (it must not fail dpkg): %v\n%s", err, out)
		}
	}
	got, _ := os.ReadFile(args)
	want := "apply --system --quiet --log /var/log/fcap.log\n" +
		"apply --system --quiet --log /srv/chroot/var/log/fcap.log --root-symlinks --root /srv/chroot\n"
	if string(got) != want {
		t.Errorf("fcap ran with:\n%s\nwant:\n%s", got, want)
	}
	// Without fcap, the hook does nothing and succeeds.
	os.Remove(fake)
	if out, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
		t.Fatalf("without fcap: %v\n%s", err, out)
	}
}

func TestFilesRefusesBadPaths(t *testing.T) {
	for _, opt := range []Options{{Fcap: "fcap"}, {Fcap: "/opt/my fcap"}, {Fcap: "/usr/bin/fcap", Log: "/var/log/$x"}} {
		if _, err := Files([]string{"dpkg"}, opt); err == nil {
			t.Errorf("%+v accepted", opt)
		}
	}
	if _, err := Files([]string{"apk"}, testOpt); err == nil || !strings.Contains(err.Error(), `no hook for "apk"`) {
		t.Errorf("apk: %v", err)
	}
}

func TestDetect(t *testing.T) {
	root := t.TempDir()
	if got := Detect(root); len(got) != 0 {
		t.Errorf("empty root: %q", got)
	}
	for _, p := range []string{"etc/dpkg", "etc/dnf"} {
		os.MkdirAll(filepath.Join(root, p), 0o755)
	}
	if got := strings.Join(Detect(root), ","); got != "dnf,dpkg" {
		t.Errorf("got %q", got)
	}
}

// TestInstallAndRemove: install writes every file once, a second install
// changes nothing, a file someone else wrote is left alone unless
// --force, a symlink always, and remove deletes only fcap's files.
func TestInstallAndRemove(t *testing.T) {
	root := t.TempDir()
	files, _ := Files([]string{"dpkg", "pacman", "dnf"}, testOpt)
	summary := func(rs []Result) string {
		var s []string
		for _, r := range rs {
			x := []string{"unchanged", "written", "removed", "absent"}[r.Action]
			if r.Err != nil {
				x = "error: " + strings.ReplaceAll(r.Err.Error(), root, "ROOT")
			}
			s = append(s, x)
		}
		return strings.Join(s, "|")
	}
	if got := summary(Install(root, files, false)); got != "written|written|written|written" {
		t.Fatalf("install: %s", got)
	}
	b, _ := os.ReadFile(filepath.Join(root, "etc/dpkg/dpkg.cfg.d/fcap"))
	fi, _ := os.Stat(filepath.Join(root, "etc/dpkg/dpkg.cfg.d/fcap"))
	if string(b) != files[0].Content || fi.Mode().Perm() != 0o644 {
		t.Errorf("dpkg hook %v:\n%s", fi.Mode(), b)
	}
	if got := summary(Install(root, files, false)); got != "unchanged|unchanged|unchanged|unchanged" {
		t.Errorf("second install: %s", got)
	}
	mine := filepath.Join(root, "etc/pacman.d/hooks/90-fcap.hook")
	os.WriteFile(mine, []byte("[Trigger]\n# the admin's own\n"), 0o644)
	if got := summary(Install(root, files[1:2], false)); !strings.HasPrefix(got, "error: ROOT/etc/pacman.d/hooks/90-fcap.hook exists and was not written by fcap install-hooks; not touching it") {
		t.Errorf("foreign file: %s", got)
	}
	if got := summary(Remove(root, files[1:2])); !strings.HasPrefix(got, "error: ") {
		t.Errorf("remove of a foreign file: %s", got)
	}
	if got := summary(Install(root, files[1:2], true)); got != "written" {
		t.Errorf("--force: %s", got)
	}
	link := filepath.Join(root, "etc/dnf/plugins/post-transaction-actions.d/fcap.action")
	os.Remove(link)
	os.Symlink("/etc/passwd", link)
	if got := summary(Install(root, files[2:3], true)); !strings.Contains(got, "is a symlink; not touching it") {
		t.Errorf("symlink: %s", got)
	}
	os.Remove(link)
	if got := summary(Remove(root, files)); got != "removed|removed|absent|removed" {
		t.Errorf("remove: %s", got)
	}
	if got := summary(Remove(root, files)); got != "absent|absent|absent|absent" {
		t.Errorf("second remove: %s", got)
	}
}
