package oci

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// bundle is a test bundle: a rootfs built from a file list and a config.
type bundle struct {
	t    testing.TB
	dir  string
	spec specs.Spec
}

func newBundle(t testing.TB) *bundle {
	dir := t.TempDir()
	b := &bundle{t: t, dir: dir, spec: specs.Spec{
		Process: &specs.Process{Args: []string{"/bin/prog"}, Cwd: "/", Env: []string{"PATH=/usr/bin:/bin"}},
		Root:    &specs.Root{Path: "rootfs"},
	}}
	b.mkdir("rootfs")
	return b
}

func (b *bundle) path(p string) string { return filepath.Join(b.dir, p) }

func (b *bundle) mkdir(p string) string {
	b.t.Helper()
	if err := os.MkdirAll(b.path(p), 0o755); err != nil {
		b.t.Fatal(err)
	}
	return b.path(p)
}

// file writes an executable regular file at p (relative to the bundle).
func (b *bundle) file(p string) string {
	b.t.Helper()
	b.mkdir(filepath.Dir(p))
	if err := os.WriteFile(b.path(p), []byte("\x7fELF"), 0o755); err != nil {
		b.t.Fatal(err)
	}
	return b.path(p)
}

func (b *bundle) link(p, target string) {
	b.t.Helper()
	b.mkdir(filepath.Dir(p))
	if err := os.Symlink(target, b.path(p)); err != nil {
		b.t.Fatal(err)
	}
}

func (b *bundle) mount(dest, typ, source string, options ...string) {
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: dest, Type: typ, Source: source, Options: options})
}

// open loads the bundle's config and opens its filesystem.
func (b *bundle) open() *FS {
	b.t.Helper()
	data, err := json.Marshal(b.spec)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(b.path("config.json"), data, 0o644); err != nil {
		b.t.Fatal(err)
	}
	c, err := Load(b.path("config.json"))
	if err != nil {
		b.t.Fatal(err)
	}
	fs, err := c.OpenFS()
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { fs.Close() })
	return fs
}

func sameFile(t *testing.T, f *File, hostPath string) bool {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(hostPath, &st); err != nil {
		t.Fatal(err)
	}
	return f.Stat.Dev == st.Dev && f.Stat.Ino == st.Ino
}

// hostSetuidFiles are host files a hostile rootfs points at.
var hostSetuidFiles = []string{"/usr/bin/passwd", "/usr/bin/su", "/bin/mount"}

func TestHostileSymlinksResolveInsideTheRootfs(t *testing.T) {
	for _, hostFile := range hostSetuidFiles {
		if _, err := os.Stat(hostFile); err != nil {
			continue
		}
		targets := []string{
			hostFile,                          // absolute
			"../../../../../../.." + hostFile, // climbing
			"/proc/self/root" + hostFile,      // through proc
			"/proc/thread-self/root/../../" + hostFile,
			"/proc/1/root" + hostFile, // the container's own init (own pid namespace)
		}
		for _, target := range targets {
			for _, inRootfs := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s in rootfs %v", target, inRootfs), func(t *testing.T) {
					b := newBundle(t)
					b.mount("/proc", "proc", "proc")
					b.spec.Linux = &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}}}
					b.link("rootfs/bin/prog", target)
					var own string
					if inRootfs {
						own = b.file("rootfs" + hostFile)
					}
					f, err := b.open().Program("")
					if !inRootfs {
						if !errors.As(err, new(*ExecError)) || !strings.Contains(err.Error(), "ENOENT") {
							t.Fatalf("Program = %v, want ENOENT: the rootfs has no %s", err, hostFile)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					if sameFile(t, f, hostFile) || !sameFile(t, f, own) || f.Path != hostFile {
						t.Errorf("resolved to %s (inode %d), want the rootfs's own %s", f.Path, f.Stat.Ino, hostFile)
					}
				})
			}
		}
	}
}

func TestProcLinksOutsideTheContainerAreNotFollowed(t *testing.T) {
	b := newBundle(t)
	b.mount("/proc", "proc", "proc")
	b.link("rootfs/bin/prog", "/proc/1/root/usr/bin/passwd") // no pid namespace: the host's init
	b.link("rootfs/bin/other", "/proc/1234/root/bin/sh")
	fs := b.open()
	for _, name := range []string{"/bin/prog", "/bin/other", "/proc/self/exe"} {
		_, err := fs.Program(name)
		if !errors.Is(err, ErrRuntimeContent) || !strings.Contains(err.Error(), "the proc mount at /proc") {
			t.Errorf("Program(%s) = %v, want an ErrRuntimeContent naming the proc mount", name, err)
		}
	}
}

func TestResolutionErrors(t *testing.T) {
	b := newBundle(t)
	b.link("rootfs/bin/loop1", "loop2")
	b.link("rootfs/bin/loop2", "/bin/loop1")
	for i := range 41 {
		b.link(fmt.Sprintf("rootfs/chain/%d", i), fmt.Sprintf("%d", i+1))
	}
	b.file("rootfs/chain/41")
	b.file("rootfs/bin/file")
	b.mkdir("rootfs/bin/dir")
	if err := unix.Mkfifo(b.path("rootfs/bin/fifo"), 0o755); err != nil {
		t.Fatal(err)
	}
	b.mount("/run", "tmpfs", "tmpfs")
	b.link("rootfs/bin/torun", "/run/prog")
	fs := b.open()
	tests := []struct {
		path string
		want error
	}{
		{"/bin/loop1", unix.ELOOP},
		{"/chain/0", unix.ELOOP},
		{"/chain/1", nil}, // 40 links
		{"/bin/dir", unix.EISDIR},
		{"/bin/file/x", unix.ENOTDIR},
		{"/bin/missing", os.ErrNotExist},
		{"/run/prog", ErrRuntimeContent},
		{"/bin/torun", ErrRuntimeContent},
	}
	for _, tt := range tests {
		f, err := fs.Open(tt.path)
		if f != nil {
			f.Close()
		}
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("Open(%s) = %v, want %v", tt.path, err, tt.want)
		}
	}
	if _, err := fs.Open("/bin/fifo"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open of a FIFO = %v, want a not-a-regular-file error", err)
	}
}

func TestBindMountsAreResolvedThroughTheirSource(t *testing.T) {
	b := newBundle(t)
	b.file("host1/sub/tool")
	b.file("host2/sub/tool")
	b.file("host3/only")
	b.file("rootfs/bin/inroot")
	b.mkdir("rootfs/srv")
	b.link("rootfs/opt", "srv")                    // the destination goes through a symlink
	b.mount("/opt/h/sub", "bind", "host1", "bind") // hidden by the next one
	b.mount("/opt/h", "none", b.path("host2"), "rbind")
	b.mount("/a/b/c", "bind", "host3", "bind") // runc creates /a/b/c
	b.mount("/bin/single", "bind", "host3/only", "bind")
	fs := b.open()
	tests := []struct {
		path, host, canonical, mount string
	}{
		{"/opt/h/sub/tool", "host2/sub/tool", "/srv/h/sub/tool", "/srv/h"},
		{"/srv/h/sub/../sub/tool", "host2/sub/tool", "/srv/h/sub/tool", "/srv/h"},
		{"/opt/h/../../bin/inroot", "rootfs/bin/inroot", "/bin/inroot", "/"},
		{"/a/b/c/only", "host3/only", "/a/b/c/only", "/a/b/c"},
		{"/bin/single", "host3/only", "/bin/single", "/bin/single"},
	}
	for _, tt := range tests {
		f, err := fs.Open(tt.path)
		if err != nil {
			t.Errorf("Open(%s): %v", tt.path, err)
			continue
		}
		if !sameFile(t, f, b.path(tt.host)) || f.Path != tt.canonical || f.Mount != tt.mount {
			t.Errorf("Open(%s) = %s on %s, want %s (%s) on %s", tt.path, f.Path, f.Mount, tt.canonical, tt.host, tt.mount)
		}
		f.Close()
	}
	if _, err := fs.Open("/a/other"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a directory runc creates holds nothing else: Open(/a/other) = %v", err)
	}
}

func TestProgramLooksUpArgsZeroAsRuncDoes(t *testing.T) {
	b := newBundle(t)
	b.file("rootfs/usr/bin/tool")
	b.file("rootfs/bin/tool")
	b.file("rootfs/bin/only")
	b.file("rootfs/bin/noexec")
	if err := os.Chmod(b.path("rootfs/bin/noexec"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.mkdir("rootfs/usr/bin/dir")
	b.file("rootfs/bin/dir")
	b.file("rootfs/work/here")
	b.spec.Process.Cwd = "/work"
	tests := []struct {
		env  []string
		name string
		want string // canonical path, or the errno of an ExecError
	}{
		{nil, "tool", "ENOENT"}, // no PATH at all
		{[]string{"PATH=/usr/bin:/bin"}, "tool", "/usr/bin/tool"},
		{[]string{"PATH=/usr/bin:/bin"}, "only", "/bin/only"},
		{[]string{"PATH=/usr/bin:/bin"}, "dir", "/bin/dir"}, // a directory is skipped
		{[]string{"PATH=/usr/bin:/bin"}, "noexec", "ENOENT"},
		{[]string{"PATH=/bin", "PATH=/usr/bin"}, "tool", "/usr/bin/tool"}, // the last PATH wins
		{[]string{"PATH=/usr/bin:/bin"}, "/bin/noexec", "EACCES"},
		{[]string{"PATH=/usr/bin:/bin"}, "/bin/missing", "ENOENT"},
		{[]string{"PATH=/usr/bin:/bin"}, "/usr/bin/dir", "EACCES"},
		{[]string{"PATH=/usr/bin:/bin"}, "./here", "/work/here"},
		{[]string{"PATH=:/bin"}, "here", "ENOENT"}, // found through ".", which LookPath refuses
	}
	for _, tt := range tests {
		b.spec.Process.Env = tt.env
		f, err := b.open().Program(tt.name)
		var ee *ExecError
		switch {
		case errors.As(err, &ee) && ee.Errno == tt.want:
		case err != nil:
			t.Errorf("Program(%q) with %v = %v, want %s", tt.name, tt.env, err, tt.want)
		case f.Path != tt.want:
			t.Errorf("Program(%q) with %v = %s, want %s", tt.name, tt.env, f.Path, tt.want)
		}
		if f != nil {
			f.Close()
		}
	}
	b.spec.Process.Args = nil
	var ce *ConfigError
	if _, err := b.open().Program(""); !errors.As(err, &ce) || ce.Field != "process.args" {
		t.Errorf("Program without args = %v, want a ConfigError on process.args", err)
	}
}
