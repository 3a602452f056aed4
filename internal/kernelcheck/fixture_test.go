//go:build linux

package kernelcheck

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/model"
)

const capXattr = "security.capability"

// location is a directory probes are executed from.
type location struct {
	Name           string
	Dir            string
	NoSuid, NoExec bool
	Weight         int // how often scenarios use it, relative to the others
	// Sub is the directory under Dir that holds the probes and scripts;
	// each scenario sets its owner, mode and ACL. Empty for the ext4
	// image, whose files are in Raw.
	Sub string
	// Probes maps a probe kind ("cat", "self") to a file in Sub whose
	// owner, mode, xattr and ACL each scenario sets.
	Probes map[string]string
	Raw    []rawFile
	// Loader is the program interpreter the location's cat names (a
	// file each scenario makes), and realLoader the one /bin/cat names.
	Loader, realLoader string
}

// rawFile is a copy of cat on the ext4 image carrying a security.capability
// value written with debugfs, bypassing setxattr's checks.
type rawFile struct {
	Label    string
	Path     string
	Value    []byte
	UID, GID uint32
}

// fixture holds the scenario locations: a plain directory, a tmpfs
// mounted nosuid, one mounted noexec, and (when e2fsprogs is installed)
// an ext4 image with raw xattrs, mounted once normally and once through a
// nosuid bind mount.
type fixture struct {
	base string
	locs []*location
	// launcher is a copy of the test binary every user may execute (the
	// build directory is private), for launchers in user namespaces.
	launcher string
}

func newFixture(t *testing.T, r *rand.Rand, self string, lastCap model.Cap) *fixture {
	t.Helper()
	base, err := os.MkdirTemp("", "fcap-kernelcheck-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	f := &fixture{base: base}
	must(t, os.Chmod(base, 0o755))
	f.launcher = filepath.Join(base, "launcher")
	must(t, copyFile(self, f.launcher))
	probes := map[string]string{"cat": "/bin/cat", "self": self}
	plain := f.mkdir(t, "plain")
	f.locs = append(f.locs, probeLocation(t, &location{Name: "plain", Dir: plain, Weight: 40}, probes))
	for _, m := range []struct {
		name   string
		flag   uintptr
		weight int
	}{{"tmpfs-nosuid", unix.MS_NOSUID, 20}, {"tmpfs-noexec", unix.MS_NOEXEC, 6}} {
		dir := f.mkdir(t, m.name)
		if err := unix.Mount("fcap-kernelcheck", dir, "tmpfs", m.flag|unix.MS_NODEV, "mode=0755,size=256m"); err != nil {
			t.Skipf("cannot mount a tmpfs (%v): not a privileged host", err)
		}
		t.Cleanup(func() { unmount(t, dir) })
		loc := &location{Name: m.name, Dir: dir, NoSuid: m.flag == unix.MS_NOSUID, NoExec: m.flag == unix.MS_NOEXEC, Weight: m.weight}
		f.locs = append(f.locs, probeLocation(t, loc, probes))
	}

	if err := f.addLoaderLocation(t, r); err != nil {
		t.Logf("no dynamic-loader location, loaders are not covered: %v", err)
	}
	if err := f.addExt4(t, r, lastCap); err != nil {
		t.Logf("no raw-xattr ext4 image, malformed values are not covered: %v", err)
	}
	return f
}

func (f *fixture) mkdir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(f.base, name)
	must(t, os.Mkdir(dir, 0o755))
	must(t, os.Chmod(dir, 0o755))
	return dir
}

// probeLocation gives loc a sub directory with a copy of each probe.
func probeLocation(t *testing.T, loc *location, probes map[string]string) *location {
	t.Helper()
	loc.Sub = filepath.Join(loc.Dir, "sub")
	must(t, os.Mkdir(loc.Sub, 0o755))
	loc.Probes = copyProbes(t, loc.Sub, probes)
	return loc
}

func copyProbes(t *testing.T, dir string, probes map[string]string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	for kind, src := range probes {
		dst := filepath.Join(dir, kind)
		must(t, copyFile(src, dst))
		out[kind] = dst
	}
	return out
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return out.Close()
}

// addExt4 builds an ext4 image holding copies of cat with raw xattrs
// and mounts it at ext4 and, nosuid, at ext4-nosuid.
func (f *fixture) addExt4(t *testing.T, r *rand.Rand, lastCap model.Cap) error {
	t.Helper()
	for _, tool := range []string{"mkfs.ext4", "debugfs", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			return err
		}
	}
	img := filepath.Join(f.base, "ext4.img")
	files := rawPresets(r, lastCap)
	if err := buildImage(img, f.base, files); err != nil {
		return err
	}
	dir := f.mkdir(t, "ext4")
	if out, err := exec.Command("mount", "-o", "loop,nodev", img, dir).CombinedOutput(); err != nil {
		return fmt.Errorf("mount -o loop: %v: %s", err, out)
	}
	t.Cleanup(func() { unmount(t, dir) })
	bind := f.mkdir(t, "ext4-nosuid")
	if err := unix.Mount(dir, bind, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind mount: %w", err)
	}
	t.Cleanup(func() { unmount(t, bind) })
	if err := unix.Mount("", bind, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("remount nosuid: %w", err)
	}
	f.locs = append(f.locs, &location{Name: "ext4", Dir: dir, Weight: 25, Raw: inDir(files, dir)},
		&location{Name: "ext4-nosuid", Dir: bind, NoSuid: true, Weight: 15, Raw: inDir(files, bind)})
	return nil
}

func inDir(files []rawFile, dir string) []rawFile {
	out := make([]rawFile, len(files))
	for i, f := range files {
		f.Path = filepath.Join(dir, f.Path)
		out[i] = f
	}
	return out
}

// buildImage makes an ext4 image with one copy of cat per file, its
// xattr set by debugfs.
func buildImage(img, tmp string, files []rawFile) error {
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-I", "256", img, "16M").CombinedOutput(); err != nil {
		return fmt.Errorf("mkfs.ext4: %v: %s", err, out)
	}
	var cmds strings.Builder
	for i, f := range files {
		val := filepath.Join(tmp, fmt.Sprintf("value%d", i))
		if err := os.WriteFile(val, f.Value, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(&cmds, "write /bin/cat %[1]s\nea_set -f %[2]s %[1]s %[3]s\nsif %[1]s uid %[4]d\nsif %[1]s gid %[5]d\nsif %[1]s mode 0100755\n",
			f.Path, val, capXattr, f.UID, f.GID)
	}
	if err := debugfs(img, cmds.String(), "-w"); err != nil {
		return err
	}
	return checkImage(img, tmp, files)
}

func debugfs(img, script string, flags ...string) error {
	cmd := exec.Command("debugfs", append(flags, "-f", "-", img)...)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("debugfs: %v: %s", err, out)
	}
	return nil
}

// checkImage reads every value back with debugfs: it reports few errors
// through its exit status.
func checkImage(img, tmp string, files []rawFile) error {
	var cmds strings.Builder
	for i, f := range files {
		fmt.Fprintf(&cmds, "ea_get -f %s %s %s\n", filepath.Join(tmp, fmt.Sprintf("check%d", i)), f.Path, capXattr)
	}
	if err := debugfs(img, cmds.String()); err != nil {
		return err
	}
	for i, f := range files {
		got, err := os.ReadFile(filepath.Join(tmp, fmt.Sprintf("check%d", i)))
		if err != nil || string(got) != string(f.Value) {
			return fmt.Errorf("debugfs stored %x for %s, want %x (%v)", got, f.Label, f.Value, err)
		}
	}
	return nil
}

// rawPresets are the values only a raw write can store: revision 1,
// unknown flag bits, a revision-3 rootid of 4294967295, malformed values
// (exec fails with EINVAL) and longer ones (ERANGE). getxattr refuses
// all of them, so fcap's own reading of each is undetermined or, for
// the rootid, known.
func rawPresets(r *rand.Rand, lastCap model.Cap) []rawFile {
	caps := func() uint32 { return uint32(randomSubset(r, model.UpTo(lastCap))) }
	high := func() uint32 { return uint32(randomSubset(r, model.UpTo(lastCap)) >> 32) }
	presets := []struct {
		label string
		words []uint32
		trim  int
	}{
		{"rev1-effective", []uint32{0x01000001, caps(), caps()}, 0},
		{"rev1", []uint32{0x01000000, caps(), caps()}, 0},
		{"rev1-effective-one-cap", []uint32{0x01000001, 1 << model.CapNetRaw, 0}, 0},
		{"rev2-unknown-flags", []uint32{0x02000f01, caps(), caps(), high(), high()}, 0},
		{"rev3-rootid0-unknown-flags", []uint32{0x03000101, caps(), caps(), high(), high(), 0}, 0},
		{"rev3-rootid1000-unknown-flags", []uint32{0x03000301, caps(), caps(), high(), high(), 1000}, 0},
		{"rev2-all-zero", []uint32{0x02000000, 0, 0, 0, 0}, 0},
		{"unknown-revision-4", []uint32{0x04000001, caps(), caps(), 0, 0}, 0},
		{"revision-0", []uint32{0x00000001, caps(), caps(), 0, 0}, 0},
		{"rev2-24-bytes", []uint32{0x02000001, caps(), caps(), 0, 0, 0}, 0},
		{"rev3-20-bytes", []uint32{0x03000001, caps(), caps(), 0, 0}, 0},
		{"rev1-20-bytes", []uint32{0x01000001, caps(), caps(), 0, 0}, 0},
		{"3-bytes", []uint32{0x02000001}, 1},
		{"rev3-rootid-invalid", []uint32{0x03000001, caps(), caps(), high(), high(), 0xffffffff}, 0},
		{"rev2-28-bytes", []uint32{0x02000001, caps(), caps(), 0, 0, 0, 0}, 0},
		{"rev3-32-bytes", []uint32{0x03000001, caps(), caps(), 0, 0, 0, 0, 0}, 0},
		{"empty", nil, 0},
	}
	out := make([]rawFile, len(presets))
	for i, p := range presets {
		b := make([]byte, 4*len(p.words))
		for j, w := range p.words {
			binary.LittleEndian.PutUint32(b[4*j:], w)
		}
		out[i] = rawFile{Label: p.label, Path: fmt.Sprintf("cat-%02d", i), Value: b[:len(b)-p.trim],
			UID: []uint32{0, 1000}[i%2], GID: []uint32{0, 100}[i/2%2]}
	}
	return out
}

func unmount(t *testing.T, dir string) {
	if err := unix.Unmount(dir, 0); err != nil && !errors.Is(err, unix.EINVAL) {
		t.Errorf("unmounting %s: %v; detaching", dir, err)
		unix.Unmount(dir, unix.MNT_DETACH)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
