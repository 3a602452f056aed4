package hardening

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fcapBin is the fcap binary under test, built by TestMain.
var fcapBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	if bin := os.Getenv("FCAP_BIN"); bin != "" {
		fcapBin = bin
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "fcap-hardening-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Other users must be able to run it (the non-root rows of the
	// error matrix).
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fcapBin = filepath.Join(dir, "fcap")
	build := exec.Command("go", "build", "-o", fcapBin, "../../cmd/fcap")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building fcap: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// Raw security.capability values (revision 2), as libcap writes them.
const (
	capChownP   = "0000000201000000000000000000000000000000" // cap_chown=p
	capNetRawEP = "0100000200200000000000000000000000000000" // cap_net_raw=ep
	noCaps      = "none"
)

const capName = "security.capability"

// requireTool skips t when a program is not installed.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed", name)
	}
	return p
}

// result is what one run of a command did.
type result struct {
	code           int
	stdout, stderr string
	maxRSSKiB      int64
}

// runOpts tunes run.
type runOpts struct {
	dir     string
	stdin   io.Reader
	timeout time.Duration
	// wrap runs fcap through another program, e.g. setpriv or strace.
	wrap []string
	cred *syscall.Credential
	// stdout and stderr, when set, receive the output instead of the
	// result (for runs that print too much to keep).
	stdout, stderr io.Writer
}

// fcap runs the fcap binary with args in dir and returns what it did.
func fcap(t testing.TB, dir string, args ...string) result {
	t.Helper()
	return run(t, runOpts{dir: dir}, args...)
}

// run runs fcap as opts say. It fails t when fcap cannot be started or
// outlives the timeout (a hang is a failure: e.g. a FIFO opened for
// reading).
func run(t testing.TB, opts runOpts, args ...string) result {
	t.Helper()
	r, err := tryRun(opts, args...)
	if err != nil {
		t.Fatalf("fcap %s: %v", strings.Join(args, " "), err)
	}
	return r
}

func tryRun(opts runOpts, args ...string) (result, error) {
	if opts.timeout == 0 {
		opts.timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.timeout)
	defer cancel()
	argv := append(append(append([]string{}, opts.wrap...), fcapBin), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = opts.dir
	cmd.Stdin = opts.stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if opts.stdout != nil {
		cmd.Stdout = opts.stdout
	}
	if opts.stderr != nil {
		cmd.Stderr = opts.stderr
	}
	if opts.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: opts.cred}
	}
	err := cmd.Run()
	if ctx.Err() != nil {
		return result{}, fmt.Errorf("still running after %v (killed)", opts.timeout)
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if cmd.ProcessState != nil {
		r.code = cmd.ProcessState.ExitCode()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSSKiB = ru.Maxrss
		}
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return r, err
	}
	return r, nil
}

// fcapHas reports whether the binary under test has the command name
// (`fcap help` lists it).
func fcapHas(t testing.TB, name string) bool {
	t.Helper()
	r := fcap(t, "", "help")
	for _, line := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(strings.ReplaceAll(line, ",", " "))
		if len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}

// fileState is what a test compares to prove that nothing changed: the
// raw capability value, type and mode, owner, size and the inode's change
// time (which any attribute or mode write advances).
type fileState struct {
	Exists bool
	Mode   uint32
	UID    uint32
	GID    uint32
	Size   int64
	Ctime  unix.Timespec
	Xattr  string // hex, "none", or "error: ..."
}

func (s fileState) String() string {
	if !s.Exists {
		return "missing"
	}
	return fmt.Sprintf("mode %o uid %d gid %d size %d ctime %d.%09d xattr %s",
		s.Mode, s.UID, s.GID, s.Size, s.Ctime.Sec, s.Ctime.Nsec, s.Xattr)
}

// stateOf reads path's state without following a symlink.
func stateOf(path string) fileState {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return fileState{}
	}
	return fileState{Exists: true, Mode: st.Mode, UID: st.Uid, GID: st.Gid, Size: st.Size,
		Ctime: st.Ctim, Xattr: xattrHex(path)}
}

// xattrHex is path's raw security.capability in hex, "none" when it has
// none (or its filesystem has no xattrs), without following a symlink.
func xattrHex(path string) string {
	buf := make([]byte, 4096)
	n, err := unix.Lgetxattr(path, capName, buf)
	switch {
	case errors.Is(err, unix.ENODATA), errors.Is(err, unix.ENOTSUP):
		return noCaps
	case err != nil:
		return "error: " + err.Error()
	}
	return hex.EncodeToString(buf[:n])
}

// setXattrHex writes a raw value, bypassing fcap.
func setXattrHex(t testing.TB, path, value string) {
	t.Helper()
	v, err := hex.DecodeString(value)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Lsetxattr(path, capName, v, 0); err != nil {
		t.Fatalf("setxattr %s: %v", path, err)
	}
}

// writeFile creates a file with mode perm (set-id bits included, not
// masked by the umask).
func writeFile(t testing.TB, path string, perm uint32) {
	t.Helper()
	if err := os.WriteFile(path, []byte("not a script\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := unix.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

// mount mounts and registers the unmount in t.Cleanup.
func mount(t testing.TB, source, target, fstype string, flags uintptr, data string) {
	t.Helper()
	if err := unix.Mount(source, target, fstype, flags, data); err != nil {
		t.Fatalf("mount %s on %s (%s): %v", source, target, fstype, err)
	}
	t.Cleanup(func() { unmount(t, target) })
}

// unmount unmounts target, lazily if it is busy.
func unmount(t testing.TB, target string) {
	t.Helper()
	var err error
	for i := 0; i < 50; i++ {
		if err = unix.Unmount(target, 0); err != unix.EBUSY {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err == unix.EBUSY {
		err = unix.Unmount(target, unix.MNT_DETACH)
	}
	if err != nil && err != unix.EINVAL {
		t.Errorf("umount %s: %v", target, err)
	}
}

// mkdir creates a directory with mode perm.
func mkdir(t testing.TB, path string, perm os.FileMode) {
	t.Helper()
	if err := os.Mkdir(path, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

// lchown changes the owner of path itself.
func lchown(t testing.TB, uid int, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.Lchown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
}
