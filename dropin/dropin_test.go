package dropin

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// tree makes files under a fresh root: "etc/fcap.d/a.conf" => content;
// content "->TARGET" makes a symlink, "fifo" a FIFO. Directories are
// 0755, files 0644.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasPrefix(content, "->"):
			err = os.Symlink(content[2:], p)
		case content == "fifo":
			err = unix.Mkfifo(p, 0o644)
		default:
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// summary describes what Find returned: "NAME=CONTENT" per file in order
// ("NAME=masked" for a mask), and the errors relative to root.
func summary(t *testing.T, root string) (files []string, errs []string) {
	t.Helper()
	fs, es := Find(Options{Root: root})
	defer Close(fs)
	for _, f := range fs {
		if f.Masked {
			files = append(files, f.Name+"=masked")
			continue
		}
		b, err := io.ReadAll(f.File)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f.Name+"="+string(b))
	}
	for _, e := range es {
		errs = append(errs, strings.ReplaceAll(e.Error(), root, "ROOT"))
	}
	return files, errs
}

func TestFindMergesByNameAcrossDirectories(t *testing.T) {
	root := tree(t, map[string]string{
		"usr/lib/fcap.d/ping.conf":       "vendor",
		"usr/lib/fcap.d/b.conf":          "vendor b",
		"usr/local/lib/fcap.d/b.conf":    "local b",
		"usr/local/lib/fcap.d/z.conf":    "local z",
		"run/fcap.d/b.conf":              "run b",
		"run/fcap.d/a.conf":              "run a",
		"etc/fcap.d/ping.conf":           "admin",
		"etc/fcap.d/c.conf":              "admin c",
		"etc/fcap.d/c.conf.dpkg-new":     "ignored",
		"etc/fcap.d/.hidden.conf":        "ignored",
		"etc/fcap.d/.conf":               "ignored",
		"etc/fcap.d/README":              "ignored",
		"usr/lib/fcap.d/masked.conf":     "vendor masked",
		"etc/fcap.d/masked.conf":         "->/dev/null",
		"usr/lib/fcap.d/sub.conf/x.conf": "a directory named .conf is refused",
	})
	files, errs := summary(t, root)
	want := []string{"a.conf=run a", "b.conf=run b", "c.conf=admin c", "masked.conf=masked", "ping.conf=admin", "z.conf=local z"}
	if strings.Join(files, "|") != strings.Join(want, "|") {
		t.Errorf("files:\n got %q\nwant %q", files, want)
	}
	if len(errs) != 1 || errs[0] != "refusing drop-in ROOT/usr/lib/fcap.d/sub.conf: not a regular file" {
		t.Errorf("errors: %q", errs)
	}
	fs, _ := Find(Options{Root: root})
	defer Close(fs)
	for _, f := range fs {
		if f.Name == "b.conf" {
			got := strings.ReplaceAll(strings.Join(f.Overrides, " "), root, "ROOT")
			if got != "ROOT/usr/local/lib/fcap.d/b.conf ROOT/usr/lib/fcap.d/b.conf" || f.Path != filepath.Join(root, "run/fcap.d/b.conf") {
				t.Errorf("b.conf at %s overrides %q", f.Path, got)
			}
		}
	}
}

func TestFindWithoutDirectories(t *testing.T) {
	files, errs := summary(t, t.TempDir())
	if len(files) != 0 || len(errs) != 0 {
		t.Errorf("files %q, errors %q", files, errs)
	}
}

// TestFindRefusesUntrustedDropIns: what others may change, what is not
// a regular file and what a symlink redirects is refused with a message
// naming the path and why; a refused drop-in still hides the vendor's
// file of the same name.
func TestFindRefusesUntrustedDropIns(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, root string)
		want  string // the first error, ROOT for the root
		files string // what still takes part
		nerr  int    // how many errors
	}{
		{"world-writable file", chmod("etc/fcap.d/x.conf", 0o666),
			"refusing drop-in ROOT/etc/fcap.d/x.conf: ROOT/etc/fcap.d/x.conf is writable by everyone (mode 0666)", "y.conf=y", 1},
		{"group-writable file", chmod("etc/fcap.d/x.conf", 0o664),
			"refusing drop-in ROOT/etc/fcap.d/x.conf: ROOT/etc/fcap.d/x.conf is writable by the members of group root (mode 0664)", "y.conf=y", 1},
		{"world-writable directory", chmod("etc/fcap.d", 0o777),
			"refusing drop-in ROOT/etc/fcap.d: ROOT/etc/fcap.d is writable by everyone (mode 0777)", "", 1},
		{"sticky world-writable directory", chmod("etc/fcap.d", os.ModeSticky|0o777),
			"refusing drop-in ROOT/etc/fcap.d: ROOT/etc/fcap.d is writable by everyone (mode 1777)", "", 1},
		{"writable parent directory", chmod("etc", 0o775),
			"refusing drop-in ROOT/etc/fcap.d: ROOT/etc is writable by the members of group root (mode 0775)", "", 1},
		{"writable root", chmod("", 0o777),
			"refusing drop-in ROOT/etc/fcap.d: ROOT is writable by everyone (mode 0777)", "", 2},
		{"symlink to another file", symlink("etc/fcap.d/x.conf", "/etc/passwd"),
			`refusing drop-in ROOT/etc/fcap.d/x.conf: a symlink (to "/etc/passwd"); the only symlink allowed is one to /dev/null, which masks the files of its name`, "y.conf=y", 1},
		{"relative symlink to /dev/null", symlink("etc/fcap.d/x.conf", "../../dev/null"),
			`refusing drop-in ROOT/etc/fcap.d/x.conf: a symlink (to "../../dev/null")`, "y.conf=y", 1},
		{"FIFO", fifo("etc/fcap.d/x.conf"),
			"refusing drop-in ROOT/etc/fcap.d/x.conf: not a regular file", "y.conf=y", 1},
		{"symlinked directory", symlinkDir("etc/fcap.d"),
			"refusing drop-in ROOT/etc/fcap.d: ROOT/etc/fcap.d is a symlink or not a directory (drop-in directories are never reached through a symlink)", "x.conf=vendor", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := tree(t, map[string]string{
				"etc/fcap.d/x.conf":     "x",
				"etc/fcap.d/y.conf":     "y",
				"usr/lib/fcap.d/x.conf": "vendor",
			})
			if err := os.Chmod(root, 0o755); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, root)
			files, errs := summary(t, root)
			if len(errs) != tt.nerr || !strings.HasPrefix(errs[0], tt.want) {
				t.Errorf("errors %q, want %d, the first starting %q", errs, tt.nerr, tt.want)
			}
			if got := strings.Join(files, "|"); got != tt.files {
				t.Errorf("files %q, want %q", got, tt.files)
			}
		})
	}
}

// TestFindRefusesFilesOfOtherUsers: as root, a drop-in or directory
// owned by another user is refused, whatever its mode.
func TestFindRefusesFilesOfOtherUsers(t *testing.T) {
	testenv.RequireRoot(t)
	for _, tt := range []struct{ path, want string }{
		{"etc/fcap.d/x.conf", "refusing drop-in ROOT/etc/fcap.d/x.conf: ROOT/etc/fcap.d/x.conf is owned by nobody (uid 65534), not root"},
		{"etc/fcap.d", "refusing drop-in ROOT/etc/fcap.d: ROOT/etc/fcap.d is owned by nobody (uid 65534), not root"},
	} {
		root := tree(t, map[string]string{"etc/fcap.d/x.conf": "x", "usr/lib/fcap.d/x.conf": "vendor"})
		if err := os.Lchown(filepath.Join(root, tt.path), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		files, errs := summary(t, root)
		if len(files) != 0 || len(errs) != 1 || errs[0] != tt.want {
			t.Errorf("%s: files %q, errors %q, want none and %q", tt.path, files, errs, tt.want)
		}
		var te *TrustError
		if _, es := Find(Options{Root: root}); len(es) != 1 || !errors.As(es[0], &te) {
			t.Errorf("%s: want a *TrustError, got %v", tt.path, es)
		}
	}
}

func chmod(name string, mode os.FileMode) func(*testing.T, string) {
	return func(t *testing.T, root string) {
		if err := os.Chmod(filepath.Join(root, name), mode); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(name, target string) func(*testing.T, string) {
	return func(t *testing.T, root string) {
		p := filepath.Join(root, name)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
}

func fifo(name string) func(*testing.T, string) {
	return func(t *testing.T, root string) {
		p := filepath.Join(root, name)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := unix.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// symlinkDir moves a directory aside and puts a symlink to it in its
// place.
func symlinkDir(name string) func(*testing.T, string) {
	return func(t *testing.T, root string) {
		p := filepath.Join(root, name)
		if err := os.Rename(p, p+".real"); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Base(p)+".real", p); err != nil {
			t.Fatal(err)
		}
	}
}
