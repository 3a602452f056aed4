package ocicheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// fixture is what every scenario shares: the probe, two root
// filesystems and two bind-mount sources, one of each on the disk and
// one on a nosuid tmpfs the test mounts.
type fixture struct {
	dir   string
	probe string
	// roots and sources map a location name to a host directory.
	roots   map[string]string
	sources map[string]string
}

// groupFile is the rootfs's /etc/group: gid 4242 is also the name of a
// group whose gid is 7, which runc's additionalGids lookup resolves.
const groupFile = "root:x:0:\nadm:x:4:\nstaff:x:50:\n# comment\n4242:x:7:\nusers:x:100:\n"

func newFixture(t *testing.T) *fixture {
	dir := testenv.PublicDir(t)
	f := &fixture{dir: dir, roots: map[string]string{}, sources: map[string]string{}}
	f.probe = buildProbe(t, dir)
	f.roots["disk"] = f.rootfs(t, filepath.Join(dir, "root-disk"))
	f.roots["nosuid-tmpfs"] = f.rootfs(t, mountTmpfs(t, filepath.Join(dir, "root-tmpfs")))
	f.sources["disk"] = mkdir(t, filepath.Join(dir, "src-disk"))
	f.sources["nosuid-tmpfs"] = mountTmpfs(t, filepath.Join(dir, "src-tmpfs"))
	for _, d := range []string{f.roots["nosuid-tmpfs"], f.sources["nosuid-tmpfs"]} {
		if err := testenv.CanStoreCaps(d); err != nil {
			t.Skipf("the tmpfs cannot store file capabilities: %v", err)
		}
	}
	return f
}

// buildProbe compiles probe/ as a static binary.
func buildProbe(t *testing.T, dir string) string {
	out := filepath.Join(dir, "probe")
	cmd := exec.Command("go", "build", "-o", out, "./probe")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build the static probe: %v\n%s", err, msg)
	}
	return out
}

// rootfs fills dir with what the containers need.
func (f *fixture) rootfs(t *testing.T, dir string) string {
	for _, d := range []string{"bin", "etc", "usr/bin", "proc", "dev", "sys", "opt"} {
		mkdir(t, filepath.Join(dir, d))
	}
	must(t, os.WriteFile(filepath.Join(dir, "etc/group"), []byte(groupFile), 0o644))
	must(t, os.Chmod(dir, 0o755))
	return dir
}

func mkdir(t *testing.T, dir string) string {
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.Chmod(dir, 0o755))
	return dir
}

// mountTmpfs mounts a nosuid tmpfs on dir, unmounted when the test ends.
func mountTmpfs(t *testing.T, dir string) string {
	mkdir(t, dir)
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID, "mode=0755"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// install copies the probe to path with the scenario's file facts.
func (f *fixture) install(path string, p *program) error {
	data, err := os.ReadFile(f.probe)
	if err != nil {
		return err
	}
	os.Remove(path)
	if err := os.WriteFile(path, data, 0o700); err != nil {
		return err
	}
	if err := os.Chown(path, int(p.Owner), int(p.Group)); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	if err := unix.Chmod(path, p.Mode); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	if p.Xattr != nil {
		if err := unix.Setxattr(path, "security.capability", p.Xattr, 0); err != nil {
			return fmt.Errorf("setxattr: %w", err)
		}
	}
	return nil
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
