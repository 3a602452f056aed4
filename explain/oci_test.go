package explain

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"fcap/model"
	"fcap/model/cred"
)

// staticELF is the header of a static x86-64 executable: no PT_INTERP.
func staticELF() string {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	h[16], h[18], h[20], h[32], h[52], h[54] = 2, 62, 1, 64, 64, 56
	return string(h)
}

// hostileBundle is a bundle whose rootfs points, every way it can, at
// the host's setuid programs, with proc, a tmpfs and a bind mount.
func hostileBundle(t testing.TB, own bool) string {
	dir := t.TempDir()
	entries := [][2]string{
		{"rootfs/bin/abs", "-> /usr/bin/passwd"},
		{"rootfs/bin/up", "-> ../../../../../../usr/bin/passwd"},
		{"rootfs/bin/proc", "-> /proc/self/root/usr/bin/passwd"},
		{"rootfs/bin/init", "-> /proc/1/root/usr/bin/passwd"},
		{"rootfs/bin/tool", "-> /opt/tool"},
		{"rootfs/bin/run", "-> /run/x"},
		{"src/tool", staticELF()},
		{"rootfs/etc/", ""},
	}
	if own {
		entries = append(entries, [2]string{"rootfs/usr/bin/passwd", staticELF()})
	}
	for _, e := range entries {
		p := filepath.Join(dir, e[0])
		err := os.MkdirAll(filepath.Dir(p), 0o755)
		switch {
		case err != nil:
		case strings.HasSuffix(e[0], "/"):
			err = os.MkdirAll(p, 0o755)
		case strings.HasPrefix(e[1], "-> "):
			err = os.Symlink(e[1][3:], p)
		default:
			err = os.WriteFile(p, []byte(e[1]), 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	spec := specs.Spec{
		Process: &specs.Process{User: specs.User{UID: 1000, GID: 1000}, Args: []string{"/bin/abs"}, Cwd: "/",
			Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_NET_RAW"}}},
		Root: &specs.Root{Path: "rootfs"},
		Mounts: []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/run", Type: "tmpfs", Source: "tmpfs"},
			{Destination: "/opt", Type: "bind", Source: "src", Options: []string{"rbind", "ro"}}},
		Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}}},
	}
	data, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func rootState() cred.State {
	all := model.UpTo(model.LastNamed)
	return cred.State{Permitted: all, Effective: all, Bounding: all}
}

func inode(t testing.TB, p string) uint64 {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// TestOCIProgramsStayInTheContainer: whatever the rootfs's symlinks say,
// the file explain judges is the container's.
func TestOCIProgramsStayInTheContainer(t *testing.T) {
	host := inode(t, "/usr/bin/passwd")
	for _, own := range []bool{false, true} {
		dir := hostileBundle(t, own)
		for _, prog := range []string{"/bin/abs", "/bin/up", "/bin/proc", "/bin/init"} {
			r, err := OCI(dir, prog, rootState(), model.LastNamed)
			if err != nil {
				t.Fatalf("OCI(%s): %v", prog, err)
			}
			switch {
			case !own && (r.Result.Err != "ENOENT" || !r.StoppedBeforeExec()):
				t.Errorf("%s without the rootfs's own passwd: %s, want the lookup to fail with ENOENT", prog, r.Verdict)
			case own && r.Result.Err != "":
				t.Errorf("%s: %s", prog, r.Verdict)
			case own:
				s := r.Decider()
				want := inode(t, filepath.Join(dir, "rootfs/usr/bin/passwd"))
				got := inode(t, filepath.Join(dir, "rootfs", strings.TrimPrefix(strings.TrimPrefix(s.Lookup.Resolved, "/proc/self/root"), "/proc/1/root")))
				if got != want || got == host {
					t.Errorf("%s resolved to %s", prog, s.Lookup.Resolved)
				}
			}
		}
	}
}

func TestOCIProgramsThroughMounts(t *testing.T) {
	dir := hostileBundle(t, false)
	r, err := OCI(dir, "/bin/tool", rootState(), model.LastNamed)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Decider(); r.Result.Err != "" || s.Lookup.Resolved != "/opt/tool" || inode(t, filepath.Join(dir, "src/tool")) == 0 {
		t.Errorf("/bin/tool: %s (resolved %s)", r.Verdict, s.Lookup.Resolved)
	}
	if _, err := OCI(dir, "/bin/run", rootState(), model.LastNamed); err == nil || !strings.Contains(err.Error(), "the tmpfs mount at /run") {
		t.Errorf("a program on a tmpfs: %v, want an error naming the mount", err)
	}
}

// bundleMode marks the fuzzed bundle's files.
const bundleMode = 0o751

// FuzzOCIPath walks arbitrary paths through the engine in the hostile
// container: no panic, and every file reached lies in the bundle.
func FuzzOCIPath(f *testing.F) {
	for _, p := range []string{"/bin/abs", "/bin/proc", "/proc/self/root/../../bin/up", "/opt/../opt/tool", "/proc/1/root/opt/tool", "a/../../b"} {
		f.Add(p)
	}
	dir := hostileBundle(f, true)
	// The bundle's files have a mode no host program has: a file reached
	// with another mode came from outside.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			os.Chmod(p, bundleMode)
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, p string) {
		if strings.ContainsRune(p, 0) {
			return
		}
		r, err := OCI(dir, p, rootState(), model.LastNamed)
		if err != nil || r.StoppedBeforeExec() || r.Decider().Lookup.Err != "" {
			return
		}
		s := r.Decider()
		if s.File.Mode&unix.S_IFMT == unix.S_IFREG && s.File.Mode&0o7777 != bundleMode {
			t.Fatalf("OCI(%q) reached %s (mode %04o), outside the bundle", p, s.Lookup.Resolved, s.File.Mode&0o7777)
		}
	})
}
