package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// applyRun runs fcap with args in dir and returns the exit status and
// output.
func applyRun(t *testing.T, dir, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(dir)
	var out, errw bytes.Buffer
	code = run(append([]string{"fcap"}, args...), strings.NewReader(stdin), &out, &errw)
	return code, out.String(), errw.String()
}

// needCaps skips unless the test can write security.capability in a
// temporary directory.
func needCaps(t *testing.T) {
	t.Helper()
	testenv.RequireRoot(t)
	if err := testenv.CanStoreCaps(""); err != nil {
		t.Skip(err)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestApplyUsage(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"m": "a -\n"})
	for _, args := range [][]string{
		{"apply"},
		{"apply", "-", "-"},
		{"apply", "--root", "", "m"},
		{"apply", "--root-symlinks", "m"},
		{"apply", "--bogus", "m"},
	} {
		code, _, stderr := applyRun(t, dir, "", args...)
		if code != exitUsage || !strings.Contains(stderr, "Run 'fcap apply --help'") {
			t.Errorf("fcap %s: exit %d, stderr %q; want a usage error (2)", strings.Join(args, " "), code, stderr)
		}
	}
}

func TestApplyExitStatus(t *testing.T) {
	needCaps(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a": "x", "b": "x",
		"good.list": "a cap_net_raw=ep\nb -\n",
		"bad.list":  "a cap_net_raw=ep\nb cap_nope=p\n",
		"miss.list": "a cap_net_raw=ep\nnowhere -\n",
	})
	steps := []struct {
		args       []string
		code       int
		stdout     string
		stderrPart string
	}{
		{[]string{"apply", "--check", "good.list"}, exitFailed, "a: has none, want cap_net_raw=ep\n", ""},
		{[]string{"apply", "bad.list"}, exitFailed, "", "bad.list:2: invalid capability text"},
		{[]string{"apply", "good.list"}, exitOK, "a: set cap_net_raw=ep (was none)\n", ""},
		{[]string{"apply", "good.list"}, exitOK, "", ""},
		{[]string{"apply", "--check", "good.list"}, exitOK, "", ""},
		{[]string{"apply", "miss.list"}, exitFailed, "", "open nowhere: no such file or directory"},
		{[]string{"apply", "--check", "-"}, exitOK, "", ""},
	}
	for _, s := range steps {
		code, stdout, stderr := applyRun(t, dir, "a cap_net_raw=ep\n", s.args...)
		if code != s.code || stdout != s.stdout || !strings.Contains(stderr, s.stderrPart) || (s.stderrPart == "" && stderr != "") {
			t.Errorf("fcap %s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q",
				strings.Join(s.args, " "), code, stdout, stderr, s.code, s.stdout, s.stderrPart)
		}
	}
}

// TestApplyManifestFromFIFO reads a manifest that cannot be rewound: it
// is spooled, checked whole, then applied.
func TestApplyManifestFromFIFO(t *testing.T) {
	needCaps(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a": "x"})
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			f.WriteString("# from a pipe\na cap_kill=p\n")
			f.Close()
		}
	}()
	code, stdout, stderr := applyRun(t, dir, "", "apply", "fifo")
	if code != exitOK || stdout != "a: set cap_kill=p (was none)\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// bindfsNoXattr mounts src on mnt with bindfs --xattr-none, a filesystem
// that refuses every extended attribute, or skips the test. opts are more
// bindfs options: bindfs mounts nosuid unless given -o suid.
func bindfsNoXattr(t *testing.T, src, mnt string, opts ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount bindfs")
	}
	if _, err := exec.LookPath("bindfs"); err != nil {
		t.Skip("bindfs is not installed (apt-get install bindfs fuse3)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse")
	}
	if out, err := exec.Command("bindfs", append(append([]string{"--xattr-none"}, opts...), src, mnt)...).CombinedOutput(); err != nil {
		t.Skipf("bindfs --xattr-none failed: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})
}

func TestApplyFallbackSetuid(t *testing.T) {
	dir := t.TempDir()
	src, mnt := filepath.Join(dir, "src"), filepath.Join(dir, "mnt")
	for _, d := range []string{src, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFiles(t, src, map[string]string{"prog": "x", "user": "x"})
	if err := os.Chown(filepath.Join(src, "user"), 65534, 65534); err != nil {
		t.Fatal(err)
	}
	bindfsNoXattr(t, src, mnt, "-o", "suid")
	writeFiles(t, dir, map[string]string{
		"root.list": "mnt/prog cap_net_raw=ep\n",
		"user.list": "mnt/user cap_net_raw=ep\n",
	})
	steps := []struct {
		args               []string
		code               int
		stdout, stderrPart string
	}{
		{[]string{"apply", "root.list"}, exitFailed, "", "set mnt/prog: filesystem does not support file capabilities"},
		{[]string{"apply", "--check", "--fallback-setuid", "root.list"}, exitFailed, "mnt/prog: has none, want cap_net_raw=ep\n", ""},
		{[]string{"apply", "--fallback-setuid", "root.list"}, exitFellBack, "mnt/prog: set the setuid bit, mode 4755 (was 0755)\n", "warning: mnt/prog: the filesystem cannot store cap_net_raw=ep"},
		{[]string{"apply", "--fallback-setuid", "root.list"}, exitFellBack, "", "warning: mnt/prog"},
		{[]string{"apply", "--check", "--fallback-setuid", "root.list"}, exitFellBack, "", "warning: mnt/prog"},
		{[]string{"apply", "--check", "root.list"}, exitFailed, "mnt/prog: has none, want cap_net_raw=ep\n", ""},
		{[]string{"apply", "--fallback-setuid", "user.list"}, exitFailed, "", "owned by uid 65534, not root"},
	}
	for _, s := range steps {
		code, stdout, stderr := applyRun(t, dir, "", s.args...)
		if code != s.code || stdout != s.stdout || !strings.Contains(stderr, s.stderrPart) {
			t.Errorf("fcap %s: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr with %q",
				strings.Join(s.args, " "), code, stdout, stderr, s.code, s.stdout, s.stderrPart)
		}
	}
	assertMode(t, filepath.Join(src, "prog"), 0o4755)
	assertMode(t, filepath.Join(src, "user"), 0o755)
}

func assertMode(t *testing.T, path string, want uint32) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	if got := st.Mode & 0o7777; got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

// TestApplyFallbackRefusedOnNosuid proves that --fallback-setuid does not
// report success where a setuid bit would do nothing either: on a nosuid
// mount (bindfs's default) it refuses, and the file is left as it was.
func TestApplyFallbackRefusedOnNosuid(t *testing.T) {
	dir := t.TempDir()
	src, mnt := filepath.Join(dir, "src"), filepath.Join(dir, "mnt")
	for _, d := range []string{src, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFiles(t, src, map[string]string{"prog": "x"})
	bindfsNoXattr(t, src, mnt)
	writeFiles(t, dir, map[string]string{
		"root.list":  "mnt/prog cap_net_raw=ep\n",
		"entry.list": "mnt/prog cap_net_raw=ep [fallback=setuid]\n",
	})
	for _, args := range [][]string{{"apply", "--fallback-setuid", "root.list"}, {"apply", "entry.list"}} {
		code, stdout, stderr := applyRun(t, dir, "", args...)
		if code != exitFailed || stdout != "" || !strings.Contains(stderr, "mounted nosuid") {
			t.Errorf("fcap %s: exit %d, stdout %q, stderr %q; want exit 1 naming the nosuid mount", strings.Join(args, " "), code, stdout, stderr)
		}
		code, stdout, _ = applyRun(t, dir, "", append([]string{"apply", "--check"}, args[1:]...)...)
		if code != exitFailed || stdout != "mnt/prog: has none, want cap_net_raw=ep\n" {
			t.Errorf("fcap apply --check %v: exit %d, stdout %q; want drift", args[1:], code, stdout)
		}
	}
	assertMode(t, filepath.Join(src, "prog"), 0o755)
}
