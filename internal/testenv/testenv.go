// Package testenv holds what fcap's tests need to know about the machine
// they run on: whether they are root, whether a directory can store file
// capabilities, and directories that other users may enter. A test that
// lacks what it needs skips, saying why.
package testenv

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// probeValue is the revision-2 value of cap_net_raw=ep.
var probeValue = []byte{0x01, 0, 0, 0x02, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

// RequireRoot skips t unless it runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test sets file capabilities, mounts or runs programs as other users")
	}
}

// RequireInitialUserNS skips t unless it runs in the initial user
// namespace, where the states the differentials set up mean what they
// say on the host.
func RequireInitialUserNS(t testing.TB) {
	t.Helper()
	m, err := os.ReadFile("/proc/self/uid_map")
	if err != nil || strings.Join(strings.Fields(string(m)), " ") != "0 0 4294967295" {
		t.Skipf("needs the initial user namespace (uid_map %q)", m)
	}
}

// CanStoreCaps reports why this process cannot write security.capability
// on a new file in dir ("" for the default temporary directory), or nil.
func CanStoreCaps(dir string) error {
	f, err := os.CreateTemp(dir, "fcap-xattr-probe")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := unix.Fsetxattr(int(f.Fd()), "security.capability", probeValue, 0); err != nil {
		return fmt.Errorf("cannot store security.capability in %s: %w", f.Name(), err)
	}
	return nil
}

// CapDir returns a fresh directory in which the test can write
// security.capability, or skips t saying why there is none.
func CapDir(t testing.TB) string {
	t.Helper()
	RequireRoot(t)
	dir := t.TempDir()
	if err := CanStoreCaps(dir); err != nil {
		t.Skip(err)
	}
	return dir
}

// PublicDir returns a temporary directory that every user may enter (a
// t.TempDir and its parent are mode 0700), removed when t ends.
func PublicDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "fcap-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
