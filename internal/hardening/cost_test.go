package hardening

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fcap/internal/testenv"
)

// runtimeCalls are the Go runtime's own system calls (threads, memory,
// signals, scheduling): their number varies from run to run and has
// nothing to do with the files fcap reads.
var runtimeCalls = map[string]bool{
	"futex": true, "nanosleep": true, "sched_yield": true, "rt_sigaction": true, "rt_sigprocmask": true,
	"rt_sigreturn": true, "sigaltstack": true, "mmap": true, "munmap": true, "madvise": true, "mprotect": true,
	"brk": true, "clone": true, "clone3": true, "gettid": true, "getpid": true, "tgkill": true,
	"set_robust_list": true, "rseq": true, "sched_getaffinity": true, "prlimit64": true,
	"epoll_pwait": true, "epoll_wait": true, "epoll_ctl": true, "epoll_create1": true, "pipe2": true, "eventfd2": true,
}

// TestApplySystemCheckCostsOnlyTheListedFiles counts, with strace -c, the
// system calls of `fcap apply --system --check` on a system that matches
// its drop-ins, with 1 and with 401 entries: each more entry costs one
// open, one fstat, one getxattr and one close of that file and nothing
// else — no directory is listed beyond the drop-in directories, no other
// file is opened, and the drop-in is read in a few large reads whatever
// its size.
func TestApplySystemCheckCostsOnlyTheListedFiles(t *testing.T) {
	testenv.RequireRoot(t)
	requireTool(t, "strace")
	const more = 400
	small := checkCallCounts(t, 1)
	large := checkCallCounts(t, 1+more)
	perEntry := map[string]float64{}
	total := 0.0
	for name := range union(small, large) {
		d := float64(large[name]-small[name]) / more
		if d != 0 {
			perEntry[name] = d
		}
		total += d
	}
	t.Logf("1 entry: %v\n%d entries: %v\nper entry: %v", small, 1+more, large, perEntry)
	want := map[string]float64{"openat2": 1, "fstat": 1, "getxattr": 1, "close": 1}
	for name, n := range want {
		if perEntry[name] != n {
			t.Errorf("%s per entry = %v, want %v", name, perEntry[name], n)
		}
	}
	for name, n := range perEntry {
		if _, ok := want[name]; !ok && (n > 0.02 || n < -0.02) {
			t.Errorf("%s grows with the entries (%v per entry)", name, n)
		}
	}
	if large["getdents64"] != small["getdents64"] {
		t.Errorf("getdents64: %d calls with 1 entry, %d with %d: a directory walk", small["getdents64"], large["getdents64"], 1+more)
	}
	if total > 4.05 {
		t.Errorf("%.2f system calls per entry, want 4", total)
	}
}

// checkCallCounts makes a system of n capability files that match their
// drop-in and returns how many of each system call (the runtime's left
// out) `fcap apply --system --check --root` makes on it.
func checkCallCounts(t *testing.T, n int) map[string]int {
	root := testenv.CapDir(t)
	for _, d := range []string{"usr", "usr/bin", "etc", "etc/fcap.d"} {
		mkdir(t, filepath.Join(root, d), 0o755)
	}
	var conf strings.Builder
	for i := 0; i < n; i++ {
		writeFile(t, filepath.Join(root, "usr", "bin", fmt.Sprintf("f%04d", i)), 0o755)
		fmt.Fprintf(&conf, "/usr/bin/f%04d cap_net_bind_service=ep\n", i)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "fcap.d", "cost.conf"), []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := fcap(t, root, "apply", "--system", "--root", root); r.code != 0 {
		t.Fatalf("apply: exit %d: %s", r.code, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "counts")
	r := run(t, runOpts{dir: root, wrap: []string{"strace", "-f", "-c", "-o", out}}, "apply", "--system", "--check", "--root", root)
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("apply --check on a matching system: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return parseCounts(t, string(b))
}

// parseCounts reads strace -c's table: "% time seconds usecs/call calls
// [errors] syscall".
func parseCounts(t *testing.T, table string) map[string]int {
	counts := map[string]int{}
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || strings.HasPrefix(line, "%") || strings.HasPrefix(line, "-") {
			continue
		}
		name := f[len(f)-1]
		if name == "total" || runtimeCalls[name] {
			continue
		}
		calls, err := strconv.Atoi(f[3])
		if err != nil {
			t.Fatalf("strace -c line %q: %v", line, err)
		}
		counts[name] = calls
	}
	return counts
}

func union(a, b map[string]int) map[string]bool {
	u := map[string]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}
