package xattr

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/capfile"
	"fcap/model"

	"fcap/internal/testenv"
)

// capValue is the revision 2 value of cap_net_raw=ep.
var capValue = []byte{0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

// needCapTree skips unless the test runs as root in a directory that can
// store security.capability, and returns such a directory.
func needCapTree(t *testing.T) string {
	t.Helper()
	return testenv.CapDir(t)
}

func mustWalk(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// spec describes a tree: "d/" is a directory, "f" an empty file, "f=cap" a
// file with capValue, "l->target" a symlink.
func makeTree(t *testing.T, root string, spec ...string) {
	t.Helper()
	for _, s := range spec {
		switch {
		case strings.HasSuffix(s, "/"):
			mustWalk(t, os.MkdirAll(filepath.Join(root, s), 0o755))
		case strings.Contains(s, "->"):
			name, target, _ := strings.Cut(s, "->")
			mustWalk(t, os.Symlink(target, filepath.Join(root, name)))
		default:
			name, val, _ := strings.Cut(s, "=")
			p := filepath.Join(root, name)
			mustWalk(t, os.WriteFile(p, nil, 0o755))
			if val == "cap" {
				mustWalk(t, unix.Lsetxattr(p, Name, capValue, 0))
			}
		}
	}
}

// walkResult is what a walk reported: every path in order, the ones with
// a value, and the errors.
type walkResult struct {
	paths []string
	caps  []string
	errs  []error
}

func collect(t *testing.T, root string, opt WalkOptions) walkResult {
	t.Helper()
	var r walkResult
	err := Walk(root, opt, func(e Entry) error {
		r.paths = append(r.paths, e.Path)
		if e.Err != nil {
			r.errs = append(r.errs, e.Err)
		} else if e.Value != nil {
			r.caps = append(r.caps, e.Path)
		}
		return nil
	})
	mustWalk(t, err)
	return r
}

func rel(root string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = strings.TrimPrefix(p, root+"/")
	}
	return out
}

func TestWalkYieldsFilesInByteOrderOfPath(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, "a/", "a/z", "a/b/", "a/b/c", "a-b", "a.txt", "a0", "B", "a/b-", "a/b.x", "é", "x/", "x/y/", "x/y/z/", "x/y/z/w")
	got := rel(root, collect(t, root, WalkOptions{}).paths)
	want := slices.Clone(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
	all := []string{"B", "a-b", "a.txt", "a/b-", "a/b.x", "a/b/c", "a/z", "a0", "x/y/z/w", "é"}
	if !slices.Equal(got, all) {
		t.Errorf("files:\n got %q\nwant %q", got, all)
	}
}

func TestWalkNeverFollowsSymlinks(t *testing.T) {
	outside := t.TempDir()
	makeTree(t, outside, "secret")
	root := t.TempDir()
	makeTree(t, root, "d/", "d/f", "tofile->d/f", "todir->d", "out->"+outside, "dangling->nowhere", "self->.")
	got := rel(root, collect(t, root, WalkOptions{}).paths)
	if want := []string{"d/f"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q (symlinks must be neither followed nor reported)", got, want)
	}
}

func TestWalkRoots(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, "d/", "d/f", "file", "link->d", "flink->file")
	tests := []struct {
		name  string
		root  string
		paths []string
		kind  Kind
	}{
		{"a regular file yields itself", dir + "/file", []string{dir + "/file"}, -1},
		{"a directory with trailing slashes is walked as nftw names it", dir + "/d//", []string{dir + "/d/f"}, -1},
		{"a symlink to a directory is reported, not followed", dir + "/link", []string{dir + "/link"}, Symlink},
		{"a symlink with a trailing slash is still the symlink", dir + "/link/", []string{dir + "/link"}, Symlink},
		{"a symlink to a file is reported, not followed", dir + "/flink", []string{dir + "/flink"}, Symlink},
		{"a missing root is reported", dir + "/nosuch", []string{dir + "/nosuch"}, NotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := collect(t, tt.root, WalkOptions{})
			if !slices.Equal(r.paths, tt.paths) {
				t.Errorf("paths %q, want %q", r.paths, tt.paths)
			}
			if tt.kind < 0 && len(r.errs) > 0 {
				t.Errorf("unexpected errors %v", r.errs)
			}
			if tt.kind >= 0 && (len(r.errs) != 1 || !IsKind(r.errs[0], tt.kind)) {
				t.Errorf("errors %v, want one of kind %d", r.errs, tt.kind)
			}
		})
	}
}

// withModes runs fn under each way of opening directories and reading
// attributes, so that the fallbacks for older kernels are tested here.
func withModes(t *testing.T, fn func(t *testing.T)) {
	modes := []struct {
		name        string
		probe, open int32
	}{
		{"getxattrat+openat2", probeAt, openAt2},
		{"proc fallback+openat", probeProc, openPlain},
		{"path fallback", probePath, openPlain},
	}
	if probeMode() != probeAt {
		modes = modes[1:]
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			oldP, oldO := probeModeV.Load(), openModeV.Load()
			probeModeV.Store(m.probe)
			openModeV.Store(m.open)
			defer func() { probeModeV.Store(oldP); openModeV.Store(oldO) }()
			fn(t)
		})
	}
}

func TestWalkFindsCapsInNestedDirectories(t *testing.T) {
	root := needCapTree(t)
	makeTree(t, root, "a/b/c/d/", "a/b/c/d/deep=cap", "a/top=cap", "a/plain", "a/b/mid", "z/", "z/last=cap", "link->a/top")
	withModes(t, func(t *testing.T) {
		r := collect(t, root, WalkOptions{NeedStat: true})
		want := []string{"a/b/c/d/deep", "a/top", "z/last"}
		if got := rel(root, r.caps); !slices.Equal(got, want) || len(r.errs) > 0 {
			t.Errorf("caps %q (errors %v), want %q", got, r.errs, want)
		}
	})
}

func TestWalkKeepsEachValueWithItsFile(t *testing.T) {
	root := needCapTree(t)
	makeTree(t, root, "d/", "d/m", "d/c", "d/x", "d/a", "d/k", "d/sub/", "d/sub/z", "d/b", "d/y")
	for i := range 3 * chunkSize { // enough for d's files to be shared among workers
		makeTree(t, root, fmt.Sprintf("d/p%04d", i))
	}
	// Distinct values, so that a value reported with the wrong file shows.
	want := map[string][]byte{}
	for i, name := range []string{"d/m", "d/c", "d/x", "d/a", "d/y", "d/sub/z"} {
		v := slices.Clone(capValue)
		v[4] = byte(1 << i) // a different permitted bit for each
		mustWalk(t, unix.Lsetxattr(filepath.Join(root, name), Name, v, 0))
		want[name] = v
	}
	type run struct {
		opt    WalkOptions
		bigDir int // files of a directory the consumer reads a window at a time
	}
	var runs []run
	for _, opt := range []WalkOptions{{OnlyFound: true}, {}, {NeedStat: true}, {OnlyFound: true, Workers: 1}, {Workers: 1}} {
		runs = append(runs, run{opt, bigDir}, run{opt, 3})
	}
	for _, r := range runs {
		opt := r.opt
		t.Run(fmt.Sprintf("%+v/bigDir=%d", opt, r.bigDir), func(t *testing.T) {
			old := bigDir
			bigDir = r.bigDir // 3: d's 5 values force a second listing with OnlyFound
			defer func() { bigDir = old }()
			var order []string
			err := Walk(root, opt, func(e Entry) error {
				name := strings.TrimPrefix(e.Path, root+"/")
				if e.Err != nil {
					t.Errorf("%s: %v", name, e.Err)
				}
				if e.Value != nil || opt.OnlyFound {
					order = append(order, name)
				}
				if !bytes.Equal(e.Value, want[name]) {
					t.Errorf("%s: value %x, want %x", name, e.Value, want[name])
				}
				return nil
			})
			mustWalk(t, err)
			if !slices.IsSorted(order) || len(order) != len(want) {
				t.Errorf("files with a value: %q, want the %d of them sorted", order, len(want))
			}
		})
	}
}

func TestWalkFillsStatWhenAsked(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, "d/", "d/f")
	mustWalk(t, os.WriteFile(filepath.Join(root, "d/f"), []byte("12345"), 0o600))
	err := Walk(root, WalkOptions{NeedStat: true}, func(e Entry) error {
		if e.Stat == nil || e.Stat.Size != 5 || e.Stat.Mode&unix.S_IFMT != unix.S_IFREG {
			t.Errorf("%s: stat %+v", e.Path, e.Stat)
		}
		return nil
	})
	mustWalk(t, err)
}

func TestWalkReportsFileRemovedMidWalkAndGoesOn(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, "d/", "d/a", "d/b", "d/c", "e")
	testHookListed = func(dir string) {
		if dir == root+"/d" {
			os.Remove(dir + "/b")
		}
	}
	defer func() { testHookListed = nil }()
	r := collect(t, root, WalkOptions{})
	if want := []string{"d/a", "d/b", "d/c", "e"}; !slices.Equal(rel(root, r.paths), want) {
		t.Errorf("paths %q, want %q", rel(root, r.paths), want)
	}
	var e *Error
	if len(r.errs) != 1 || !errors.As(r.errs[0], &e) || e.Kind != NotExist || e.Path != root+"/d/b" {
		t.Errorf("errors %v, want d/b reported as gone", r.errs)
	}
}

func TestWalkStopsWhenFnFails(t *testing.T) {
	root := t.TempDir()
	for i := range 50 {
		makeTree(t, root, fmt.Sprintf("d%02d/", i), fmt.Sprintf("d%02d/f", i))
	}
	before := openFds(t)
	stop := errors.New("stop")
	n := 0
	err := Walk(root, WalkOptions{}, func(Entry) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if err != stop || n != 10 {
		t.Errorf("Walk returned %v after %d calls, want stop after 10", err, n)
	}
	if after := openFds(t); after != before {
		t.Errorf("%d descriptors open after the walk, %d before", after, before)
	}
}

func openFds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// mount mounts source on target for the test.
func mount(t *testing.T, source, target, fstype string, flags uintptr) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount")
	}
	mustWalk(t, os.MkdirAll(target, 0o755))
	if err := unix.Mount(source, target, fstype, flags, ""); err != nil {
		t.Skipf("cannot mount %s: %v", fstype, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(target, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", target, err)
		}
	})
}

func TestWalkOneFileSystemStaysOnTheRootsFilesystem(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, "a", "m/", "z")
	mount(t, "tmpfs", root+"/m", "tmpfs", 0)
	makeTree(t, root, "m/inside", "m/sub/", "m/sub/f")
	tests := []struct {
		name string
		opt  WalkOptions
		want []string
	}{
		{"by default a tmpfs inside is walked", WalkOptions{}, []string{"a", "m/inside", "m/sub/f", "z"}},
		{"with OneFileSystem it is left out", WalkOptions{OneFileSystem: true}, []string{"a", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withModes(t, func(t *testing.T) {
				if got := rel(root, collect(t, root, tt.opt).paths); !slices.Equal(got, tt.want) {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			})
		})
	}
}

func TestWalkSkipsPseudoFilesystemsUnlessIncluded(t *testing.T) {
	tests := []struct {
		name, source, fstype string
		flags                uintptr
	}{
		{"a bind of /proc", "/proc", "", unix.MS_BIND},
		{"a mounted sysfs", "sysfs", "sysfs", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			makeTree(t, root, "a", "p/", "z")
			mount(t, tt.source, root+"/p", tt.fstype, tt.flags)
			withModes(t, func(t *testing.T) {
				if got := rel(root, collect(t, root, WalkOptions{}).paths); !slices.Equal(got, []string{"a", "z"}) {
					t.Errorf("by default got %q, want only a and z", got)
				}
				if !reachesInside(t, root, root+"/p/") {
					t.Errorf("with IncludePseudo nothing under p/ was reported")
				}
			})
		})
	}
}

// reachesInside reports whether a walk with IncludePseudo reports a path
// under prefix; it stops the walk at the first.
func reachesInside(t *testing.T, root, prefix string) bool {
	t.Helper()
	found := errors.New("found")
	err := Walk(root, WalkOptions{IncludePseudo: true}, func(e Entry) error {
		if strings.HasPrefix(e.Path, prefix) && e.Err == nil {
			return found
		}
		return nil
	})
	return err == found
}

func TestWalkHandlesADirectoryOf100000Entries(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 100,000 files")
	}
	root := needCapTree(t)
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	mustWalk(t, err)
	defer unix.Close(fd)
	for i := range 100000 {
		f, err := unix.Openat(fd, "f"+strconv.Itoa(i), unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
		mustWalk(t, err)
		if i%25000 == 7 {
			err = unix.Fsetxattr(f, Name, capValue, 0)
		}
		unix.Close(f)
		mustWalk(t, err)
	}
	want := []string{"f25007", "f50007", "f7", "f75007"}
	for _, opt := range []WalkOptions{{}, {NeedStat: true}, {OnlyFound: true}} {
		r := collect(t, root, opt)
		n := 100000
		if opt.OnlyFound {
			n = len(want)
		}
		if len(r.paths) != n || len(r.errs) != 0 || !slices.IsSorted(r.paths) {
			t.Fatalf("%+v: %d paths, sorted %v, errors %v", opt, len(r.paths), slices.IsSorted(r.paths), r.errs)
		}
		if got := rel(root, r.caps); !slices.Equal(got, want) {
			t.Errorf("%+v: caps %q, want %q", opt, got, want)
		}
	}
}

func TestWalkGoesOnWhenReadAheadIsExhausted(t *testing.T) {
	root := needCapTree(t)
	var spec []string
	for i := range 40 {
		d := fmt.Sprintf("d%02d/", i)
		spec = append(spec, d, d+"f", d+"sub/", d+"sub/g=cap", d+"z=cap")
	}
	makeTree(t, root, spec...)
	want := collect(t, root, WalkOptions{})
	old := maxAheadBytes
	maxAheadBytes = 1 // every listing is over the limit
	defer func() { maxAheadBytes = old }()
	// Directories listed before the consumer reached them: with the
	// limit at 1 byte only the consumer lists, so at most the directory
	// it enters and, with OnlyFound, its parent whose files print nothing.
	var mu sync.Mutex
	var listed, reached map[string]bool
	ahead := 0
	testHookListed = func(dir string) {
		mu.Lock()
		defer mu.Unlock()
		listed[dir] = true
		n := 0
		for d := range listed {
			if !reached[d] {
				n++
			}
		}
		ahead = max(ahead, n)
	}
	defer func() { testHookListed = nil }()
	for _, opt := range []WalkOptions{{}, {OnlyFound: true}, {Workers: 1}} {
		listed, reached, ahead = map[string]bool{}, map[string]bool{root: true}, 0
		var got walkResult
		err := Walk(root, opt, func(e Entry) error {
			mu.Lock()
			for d := filepath.Dir(e.Path); d != root && !reached[d]; d = filepath.Dir(d) {
				reached[d] = true
			}
			mu.Unlock()
			got.paths = append(got.paths, e.Path)
			if e.Err != nil {
				got.errs = append(got.errs, e.Err)
			} else if e.Value != nil {
				got.caps = append(got.caps, e.Path)
			}
			return nil
		})
		mustWalk(t, err)
		if ahead > 2 {
			t.Errorf("%+v: %d directories listed ahead of the consumer, want at most 2", opt, ahead)
		}
		wantPaths := want.paths
		if opt.OnlyFound {
			wantPaths = want.caps
		}
		if !slices.Equal(got.paths, wantPaths) || !slices.Equal(got.caps, want.caps) || len(got.errs) > 0 {
			t.Errorf("%+v: %d paths, %d caps, errors %v; want %d paths, %d caps",
				opt, len(got.paths), len(got.caps), got.errs, len(wantPaths), len(want.caps))
		}
	}
}

func TestWalkHoldsFewDescriptorsOnAWideTree(t *testing.T) {
	root := t.TempDir()
	var spec []string
	for i := range 2000 {
		d := fmt.Sprintf("d%04d/", i)
		spec = append(spec, d, d+"sub/", d+"sub/f")
	}
	makeTree(t, root, spec...)
	var old unix.Rlimit
	mustWalk(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &old))
	// Room for what is open now and a few directories per worker, far
	// fewer than the 4,000 directories of the tree.
	low := old
	low.Cur = uint64(openFds(t) + 32)
	mustWalk(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &low))
	r := collect(t, root, WalkOptions{})
	mustWalk(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &old))
	if len(r.paths) != 2000 || len(r.errs) > 0 {
		t.Errorf("%d files, %d errors (%v); want 2000 and none", len(r.paths), len(r.errs), firstErr(r.errs))
	}
}

// firstErr is the first of errs, or nil.
func firstErr(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

func TestWalkWorksBeyondPathMax(t *testing.T) {
	tests := []struct {
		name   string
		levels int
		comp   string
	}{
		{"long names", 20, strings.Repeat("n", 230)},
		{"deep nesting", 1500, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := needCapTree(t)
			deepFile := makeDeep(t, root, tt.levels, tt.comp)
			if len(deepFile) <= unix.PathMax {
				t.Fatalf("path of %d bytes is not beyond PATH_MAX", len(deepFile))
			}
			before := openFds(t)
			withModes(t, func(t *testing.T) {
				r := collect(t, root, WalkOptions{})
				if probeModeV.Load() == probePath {
					return // lgetxattr by path cannot reach it
				}
				if !slices.Equal(r.caps, []string{deepFile}) || len(r.paths) != tt.levels || len(r.errs) > 0 {
					t.Errorf("%d paths, caps %d, errors %v", len(r.paths), len(r.caps), r.errs)
				}
			})
			if after := openFds(t); after != before {
				t.Errorf("%d descriptors open after the walk, %d before", after, before)
			}
		})
	}
}

// makeDeep creates levels nested directories named comp, each with a file
// "f", the deepest with a capability, through descriptors, and returns the
// deepest file's path.
func makeDeep(t *testing.T, root string, levels int, comp string) string {
	t.Helper()
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	mustWalk(t, err)
	path := root
	for i := range levels {
		mustWalk(t, unix.Mkdirat(fd, comp, 0o755))
		next, err := unix.Openat(fd, comp, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		mustWalk(t, err)
		fd, path = next, path+"/"+comp
		f, err := unix.Openat(fd, "f", unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
		mustWalk(t, err)
		if i == levels-1 {
			err = unix.Fsetxattr(f, Name, capValue, 0)
		}
		unix.Close(f)
		mustWalk(t, err)
	}
	unix.Close(fd)
	return path + "/f"
}

// TestWalkReportsUnreadableDirectoryAndGoesOn walks, as an unprivileged
// user in a child process, a tree with a directory it may not read.
func TestWalkReportsUnreadableDirectoryAndGoesOn(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a child as another user")
	}
	root := t.TempDir()
	makeTree(t, root, "a", "locked/", "locked/hidden", "m/", "m/f", "z")
	mustWalk(t, os.Chmod(root+"/locked", 0))
	bin := exposeTree(t, root)
	cmd := exec.Command(bin, "-test.run=^TestWalkChildProcess$")
	cmd.Env = append(os.Environ(), "FCAP_WALK_CHILD="+root)
	cmd.Dir = root
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	want := "a\nerror " + root + "/locked: read " + root + "/locked: permission denied\nm/f\nz\n"
	if got := childLines(out); got != want {
		t.Errorf("child reported\n%s\nwant\n%s", got, want)
	}
}

// exposeTree makes root and the test binary reachable by other users and
// returns the binary's copy.
func exposeTree(t *testing.T, root string) string {
	t.Helper()
	for d := root; d != "/" && d != "."; d = filepath.Dir(d) {
		if strings.HasPrefix(d, os.TempDir()+"/") {
			mustWalk(t, os.Chmod(d, 0o755))
		}
	}
	self, err := os.Executable()
	mustWalk(t, err)
	src, err := os.Open(self)
	mustWalk(t, err)
	defer src.Close()
	bin := filepath.Join(root, "walk.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	mustWalk(t, err)
	_, err = io.Copy(dst, src)
	mustWalk(t, errors.Join(err, dst.Close()))
	return bin
}

func childLines(out []byte) string {
	var b strings.Builder
	for line := range bytes.Lines(out) {
		if s, ok := bytes.CutPrefix(line, []byte("walk: ")); ok {
			b.Write(s)
		}
	}
	return b.String()
}

// TestWalkChildProcess is the child of the test above; it does nothing in
// a normal run.
func TestWalkChildProcess(t *testing.T) {
	root := os.Getenv("FCAP_WALK_CHILD")
	if root == "" {
		t.Skip("runs only as a child of TestWalkReportsUnreadableDirectoryAndGoesOn")
	}
	err := Walk(root, WalkOptions{}, func(e Entry) error {
		switch {
		case e.Err != nil:
			fmt.Printf("walk: error %s: %v\n", e.Path, e.Err)
		case !strings.HasSuffix(e.Path, "/walk.test"):
			fmt.Printf("walk: %s\n", strings.TrimPrefix(e.Path, root+"/"))
		}
		return nil
	})
	mustWalk(t, err)
}

func TestWalkPrintsTheSameSetAsGetcap(t *testing.T) {
	getcap, err := exec.LookPath("getcap")
	if err != nil {
		t.Skip("getcap is not installed")
	}
	out, err := exec.Command(getcap, "-r", "/usr/bin").Output()
	mustWalk(t, err)
	last, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	mustWalk(t, err)
	n, err := strconv.Atoi(strings.TrimSpace(string(last)))
	mustWalk(t, err)
	var got []string
	err = Walk("/usr/bin", WalkOptions{}, func(e Entry) error {
		if e.Err != nil || e.Value == nil {
			return e.Err
		}
		fc, err := capfile.Decode(e.Value)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Path, err)
		}
		got = append(got, e.Path+" "+fc.Caps().Format(model.Cap(n)))
		return nil
	})
	mustWalk(t, err)
	want := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(want) == 1 && want[0] == "" {
		want = nil
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("fcap:\n%s\ngetcap:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
