package main

import (
	"bytes"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// capNetRawEP is the value `setcap cap_net_raw=ep` writes.
const capNetRawEP = "0100000200200000000000000000000000000000"

// runFcap runs fcap in-process and returns its status and output.
func runFcap(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	status = run(append([]string{"fcap"}, args...), strings.NewReader(""), &out, &errw)
	t.Logf("fcap %s → %d\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), status, out.String(), errw.String())
	return status, out.String(), errw.String()
}

// copyProgram copies the content of src (not its xattrs) to dst, with
// the mode set afterwards (a write would clear set-id bits).
func copyProgram(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil {
		t.Fatal(err)
	}
}

// capsHex returns the raw security.capability of path, or "none".
func capsHex(t *testing.T, path string) string {
	t.Helper()
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(path, "security.capability", buf)
	switch err {
	case nil:
		return hex.EncodeToString(buf[:n])
	case unix.ENODATA, unix.ENOTSUP:
		return "none"
	}
	t.Fatalf("getxattr %s: %v", path, err)
	return ""
}

func statOf(t *testing.T, path string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// asNobody runs a program as uid and gid 65534 without supplementary
// groups.
func asNobody(name string, args ...string) *exec.Cmd {
	return exec.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", name}, args...)...)
}

// TestConvertRealPing converts a setuid root copy of the real ping and
// runs it as nobody: it still works, with cap_net_raw=ep and no setuid
// bit. A copy with neither does not (unless the kernel lets nobody use
// ICMP datagram sockets, which makes the check weaker: logged).
func TestConvertRealPing(t *testing.T) {
	testenv.RequireRoot(t)
	src, err := exec.LookPath("ping")
	if err != nil {
		t.Skip("ping is not installed (apt-get install iputils-ping)")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv is not installed (util-linux)")
	}
	dir := testenv.PublicDir(t)
	if testenv.CanStoreCaps(dir) != nil {
		t.Skipf("%s cannot store security.capability", dir)
	}
	ping := filepath.Join(dir, "ping")
	copyProgram(t, src, ping, 0o755|os.ModeSetuid)

	plain := filepath.Join(dir, "plain")
	copyProgram(t, src, plain, 0o755)
	if out, err := asNobody(plain, "-c1", "-W2", "127.0.0.1").CombinedOutput(); err == nil {
		t.Logf("a copy without privileges works as nobody too (ping_group_range allows ICMP sockets): %s", out)
	}

	status, stdout, _ := runFcap(t, "convert", ping)
	if status != exitOK || stdout != ping+": converted: setuid root → cap_net_raw=ep\n" {
		t.Fatalf("convert: status %d, stdout %q", status, stdout)
	}
	st := statOf(t, ping)
	if st.Mode&0o7777 != 0o755 {
		t.Errorf("mode %04o after convert, want 0755", st.Mode&0o7777)
	}
	if got := capsHex(t, ping); got != capNetRawEP {
		t.Errorf("caps %s, want %s", got, capNetRawEP)
	}
	out, err := asNobody(ping, "-c1", "-W2", "127.0.0.1").CombinedOutput()
	if err != nil {
		t.Fatalf("converted ping as nobody: %v\n%s", err, out)
	}
	t.Logf("converted ping as nobody:\n%s", out)

	checkSecondRunChangesNothing(t, ping, st)
}

// checkSecondRunChangesNothing runs convert again: "already converted",
// status 0, and the inode is not touched (same ctime).
func checkSecondRunChangesNothing(t *testing.T, path string, before unix.Stat_t) {
	t.Helper()
	time.Sleep(10 * time.Millisecond)
	status, stdout, _ := runFcap(t, "convert", path)
	if status != exitOK || !strings.Contains(stdout, "already converted") {
		t.Fatalf("second convert: status %d, stdout %q", status, stdout)
	}
	if after := statOf(t, path); after.Ctim != before.Ctim || after.Mode != before.Mode {
		t.Errorf("second convert changed the file: ctime %v → %v, mode %o → %o", before.Ctim, after.Ctim, before.Mode, after.Mode)
	}
}

// TestConvertFallback converts on filesystems that cannot store file
// capabilities but honour setuid bits: the file keeps its setuid bit and
// convert exits 3.
func TestConvertFallback(t *testing.T) {
	testenv.RequireRoot(t)
	t.Run("bindfs --xattr-none", func(t *testing.T) {
		testFallback(t, mountBindfsNoXattr(t))
	})
	t.Run("ramfs", func(t *testing.T) {
		testFallback(t, mountFS(t, "ramfs", ""))
	})
}

func testFallback(t *testing.T, dir string) {
	ping := filepath.Join(dir, "ping")
	copyProgram(t, "/bin/true", ping, 0o755|os.ModeSetuid)
	status, stdout, stderr := runFcap(t, "convert", ping)
	if status != exitFellBack {
		t.Errorf("status %d, want %d (fell back)", status, exitFellBack)
	}
	want := "fcap: convert " + ping + ": fell back: the capabilities could not be written (set " + ping +
		": filesystem does not support file capabilities); it keeps setuid root\n"
	if stdout != "" || stderr != want {
		t.Errorf("stdout %q, stderr %q; want stderr %q", stdout, stderr, want)
	}
	if st := statOf(t, ping); st.Mode&0o7777 != 0o4755 {
		t.Errorf("mode %04o after the fallback, want 4755", st.Mode&0o7777)
	}
	if got := capsHex(t, ping); got != "none" {
		t.Errorf("caps %s after the fallback", got)
	}
	if err := exec.Command(ping).Run(); err != nil {
		t.Errorf("the program no longer runs: %v", err)
	}
}

// TestConvertChmodFails makes clearing the setuid bit fail after the
// capabilities were written (bindfs --chmod-deny): convert says the file
// still works and exits 1; --revert then restores the original state.
func TestConvertChmodFails(t *testing.T) {
	testenv.RequireRoot(t)
	src, mnt := t.TempDir(), t.TempDir()
	mountBindfs(t, src, mnt, "--chmod-deny", "-o", "suid")
	copyProgram(t, "/bin/true", filepath.Join(src, "ping"), 0o755|os.ModeSetuid)
	ping := filepath.Join(mnt, "ping")
	status, _, stderr := runFcap(t, "convert", ping)
	want := "fcap: convert " + ping + ": clearing the set-id bits: chmod " + ping +
		": permission denied; the file still works: it keeps setuid root and has cap_net_raw=ep\n"
	if status != exitFailed || stderr != want {
		t.Errorf("status %d, stderr %q; want 1, %q", status, stderr, want)
	}
	if st := statOf(t, ping); st.Mode&0o7777 != 0o4755 {
		t.Errorf("mode %04o, want 4755", st.Mode&0o7777)
	}
	if got := capsHex(t, filepath.Join(src, "ping")); got != capNetRawEP {
		t.Errorf("caps %s, want %s", got, capNetRawEP)
	}
	if status, stdout, _ := runFcap(t, "convert", "--revert", ping); status != exitOK || !strings.Contains(stdout, "reverted") {
		t.Errorf("revert: status %d, stdout %q", status, stdout)
	}
	if got := capsHex(t, filepath.Join(src, "ping")); got != "none" {
		t.Errorf("caps %s after revert", got)
	}
}

// mountBindfs mounts a bindfs view of src on mnt with the options,
// unmounted at the end.
func mountBindfs(t *testing.T, src, mnt string, opts ...string) {
	t.Helper()
	if _, err := exec.LookPath("bindfs"); err != nil {
		t.Skip("bindfs is not installed (apt-get install bindfs fuse3)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse")
	}
	if out, err := exec.Command("bindfs", append(opts, src, mnt)...).CombinedOutput(); err != nil {
		t.Skipf("bindfs: %v: %s", err, out)
	}
	t.Cleanup(func() { unmount(t, mnt) })
}

// mountBindfsNoXattr mounts a bindfs view of a new directory that refuses
// xattrs but honours setuid bits, unmounted at the end.
func mountBindfsNoXattr(t *testing.T) string {
	t.Helper()
	mnt := t.TempDir()
	mountBindfs(t, t.TempDir(), mnt, "--xattr-none", "-o", "suid")
	return mnt
}

// mountFS mounts a new filesystem of type fstype, unmounted at the end.
func mountFS(t *testing.T, fstype, opts string) string {
	t.Helper()
	mnt := t.TempDir()
	if err := unix.Mount(fstype, mnt, fstype, 0, opts); err != nil {
		t.Skipf("mount -t %s: %v", fstype, err)
	}
	t.Cleanup(func() { unmount(t, mnt) })
	return mnt
}

func unmount(t *testing.T, mnt string) {
	var err error
	for i := 0; i < 50; i++ {
		if err = unix.Unmount(mnt, 0); err != unix.EBUSY {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Errorf("umount %s: %v", mnt, err)
	}
}

// TestConvertNosuid refuses to convert on a nosuid mount: the setuid bit
// does not work there and neither would the capabilities.
func TestConvertNosuid(t *testing.T) {
	testenv.RequireRoot(t)
	dir := mountFS(t, "tmpfs", "mode=755")
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_NOSUID, "mode=755"); err != nil {
		t.Skipf("remount nosuid: %v", err)
	}
	ping := filepath.Join(dir, "ping")
	copyProgram(t, "/bin/true", ping, 0o755|os.ModeSetuid)
	status, _, stderr := runFcap(t, "convert", ping)
	if status != exitFailed || !strings.Contains(stderr, "refused: an unprivileged user would not get cap_net_raw") ||
		!strings.Contains(stderr, "file-caps-ignored-nosuid") {
		t.Errorf("status %d, stderr %q", status, stderr)
	}
	if got := capsHex(t, ping); got != "none" {
		t.Errorf("caps %s written despite the refusal", got)
	}
}
