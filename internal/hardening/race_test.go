package hardening

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// nobody owns the directories an attacker controls in these tests.
const nobody = 65534

// raceBatch is the size of the batches of iterations that failures are
// reported in.
const raceBatch = 100

// Default iterations of each command in one race: set and remove run
// 2000 times each; apply and convert, whose races are more numerous, 500
// times each, to keep the package's default run within a few minutes.
const (
	defaultIterations      = 2000
	defaultOtherIterations = 500
)

// raceIterations is how many times each command runs in one race:
// FCAP_RACE_ITERATIONS, or def.
func raceIterations(t *testing.T, def int) int {
	t.Helper()
	s := os.Getenv("FCAP_RACE_ITERATIONS")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("FCAP_RACE_ITERATIONS=%q: want a positive number", s)
	}
	return n
}

// swapper exchanges two directory entries with renameat2(RENAME_EXCHANGE),
// atomically and as fast as it can, until stopped: each of the two names
// always exists and is, at any instant, one of the two prepared entries.
type swapper struct {
	a, b  string
	stop  atomic.Bool
	swaps atomic.Int64
	done  chan error
}

func startSwapper(t *testing.T, a, b string) *swapper {
	t.Helper()
	if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
		t.Skipf("renameat2(RENAME_EXCHANGE) is not supported here: %v", err)
	}
	s := &swapper{a: a, b: b, done: make(chan error, 1)}
	go func() {
		runtime.LockOSThread()
		for !s.stop.Load() {
			if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
				s.done <- err
				return
			}
			s.swaps.Add(1)
		}
		s.done <- nil
	}()
	t.Cleanup(func() { s.halt(t) })
	return s
}

// halt stops the swapper and fails t if a swap failed.
func (s *swapper) halt(t *testing.T) {
	if s.stop.Swap(true) {
		return
	}
	if err := <-s.done; err != nil {
		t.Errorf("swapping %s and %s: %v", s.a, s.b, err)
	}
}

// outcomes counts how the runs of fcap ended, by class.
type outcomes struct {
	counts  map[string]int
	samples map[string]string
}

func newOutcomes() *outcomes {
	return &outcomes{counts: map[string]int{}, samples: map[string]string{}}
}

// add classifies one run: "ok", or the refusal it printed.
func (o *outcomes) add(r result) {
	class := "other"
	switch {
	case r.code == 0:
		class = "ok"
	case strings.Contains(r.stderr, "is a symlink"):
		class = "refused: symlink"
	case strings.Contains(r.stderr, "file changed while"):
		class = "refused: changed"
	case strings.Contains(r.stderr, "no such file or directory"):
		class = "refused: missing"
	}
	o.counts[class]++
	if _, ok := o.samples[class]; !ok && class != "ok" {
		o.samples[class] = strings.TrimSpace(r.stderr)
	}
}

func (o *outcomes) String() string {
	var parts []string
	for k, v := range o.counts {
		parts = append(parts, k+": "+strconv.Itoa(v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// race runs every command of cmds n times (see raceIterations), in
// turn, while the swapper runs, and checks after every run that no
// protected file changed in any way (xattr bytes, mode, owner, size,
// ctime: a change undone by the next run still shows in the ctime). allowed are the
// outcome classes a run may end in; at least two different outcomes
// must have occurred, or the swap never raced with fcap.
func race(t *testing.T, s *swapper, protected []string, cmds [][]string, allowed ...string) {
	t.Helper()
	n := raceIterations(t, defaultIterations)
	if cmds[0][0] != "set" {
		n = raceIterations(t, defaultOtherIterations)
	}
	before := map[string]fileState{}
	for _, p := range protected {
		before[p] = stateOf(p)
	}
	o := newOutcomes()
	for i := 0; i < n; i++ {
		for _, c := range cmds {
			r := run(t, runOpts{}, c...)
			o.add(r)
			// Checked after every run, not only after each batch: the
			// next run could undo a change (convert, then --revert), and
			// the failure names the run that made it.
			for _, p := range protected {
				if after := stateOf(p); after != before[p] {
					s.halt(t)
					t.Fatalf("iteration %d (batch %d of %d; %d swaps so far): fcap %s (exit %d, stderr %q) changed the protected file %s:\n before %v\n after  %v\noutcomes so far: %v",
						i+1, i/raceBatch+1, (n+raceBatch-1)/raceBatch, s.swaps.Load(), strings.Join(c, " "), r.code, r.stderr, p, before[p], after, o)
				}
			}
		}
	}
	s.halt(t)
	t.Logf("%d iterations of %d command(s), %d swaps; outcomes: %v", n, len(cmds), s.swaps.Load(), o)
	for class, sample := range o.samples {
		if !contains(allowed, class) {
			t.Errorf("%d run(s) ended %q, e.g.: %s", o.counts[class], class, sample)
		}
	}
	if len(o.counts) < 2 {
		t.Errorf("every run ended the same way (%v): the swap never raced with fcap", o)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// raceSetup makes the protected file, with caps cap_chown=p and mode
// 0755, in its own directory outside the work directory, and a work
// directory owned by nobody, the attacker. The protected file is named
// "file", as the victim is in the work directory.
func raceSetup(t *testing.T) (protDir, prot, work string) {
	t.Helper()
	testenv.RequireRoot(t)
	protDir = t.TempDir()
	prot = filepath.Join(protDir, "file")
	writeFile(t, prot, 0o755)
	setXattrHex(t, prot, capChownP)
	work = filepath.Join(t.TempDir(), "work")
	mkdir(t, work, 0o755)
	lchown(t, nobody, work)
	return protDir, prot, work
}

// TestSymlinkSwapOfTheFileNeverReachesTheProtectedFile: PATH flips
// between a regular file and a symlink to a protected file while set and
// remove run on PATH; the protected file is never touched.
func TestSymlinkSwapOfTheFileNeverReachesTheProtectedFile(t *testing.T) {
	_, prot, work := raceSetup(t)
	target := filepath.Join(work, "target")
	alt := filepath.Join(work, "alt")
	writeFile(t, target, 0o755)
	if err := os.Symlink(prot, alt); err != nil {
		t.Fatal(err)
	}
	lchown(t, nobody, target, alt)

	t.Run("set and remove", func(t *testing.T) {
		s := startSwapper(t, target, alt)
		race(t, s, []string{prot}, [][]string{
			{"set", "cap_net_raw=ep", target},
			{"remove", target},
		}, "ok", "refused: symlink")
	})
	t.Run("apply", func(t *testing.T) {
		if !fcapHas(t, "apply") {
			t.Skip("fcap has no apply command")
		}
		set, none := applyManifests(t, target)
		s := startSwapper(t, target, alt)
		race(t, s, []string{prot}, [][]string{
			{"apply", set},
			{"apply", none},
		}, "ok", "refused: symlink")
	})
}

// TestDirectorySwapNeverReachesTheProtectedFile: in dir/file, dir flips
// between a real directory and a symlink to the protected file's
// directory, both owned by another user, while set and remove run on
// dir/file; the protected file is never touched.
func TestDirectorySwapNeverReachesTheProtectedFile(t *testing.T) {
	protDir, prot, work := raceSetup(t)
	dir := filepath.Join(work, "dir")
	alt := filepath.Join(work, "alt")
	mkdir(t, dir, 0o755)
	victim := filepath.Join(dir, "file")
	writeFile(t, victim, 0o755)
	if err := os.Symlink(protDir, alt); err != nil {
		t.Fatal(err)
	}
	lchown(t, nobody, dir, victim, alt)

	t.Run("set and remove", func(t *testing.T) {
		s := startSwapper(t, dir, alt)
		race(t, s, []string{prot}, [][]string{
			{"set", "cap_net_raw=ep", victim},
			{"remove", victim},
		}, "ok", "refused: symlink")
	})
	t.Run("apply", func(t *testing.T) {
		if !fcapHas(t, "apply") {
			t.Skip("fcap has no apply command")
		}
		set, none := applyManifests(t, victim)
		s := startSwapper(t, dir, alt)
		race(t, s, []string{prot}, [][]string{
			{"apply", set},
			{"apply", none},
		}, "ok", "refused: symlink")
	})
}

// TestApplyRootDirectorySwapNeverLeavesTheRoot: with apply --root DIR,
// a directory in the middle of a manifest path flips between a real
// directory and a symlink pointing outside DIR; the protected file
// outside DIR is never touched, whether symlinks under the root are
// refused (the default) or resolved inside it (--root-symlinks).
func TestApplyRootDirectorySwapNeverLeavesTheRoot(t *testing.T) {
	protDir, prot, work := raceSetup(t)
	if !fcapHas(t, "apply") {
		t.Skip("fcap has no apply command")
	}
	root := filepath.Join(work, "root")
	mkdir(t, root, 0o755)
	sub := filepath.Join(root, "sub")
	mkdir(t, sub, 0o755)
	victim := filepath.Join(sub, "file")
	writeFile(t, victim, 0o755)
	lchown(t, nobody, root, sub, victim)
	set, none := applyManifests(t, "/sub/file")

	for _, tc := range []struct {
		name   string
		target string // of the symlink that replaces sub
		flags  []string
		allow  []string
	}{
		{"absolute symlink, refused", protDir, nil, []string{"ok", "refused: symlink"}},
		{"relative symlink, refused", relOrAbs(t, root, protDir), nil, []string{"ok", "refused: symlink"}},
		{"absolute symlink, resolved in the root", protDir, []string{"--root-symlinks"}, []string{"ok", "refused: missing"}},
		{"relative symlink, resolved in the root", relOrAbs(t, root, protDir), []string{"--root-symlinks"}, []string{"ok", "refused: missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alt := filepath.Join(root, "alt")
			if err := os.Symlink(tc.target, alt); err != nil {
				t.Fatal(err)
			}
			lchown(t, nobody, alt)
			// Registered first, so it runs after the swapper has stopped:
			// put sub back for the next case.
			t.Cleanup(func() {
				if st := stateOf(sub); st.Mode&unix.S_IFMT != unix.S_IFDIR {
					unix.Renameat2(unix.AT_FDCWD, sub, unix.AT_FDCWD, alt, unix.RENAME_EXCHANGE)
				}
				os.Remove(alt)
			})
			s := startSwapper(t, sub, alt)
			args := func(m string) []string {
				return append(append([]string{"apply", "--root", root}, tc.flags...), m)
			}
			race(t, s, []string{prot}, [][]string{args(set), args(none)}, tc.allow...)
		})
	}
}

// relOrAbs is target relative to dir ("../../x"), which leads out of dir.
func relOrAbs(t *testing.T, dir, target string) string {
	t.Helper()
	rel, err := filepath.Rel(dir, target)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// applyManifests writes two manifests in a directory of their own: one
// giving path cap_net_raw=ep, one taking its capabilities away.
func applyManifests(t *testing.T, path string) (set, none string) {
	t.Helper()
	dir := t.TempDir()
	set = filepath.Join(dir, "set.manifest")
	none = filepath.Join(dir, "none.manifest")
	if err := os.WriteFile(set, []byte(path+" cap_net_raw=ep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(none, []byte(path+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return set, none
}

// TestSetAndRemoveRefuseASymlinkedDirectoryOfAnotherUser is the
// directory swap without the race: dir is a symlink, owned by another
// user in a directory that user owns, to the protected file's directory.
// Following it lets whoever controls dir choose the file root writes.
func TestSetAndRemoveRefuseASymlinkedDirectoryOfAnotherUser(t *testing.T) {
	protDir, prot, work := raceSetup(t)
	dir := filepath.Join(work, "dir")
	if err := os.Symlink(protDir, dir); err != nil {
		t.Fatal(err)
	}
	lchown(t, nobody, dir)
	before := stateOf(prot)
	for _, args := range [][]string{
		{"set", "cap_net_raw=ep", filepath.Join(dir, "file")},
		{"remove", filepath.Join(dir, "file")},
	} {
		r := fcap(t, "", args...)
		if after := stateOf(prot); after != before {
			t.Errorf("fcap %s (exit %d, stderr %q) changed the protected file %s through the symlink %s -> %s:\n before %v\n after  %v",
				strings.Join(args, " "), r.code, r.stderr, prot, dir, protDir, before, after)
			before = after
		} else if r.code != 1 {
			t.Errorf("fcap %s: exit %d, want 1 (stderr %q)", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

// TestSwapsNeverLetConvertTouchASetuidTwin: convert (setuid root →
// capabilities) and convert --revert run on a setuid root program while
// its path flips to a symlink to a protected setuid root twin, or a
// directory on its path flips to a symlink to the twin's directory; the
// twin's mode and value never change.
func TestSwapsNeverLetConvertTouchASetuidTwin(t *testing.T) {
	testenv.RequireRoot(t)
	if !fcapHas(t, "convert") {
		t.Skip("fcap has no convert command")
	}
	protDir := t.TempDir()
	twin := filepath.Join(protDir, "file")
	writeFile(t, twin, 0o4755)
	work := filepath.Join(t.TempDir(), "work")
	mkdir(t, work, 0o755)
	lchown(t, nobody, work)
	cmds := func(path string) [][]string {
		return [][]string{
			{"convert", "--caps", "cap_net_raw=ep", path},
			{"convert", "--revert", path},
		}
	}

	t.Run("file swap", func(t *testing.T) {
		target := filepath.Join(work, "target")
		alt := filepath.Join(work, "alt")
		writeFile(t, target, 0o4755) // a setuid root program in a directory nobody controls
		if err := os.Symlink(twin, alt); err != nil {
			t.Fatal(err)
		}
		lchown(t, nobody, alt)
		s := startSwapper(t, target, alt)
		race(t, s, []string{twin}, cmds(target), "ok", "refused: symlink")
	})
	t.Run("directory swap", func(t *testing.T) {
		dir := filepath.Join(work, "dir")
		alt := filepath.Join(work, "dalt")
		mkdir(t, dir, 0o755)
		victim := filepath.Join(dir, "file")
		writeFile(t, victim, 0o4755)
		if err := os.Symlink(protDir, alt); err != nil {
			t.Fatal(err)
		}
		lchown(t, nobody, dir, alt)
		s := startSwapper(t, dir, alt)
		race(t, s, []string{twin}, cmds(victim), "ok", "refused: symlink")
	})
}
