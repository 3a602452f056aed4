package oci

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// mountNosuidTmpfs mounts a nosuid tmpfs on the bundle path p until the
// test ends.
func (b *bundle) mountNosuidTmpfs(p string) {
	b.t.Helper()
	dir := b.mkdir(p)
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID, "mode=0755"); err != nil {
		b.t.Skipf("cannot mount a tmpfs: %v", err)
	}
	b.t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
}

// TestMountFlagsAreTheOnesRuncLeaves checks the flags of the mount
// holding a file, as runc 1.1 leaves them (the runc differential runs the
// same cases for real).
func TestMountFlagsAreTheOnesRuncLeaves(t *testing.T) {
	testenv.RequireRoot(t)
	tests := []struct {
		name     string
		setup    func(b *bundle)
		path     string
		want     Flags
		readonly bool
	}{
		{"a rootfs on a nosuid host mount keeps nosuid", func(b *bundle) { b.mountNosuidTmpfs("rootfs") }, "/bin/prog", Flags{NoSuid: true}, false},
		{"a read-only root is remounted with ro alone", func(b *bundle) { b.mountNosuidTmpfs("rootfs") }, "/bin/prog", Flags{ReadOnly: true}, true},
		{"a host mount below the rootfs keeps its flags", func(b *bundle) { b.mountNosuidTmpfs("rootfs/sub") }, "/sub/prog", Flags{NoSuid: true}, true},
		{"a bind without flags keeps the source's", func(b *bundle) {
			b.mountNosuidTmpfs("src")
			b.mount("/opt", "bind", "src", "bind")
		}, "/opt/prog", Flags{NoSuid: true}, false},
		{"a bind with flags is remounted with exactly those", func(b *bundle) {
			b.mountNosuidTmpfs("src")
			b.mount("/opt", "bind", "src", "rbind", "ro")
		}, "/opt/prog", Flags{ReadOnly: true}, false},
		{"propagation options do not remount", func(b *bundle) {
			b.mountNosuidTmpfs("src")
			b.mount("/opt", "bind", "src", "rbind", "rprivate")
		}, "/opt/prog", Flags{NoSuid: true}, false},
		{"nosuid on a bind", func(b *bundle) { b.mount("/opt", "bind", "src", "bind", "nosuid", "noexec") }, "/opt/prog", Flags{NoSuid: true, NoExec: true}, false},
		{"suid alone clears a flag and does not remount", func(b *bundle) {
			b.mountNosuidTmpfs("src")
			b.mount("/opt", "bind", "src", "bind", "suid")
		}, "/opt/prog", Flags{NoSuid: true}, false},
		{"recursive attributes reach submounts", func(b *bundle) {
			b.mountNosuidTmpfs("src/sub")
			b.mount("/opt", "bind", "src", "rbind", "rro", "rsuid")
		}, "/opt/sub/prog", Flags{ReadOnly: true}, false},
		{"a submount keeps its flags under a remounted rbind", func(b *bundle) {
			b.mountNosuidTmpfs("src/sub")
			b.mount("/opt", "bind", "src", "rbind", "noexec")
		}, "/opt/sub/prog", Flags{NoSuid: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBundle(t)
			b.mkdir("src")
			tt.setup(b)
			b.spec.Root.Readonly = tt.readonly
			host := "rootfs" + tt.path
			if len(b.spec.Mounts) > 0 {
				host = "src" + tt.path[len("/opt"):]
			}
			b.file(host)
			f, err := b.open().Open(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Flags != tt.want {
				t.Errorf("flags %+v, want %+v", f.Flags, tt.want)
			}
		})
	}
}

func TestANonRecursiveBindShowsWhatIsBeneathSubmounts(t *testing.T) {
	testenv.RequireRoot(t)
	b := newBundle(t)
	b.file("src/sub/beneath")
	b.mountNosuidTmpfs("src/sub")
	b.file("src/sub/prog")
	b.mount("/opt", "bind", "src", "bind")
	fs := b.open()
	if f, err := fs.Open("/opt/sub/prog"); !errors.Is(err, os.ErrNotExist) {
		if f != nil {
			f.Close()
		}
		t.Errorf("Open of a file on a submount of a non-recursive bind's source = %v, want not found", err)
	}
	f, err := fs.Open("/opt/sub/beneath")
	if err != nil {
		t.Fatalf("the file beneath the submount: %v", err)
	}
	defer f.Close()
	if f.Flags != (Flags{}) {
		t.Errorf("flags %+v, want the source mount's (none)", f.Flags)
	}
}
