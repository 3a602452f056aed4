package hardening

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The setups of the error matrix. Each prepares a case in base and
// returns the paths, relative to base, that the command must not change.

func setupNothing(t *testing.T, base string) []string { return nil }

// setupFile makes base/name, mode 0755, without capabilities.
func setupFile(name string) func(t *testing.T, base string) []string {
	return func(t *testing.T, base string) []string {
		writeFile(t, filepath.Join(base, name), 0o755)
		return []string{name}
	}
}

// withCaps runs setup, then gives path cap_chown=p.
func withCaps(setup func(*testing.T, string) []string, path string) func(*testing.T, string) []string {
	return func(t *testing.T, base string) []string {
		watch := setup(t, base)
		setXattrHex(t, filepath.Join(base, path), capChownP)
		return watch
	}
}

// withProgram runs setup, then makes path a copy of a real program, for
// commands that look at what the file is (explain).
func withProgram(setup func(*testing.T, string) []string, path string) func(*testing.T, string) []string {
	return func(t *testing.T, base string) []string {
		watch := setup(t, base)
		b, err := os.ReadFile("/bin/true")
		if err != nil {
			t.Fatal(err)
		}
		writeBytes(t, filepath.Join(base, path), b)
		return watch
	}
}

// withManifest runs setup, then writes base/manifest holding line.
func withManifest(setup func(*testing.T, string) []string, line string) func(*testing.T, string) []string {
	return func(t *testing.T, base string) []string {
		watch := setup(t, base)
		writeBytes(t, filepath.Join(base, "manifest"), []byte(line+"\n"))
		return watch
	}
}

// withMode runs setup, then sets path's mode (set-id bits included).
func withMode(setup func(*testing.T, string) []string, path string, mode uint32) func(*testing.T, string) []string {
	return func(t *testing.T, base string) []string {
		watch := setup(t, base)
		if err := unix.Chmod(filepath.Join(base, path), mode); err != nil {
			t.Fatal(err)
		}
		return watch
	}
}

func setupBindfsXattrNone(t *testing.T, base string) []string {
	bindfs := requireTool(t, "bindfs")
	src, mnt := filepath.Join(base, "src"), filepath.Join(base, "mnt")
	mkdir(t, src, 0o755)
	mkdir(t, mnt, 0o755)
	writeFile(t, filepath.Join(src, "f"), 0o755)
	if out, err := exec.Command(bindfs, "--xattr-none", src, mnt).CombinedOutput(); err != nil {
		t.Skipf("bindfs --xattr-none cannot mount here: %v: %s", err, out)
	}
	t.Cleanup(func() { unmount(t, mnt) })
	return []string{"src/f", "mnt/f"}
}

func setupRamfs(t *testing.T, base string) []string {
	mkdir(t, filepath.Join(base, "ram"), 0o755)
	mount(t, "ramfs", filepath.Join(base, "ram"), "ramfs", 0, "")
	writeFile(t, filepath.Join(base, "ram", "f"), 0o755)
	return []string{"ram/f"}
}

// setupReadOnlyBind makes rw/f and a read-only bind mount of rw on ro.
func setupReadOnlyBind(t *testing.T, base string) []string {
	rw, ro := filepath.Join(base, "rw"), filepath.Join(base, "ro")
	mkdir(t, rw, 0o755)
	mkdir(t, ro, 0o755)
	writeFile(t, filepath.Join(rw, "f"), 0o755)
	mount(t, rw, ro, "", unix.MS_BIND, "")
	if err := unix.Mount("", ro, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount %s read-only: %v", ro, err)
	}
	return []string{"rw/f", "ro/f"}
}

func setupNosuid(t *testing.T, base string) []string {
	mkdir(t, filepath.Join(base, "nosuid"), 0o755)
	mount(t, "tmpfs", filepath.Join(base, "nosuid"), "tmpfs", unix.MS_NOSUID, "mode=0755")
	writeFile(t, filepath.Join(base, "nosuid", "f"), 0o755)
	return []string{"nosuid/f"}
}

func setupTmpfs(t *testing.T, base string) []string {
	mkdir(t, filepath.Join(base, "tmp"), 0o755)
	mount(t, "tmpfs", filepath.Join(base, "tmp"), "tmpfs", 0, "mode=0755")
	writeFile(t, filepath.Join(base, "tmp", "f"), 0o755)
	return []string{"tmp/f"}
}

func setupFIFO(t *testing.T, base string) []string {
	if err := unix.Mkfifo(filepath.Join(base, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"fifo"}
}

func setupSocket(t *testing.T, base string) []string {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: filepath.Join(base, "sock")}); err != nil {
		t.Fatal(err)
	}
	return []string{"sock"}
}

// setupCharDevice makes a twin of /dev/null on a tmpfs (which, unlike
// /tmp on some systems, is not nodev).
func setupCharDevice(t *testing.T, base string) []string {
	dev := filepath.Join(base, "dev")
	mkdir(t, dev, 0o755)
	mount(t, "tmpfs", dev, "tmpfs", 0, "mode=0755")
	if err := unix.Mknod(filepath.Join(dev, "null"), unix.S_IFCHR|0o644, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	return []string{"dev/null"}
}

func setupDir(t *testing.T, base string) []string {
	mkdir(t, filepath.Join(base, "dir"), 0o755)
	return []string{"dir"}
}

func setupDangling(t *testing.T, base string) []string {
	if err := os.Symlink("missing-target", filepath.Join(base, "dangling")); err != nil {
		t.Fatal(err)
	}
	return []string{"dangling"}
}

func setupSymlinkToFile(t *testing.T, base string) []string {
	writeFile(t, filepath.Join(base, "target"), 0o755)
	setXattrHex(t, filepath.Join(base, "target"), capChownP)
	if err := os.Symlink("target", filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	return []string{"target", "link"}
}

// setupImmutable makes f (no caps) and g (cap_chown=p), both immutable.
func setupImmutable(t *testing.T, base string) []string {
	chattr := requireTool(t, "chattr")
	f, g := filepath.Join(base, "f"), filepath.Join(base, "g")
	writeFile(t, f, 0o755)
	writeFile(t, g, 0o755)
	setXattrHex(t, g, capChownP)
	if out, err := exec.Command(chattr, "+i", f, g).CombinedOutput(); err != nil {
		t.Skipf("chattr +i is not supported on %s: %v: %s", base, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(chattr, "-i", f, g).CombinedOutput(); err != nil {
			t.Errorf("chattr -i: %v: %s", err, out)
		}
	})
	return []string{"f", "g"}
}

// The long path: 22 directories of 200-byte names under "long", then
// "f": 4,428 bytes, past PATH_MAX (4,096 with the NUL).
var (
	longDirs = func() []string {
		dirs := make([]string, 22)
		for i := range dirs {
			dirs[i] = fmt.Sprintf("d%02d", i) + strings.Repeat("x", 197)
		}
		return dirs
	}()
	longPath = "long/" + strings.Join(longDirs, "/") + "/f"
)

// setupLongPath makes long/f (cap_chown=p) and long/<longDirs>/f
// (cap_net_raw=ep),
// creating each directory relative to its parent's descriptor, as no
// path to the deep ones can be used.
func setupLongPath(t *testing.T, base string) []string {
	mkdir(t, filepath.Join(base, "long"), 0o755)
	writeFile(t, filepath.Join(base, "long", "f"), 0o755)
	setXattrHex(t, filepath.Join(base, "long", "f"), capChownP)
	fd := mkdirChain(t, filepath.Join(base, "long"), longDirs)
	defer unix.Close(fd)
	ffd, err := unix.Openat(fd, "f", unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ffd)
	value := []byte{1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // cap_net_raw=ep
	if err := unix.Fsetxattr(ffd, capName, value, 0); err != nil {
		t.Fatal(err)
	}
	return []string{"long/f"}
}

// mkdirChain creates the nested directories names under dir with
// mkdirat, each relative to its parent's descriptor, and returns a
// descriptor of the deepest. A t.Cleanup removes them the same way
// (os.RemoveAll cannot use paths past PATH_MAX either).
func mkdirChain(t *testing.T, dir string, names []string) int {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := unix.Mkdirat(fd, n, 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := unix.Openat(fd, n, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
	}
	t.Cleanup(func() { removeChain(t, dir, names) })
	return fd
}

// removeChain removes what mkdirChain made, deepest first, with each
// directory's contents.
func removeChain(t *testing.T, dir string, names []string) {
	fds := make([]int, 0, len(names)+1)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	fds = append(fds, fd)
	for _, n := range names {
		next, err := unix.Openat(fd, n, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		fd = next
		fds = append(fds, fd)
	}
	for i := len(fds) - 1; i >= 0; i-- {
		f := os.NewFile(uintptr(fds[i]), "dir")
		ents, _ := f.ReadDir(-1)
		for _, e := range ents {
			flag := 0
			if e.IsDir() {
				flag = unix.AT_REMOVEDIR
			}
			if err := unix.Unlinkat(fds[i], e.Name(), flag); err != nil {
				t.Errorf("removing %s in a deep directory: %v", e.Name(), err)
			}
		}
		f.Close()
	}
}

// setupImage makes an ext4 image holding img/big, with a 100-byte
// security.capability value, and img/v1, with a revision-1 value, written
// by debugfs (the kernel refuses to write either), and loop-mounts it on
// img.
func setupImage(t *testing.T, base string) []string {
	debugfs := requireTool(t, "debugfs")
	mkfs := requireTool(t, "mkfs.ext4")
	requireTool(t, "losetup")
	img := filepath.Join(base, "ext4.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 8<<20); err != nil {
		t.Fatal(err)
	}
	big := append([]byte{0, 0, 0, 2}, []byte(strings.Repeat("\x01", 96))...)
	v1 := []byte{0, 0, 0, 1, 0, 0x20, 0, 0, 0, 0, 0, 0}
	writeBytes(t, filepath.Join(base, "big.val"), big)
	writeBytes(t, filepath.Join(base, "v1.val"), v1)
	writeFile(t, filepath.Join(base, "content"), 0o755)
	steps := [][]string{
		{mkfs, "-q", "-F", "-I", "256", img},
		{debugfs, "-w", "-R", "write " + filepath.Join(base, "content") + " big", img},
		{debugfs, "-w", "-R", "write " + filepath.Join(base, "content") + " v1", img},
		{debugfs, "-w", "-R", "ea_set -f " + filepath.Join(base, "big.val") + " big security.capability", img},
		{debugfs, "-w", "-R", "ea_set -f " + filepath.Join(base, "v1.val") + " v1 security.capability", img},
		{debugfs, "-w", "-R", "sif big mode 0100755", img},
		{debugfs, "-w", "-R", "sif v1 mode 0100755", img},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			t.Skipf("%s: %v: %s", strings.Join(s, " "), err, out)
		}
	}
	mnt := filepath.Join(base, "img")
	mkdir(t, mnt, 0o755)
	if out, err := exec.Command("mount", "-o", "loop", img, mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot loop-mount an ext4 image: %v: %s", err, out)
	}
	t.Cleanup(func() { unmount(t, mnt) })
	return []string{"img/big", "img/v1"}
}

func writeBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// setupDropIn makes a system beneath base/sys: usr/bin/f and the drop-in
// etc/fcap.d/f.conf declaring cap_net_raw=ep for it, then lets spoil
// make the drop-in untrusted. The watched file is usr/bin/f: a refused
// drop-in must not reach it.
func setupDropIn(spoil func(t *testing.T, sys string)) func(t *testing.T, base string) []string {
	return func(t *testing.T, base string) []string {
		sys := filepath.Join(base, "sys")
		for _, d := range []string{"", "usr", "usr/bin", "etc", "etc/fcap.d"} {
			mkdir(t, filepath.Join(sys, d), 0o755)
		}
		writeFile(t, filepath.Join(sys, "usr/bin/f"), 0o755)
		writeBytes(t, filepath.Join(sys, "etc/fcap.d/f.conf"), []byte("/usr/bin/f cap_net_raw=ep\n"))
		spoil(t, sys)
		return []string{"sys/usr/bin/f"}
	}
}

// chmodIn and chownIn spoil a drop-in's trust.
func chmodIn(path string, mode uint32) func(*testing.T, string) {
	return func(t *testing.T, sys string) {
		if err := unix.Chmod(filepath.Join(sys, path), mode); err != nil {
			t.Fatal(err)
		}
	}
}

func chownIn(path string, uid int) func(*testing.T, string) {
	return func(t *testing.T, sys string) { lchown(t, uid, filepath.Join(sys, path)) }
}

// symlinkIn replaces the drop-in with a symlink to target.
func symlinkIn(target string) func(*testing.T, string) {
	return func(t *testing.T, sys string) {
		p := filepath.Join(sys, "etc/fcap.d/f.conf")
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
}
