package xattr

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// rootTree builds DIR/outside (a file that must never be reached) and
// DIR/img, the root, holding usr/bin/prog, a symlink bin -> usr/bin, a
// symlink link -> usr/bin/prog, and escape attempts: up -> ../.. and
// abs -> DIR (absolute).
func rootTree(t *testing.T) (img, outside string) {
	t.Helper()
	dir := t.TempDir()
	outside = filepath.Join(dir, "outside")
	img = filepath.Join(dir, "img")
	must(t, os.WriteFile(outside, []byte("x"), 0o755))
	must(t, os.MkdirAll(filepath.Join(img, "usr", "bin"), 0o755))
	must(t, os.WriteFile(filepath.Join(img, "usr", "bin", "prog"), []byte("x"), 0o755))
	must(t, os.Symlink("usr/bin", filepath.Join(img, "bin")))
	must(t, os.Symlink("usr/bin/prog", filepath.Join(img, "link")))
	must(t, os.Symlink("../..", filepath.Join(img, "usr", "up")))
	must(t, os.Symlink(dir, filepath.Join(img, "abs")))
	return img, outside
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func openRoot(t *testing.T, dir string, follow bool) *Root {
	t.Helper()
	r, err := OpenRoot(dir)
	if errors.Is(err, ErrNoOpenat2) {
		t.Skip("the kernel has no openat2")
	}
	must(t, err)
	r.FollowSymlinks = follow
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRootOpensInside(t *testing.T) {
	img, _ := rootTree(t)
	var want unix.Stat_t
	must(t, unix.Stat(filepath.Join(img, "usr/bin/prog"), &want))
	r := openRoot(t, img, false)
	for _, p := range []string{"/usr/bin/prog", "usr/bin/prog", "//usr/./bin//prog", "/usr/../usr/bin/prog"} {
		f, err := r.Open(p)
		if err != nil {
			t.Errorf("Open(%q): %v", p, err)
			continue
		}
		if f.Stat.Ino != want.Ino || f.Stat.Dev != want.Dev || f.Path != p {
			t.Errorf("Open(%q) = %s ino %d, want ino %d", p, f.Path, f.Stat.Ino, want.Ino)
		}
		f.Close()
	}
}

func TestRootRefusesEscapes(t *testing.T) {
	img, _ := rootTree(t)
	for _, follow := range []bool{false, true} {
		r := openRoot(t, img, follow)
		for _, p := range []string{"../outside", "/../outside", "usr/../../outside", "usr/bin/../../../outside", ".."} {
			f, err := r.Open(p)
			if err == nil {
				f.Close()
				t.Errorf("follow=%v: Open(%q) succeeded", follow, p)
			} else if !errors.Is(err, ErrEscapesRoot) {
				t.Errorf("follow=%v: Open(%q) = %v, want ErrEscapesRoot", follow, p, err)
			}
		}
	}
}

func TestRootRefusesSymlinksByDefault(t *testing.T) {
	img, _ := rootTree(t)
	r := openRoot(t, img, false)
	tests := map[string]Kind{
		"/bin/prog":       Symlink, // a directory symlink inside the root
		"/link":           Symlink, // the last component is never followed
		"/usr/up/outside": Symlink, // a symlink that climbs out
		"/abs/outside":    Symlink, // an absolute symlink to the outside
	}
	for p, kind := range tests {
		f, err := r.Open(p)
		if err == nil {
			f.Close()
			t.Errorf("Open(%q) succeeded", p)
			continue
		}
		if !IsKind(err, kind) {
			t.Errorf("Open(%q) = %v, want kind %v", p, err, kind)
		}
	}
}

func TestRootFollowStaysInside(t *testing.T) {
	img, outside := rootTree(t)
	var out unix.Stat_t
	must(t, unix.Stat(outside, &out))
	r := openRoot(t, img, true)
	f, err := r.Open("/bin/prog")
	if err != nil {
		t.Fatalf("Open(/bin/prog) through bin -> usr/bin: %v", err)
	}
	f.Close()
	if _, err := r.Open("/link"); !IsKind(err, Symlink) {
		t.Errorf("Open(/link) = %v, want a refused final symlink", err)
	}
	// up -> ../.. is clamped at the root and abs -> DIR is taken inside
	// the root, so neither reaches the outside file.
	for _, p := range []string{"/usr/up/outside", "/abs/outside"} {
		f, err := r.Open(p)
		if err == nil {
			same := f.Stat.Ino == out.Ino && f.Stat.Dev == out.Dev
			f.Close()
			if same {
				t.Fatalf("Open(%q) reached the file outside the root", p)
			}
			continue
		}
		if !IsKind(err, NotExist) {
			t.Errorf("Open(%q) = %v, want no such file (resolved inside the root)", p, err)
		}
	}
}

func TestRootRefusesMagicLinks(t *testing.T) {
	r := openRoot(t, "/", true)
	_, err := r.Open("/proc/self/root/etc/hostname")
	if !errors.Is(err, unix.ELOOP) {
		t.Errorf("Open through /proc/self/root = %v, want ELOOP", err)
	}
}

func TestRootRefusesNonRegular(t *testing.T) {
	img, _ := rootTree(t)
	r := openRoot(t, img, false)
	if _, err := r.Open("/usr/bin"); !IsKind(err, NotRegular) {
		t.Errorf("Open(dir) = %v, want NotRegular", err)
	}
	if _, err := r.Open("/"); !IsKind(err, NotRegular) {
		t.Errorf("Open(/) = %v, want NotRegular", err)
	}
	if _, err := r.Open("/usr/bin/nothing"); !IsKind(err, NotExist) {
		t.Errorf("Open(missing) = %v, want NotExist", err)
	}
}

func TestOpenRootErrors(t *testing.T) {
	img, outside := rootTree(t)
	if _, err := OpenRoot(outside); err == nil || !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("OpenRoot(file) = %v, want ENOTDIR", err)
	}
	if _, err := OpenRoot(filepath.Join(img, "nothing")); !IsKind(err, NotExist) {
		t.Errorf("OpenRoot(missing) = %v, want NotExist", err)
	}
}

func TestRootSetThroughDescriptor(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_SETFCAP)")
	}
	img, outside := rootTree(t)
	r := openRoot(t, img, false)
	f, err := r.Open("/usr/bin/prog")
	must(t, err)
	defer f.Close()
	v := []byte{0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // cap_net_raw=p
	if err := f.Set(v); IsKind(err, NotSupported) {
		t.Skip("the temporary directory cannot store security.capability")
	} else {
		must(t, err)
	}
	got, err := f.Get()
	must(t, err)
	if string(got) != string(v) {
		t.Errorf("Get = %x, want %x", got, v)
	}
	if n, _ := unix.Getxattr(outside, Name, make([]byte, 64)); n > 0 {
		t.Errorf("the outside file got a capability value")
	}
}
