package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// Raw security.capability values used to prepare files.
const (
	hexNetRawEP  = "0100000200200000000000000000000000000000"         // cap_net_raw=ep
	hexKillP     = "0000000220000000000000000000000000000000"         // cap_kill=p
	hexKillPNs7  = "000000032000000000000000000000000000000007000000" // cap_kill=p, rootid 7
	hexChownI    = "0000000200000000010000000000000000000000"         // cap_chown=i
	hexHighBitsP = "0000000200000000000000000000008000000000"         // 63=p
)

// compatStep is one invocation; args[0] is "setcap" or "getcap" and is
// the argv[0] both programs see. wrap, if set, runs the program through
// another one (unshare, capsh) that finds it on PATH.
type compatStep struct {
	args  []string
	stdin string
	wrap  []string
	// merged sends stdout and stderr to one pipe, to compare how they
	// interleave.
	merged bool
}

// compatCase is a scenario run once with libcap's programs and once with
// fcap's, each in a fresh copy of the same file tree.
type compatCase struct {
	name  string
	pre   map[string]string // path → raw value, written before the steps
	steps []compatStep
	// walk: compare stdout as sorted lines, leaving out the non-regular
	// entries below the argument that getcap -r -v lists and fcap does not
	// (docs/COMPAT.md).
	walk bool
}

func sc(args ...string) compatStep { return compatStep{args: append([]string{"setcap"}, args...)} }
func gc(args ...string) compatStep { return compatStep{args: append([]string{"getcap"}, args...)} }

func withStdin(s compatStep, in string) compatStep { s.stdin = in; return s }

func merged(s compatStep) compatStep { s.merged = true; return s }

func wrapped(s compatStep, wrap ...string) compatStep { s.wrap = wrap; return s }

// compatCases are compared byte for byte: stdout, stderr, exit status and
// afterwards every regular file's security.capability bytes.
var compatCases = []compatCase{
	{name: "set ep", steps: []compatStep{sc("cap_net_raw+ep", "f"), gc("f")}},
	{name: "set list p", steps: []compatStep{sc("cap_net_raw,cap_net_admin=p", "f"), gc("f")}},
	{name: "set mixed clauses", steps: []compatStep{sc("cap_chown=i cap_net_raw+p", "f"), gc("f")}},
	{name: "set empty set", steps: []compatStep{sc("=", "f"), gc("f")}},
	{name: "set empty text", steps: []compatStep{sc("", "f"), gc("f")}},
	{name: "set all", steps: []compatStep{sc("all=ep", "f"), gc("f")}},
	{name: "set all but one", steps: []compatStep{sc("=ep cap_setpcap-ep", "f"), gc("f")}},
	{name: "set high bit", steps: []compatStep{sc("63=p", "f"), gc("f")}},
	{name: "set effective only", steps: []compatStep{sc("cap_net_raw=e", "f"), gc("f")}},
	{name: "set upper case and numbers", steps: []compatStep{sc("CAP_NET_RAW,0x5=p 015+i", "f"), gc("f")}},
	{name: "set replaces", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{sc("cap_kill=p", "f"), gc("f")}},
	{name: "set same again", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{sc("cap_net_raw=ep", "f"), gc("f")}},
	{name: "set several pairs", steps: []compatStep{sc("cap_chown=p", "f", "cap_kill=ep", "g", "-r", "h"), gc("f", "g", "h")}},
	{name: "pairs with options between", steps: []compatStep{sc("cap_chown=p", "f", "-n", "1000", "cap_kill=p", "g"), gc("-n", "f", "g")}},
	{name: "failure in the middle", steps: []compatStep{sc("cap_chown=p", "f", "cap_kill=p", "missing", "cap_kill=p", "g"), gc("f", "g")}},
	{name: "bad text in the middle", steps: []compatStep{sc("cap_chown=p", "f", "cap_bogus=p", "g", "cap_kill=p", "h"), gc("f", "g", "h")}},
	{name: "bad flag letter", steps: []compatStep{sc("cap_net_raw=epx", "f")}},
	{name: "bad raise without flags", steps: []compatStep{sc("cap_net_raw+", "f")}},
	{name: "bad raise without list", steps: []compatStep{sc("+p", "f")}},
	{name: "bad option is caps text", steps: []compatStep{sc("-x", "f"), sc("-f", "cap_chown=p", "f"), sc("--help")}},
	{name: "effective mismatch", steps: []compatStep{sc("cap_chown=ep cap_kill+p", "f"), gc("-v", "f")}},
	{name: "effective mismatch after inheritable", steps: []compatStep{sc("CAP_NET_RAW=ep 0x5,015+i", "f"), sc("cap_kill=ep cap_chown=i", "missing")}},
	{name: "effective mismatch above last cap", steps: []compatStep{sc("cap_chown=ep 63+p", "missing"), sc("50=e", "missing")}},
	{name: "effective mismatch on missing file", steps: []compatStep{sc("cap_chown=ep cap_kill+p", "missing")}},
	{name: "effective only on missing file", steps: []compatStep{sc("cap_net_raw=e", "missing")}},
	{name: "symlink", steps: []compatStep{sc("cap_chown=p", "link"), gc("link", "f")}},
	{name: "symlink to a directory", steps: []compatStep{sc("cap_chown=p", "dlink")}},
	{name: "directory", steps: []compatStep{sc("cap_chown=p", "d")}},
	{name: "fifo", steps: []compatStep{sc("cap_chown=p", "fifo")}},
	{name: "missing file", steps: []compatStep{sc("cap_chown=p", "missing")}},
	{name: "not a directory", steps: []compatStep{sc("cap_chown=p", "f/x")}},
	{name: "remove", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{sc("-r", "f"), gc("-v", "f")}},
	{name: "remove without caps", steps: []compatStep{sc("-r", "f")}},
	{name: "remove symlink", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{sc("-r", "link")}},
	{name: "remove missing", steps: []compatStep{sc("-r", "missing")}},
	{name: "verify OK", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{sc("-v", "cap_net_raw+ep", "f")}},
	{name: "verify differs", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{sc("-v", "cap_chown=eip", "f")}},
	{name: "verify differs in e", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{sc("-v", "cap_net_raw=p", "f")}},
	{name: "verify no caps", steps: []compatStep{sc("-v", "cap_net_raw=ep", "f")}},
	{name: "verify remove without caps", steps: []compatStep{sc("-v", "-r", "f")}},
	{name: "verify quiet", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{sc("-q", "-v", "cap_chown=p", "f"), sc("-v", "-q", "cap_net_raw=ep", "f")}},
	{name: "verify stops at first difference", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{sc("-v", "cap_net_raw=ep", "f", "cap_kill=p", "g", "=", "h")}},
	{name: "verify missing", steps: []compatStep{sc("-v", "cap_chown=p", "missing"), sc("-v", "=", "missing")}},
	{name: "verify directory", steps: []compatStep{sc("-v", "=", "d")}},
	{name: "verify rootid", pre: map[string]string{"f": hexKillP, "g": hexKillPNs7}, steps: []compatStep{
		sc("-v", "-n", "5", "cap_kill=p", "f"), sc("-v", "cap_kill=p", "g"), sc("-v", "-n", "7", "cap_kill=p", "g"), sc("-v", "-n", "5", "cap_kill=p", "g")}},
	{name: "rootid write", steps: []compatStep{sc("-n", "1000", "cap_chown=eip cap_kill+ei", "f"), gc("f"), gc("-n", "f")}},
	{name: "rootid hex and octal", steps: []compatStep{sc("-n", "0x10", "cap_chown=p", "f", "-n", "010", "cap_chown=p", "g"), gc("-n", "f", "g")}},
	{name: "rootid wraps to 0", steps: []compatStep{sc("-n", "4294967296", "cap_chown=p", "f"), gc("-n", "f")}},
	{name: "rootid -1", steps: []compatStep{sc("-n", "4294967295", "cap_chown=p", "f")}},
	{name: "rootid 0", steps: []compatStep{sc("-n", "0", "cap_chown=p", "f")}},
	{name: "rootid text", steps: []compatStep{sc("-n", "abc", "cap_chown=p", "f"), sc("-n", "12abc", "cap_chown=p", "f"), sc("-n", "", "cap_chown=p", "f")}},
	{name: "rootid negative", steps: []compatStep{sc("-n", "-5", "cap_chown=p", "f"), sc("-n", " -5", "cap_chown=p", "g"), gc("-n", "g")}},
	{name: "rootid missing", steps: []compatStep{sc("-n")}},
	{name: "rootid large", steps: []compatStep{sc("-n", "3000000000", "cap_chown=p", "f"), gc("-n", "f")}},
	{name: "stdin", steps: []compatStep{withStdin(sc("-", "f"), "cap_chown=p\n"), gc("f")}},
	{name: "stdin quiet", steps: []compatStep{withStdin(sc("-q", "-", "f"), "cap_chown=p\n"), gc("f")}},
	{name: "stdin several lines", steps: []compatStep{withStdin(sc("-", "f"), "cap_chown=p\n\ncap_kill+i\n"), gc("f")}},
	{name: "stdin empty", steps: []compatStep{withStdin(sc("-", "f"), "")}},
	{name: "stdin starts with newline", steps: []compatStep{withStdin(sc("-q", "-", "f"), "\ncap_chown=p\n")}},
	{name: "stdin twice", steps: []compatStep{withStdin(sc("-", "f", "-", "g"), "cap_chown=p\n"), gc("f", "g")}},
	{name: "stdin bad text", steps: []compatStep{withStdin(sc("-", "f"), "cap_chown=px\n")}},
	{name: "setcap help", steps: []compatStep{sc("-h"), sc("cap_chown=p", "f", "-h", "cap_kill=p", "g"), gc("f", "g")}},
	{name: "setcap no arguments", steps: []compatStep{sc()}},
	{name: "setcap caps without file", steps: []compatStep{sc("cap_chown=p", "f", "cap_kill=p"), gc("f")}},
	{name: "setcap options only", steps: []compatStep{sc("-q"), sc("-v", "-q", "-n", "5")}},
	{name: "getcap files", pre: map[string]string{"f": hexNetRawEP, "h": hexChownI}, steps: []compatStep{gc("f", "g", "h"), gc("-v", "f", "g", "h")}},
	{name: "getcap symlink", pre: map[string]string{"f": hexNetRawEP}, steps: []compatStep{gc("link"), gc("-v", "link", "dlink"), gc("-v", "dlink/")}},
	{name: "getcap directory and fifo", steps: []compatStep{gc("d", "fifo"), gc("-v", "d", "fifo")}},
	{name: "getcap missing", steps: []compatStep{gc("missing", "f/", ""), gc("-v", "missing")}},
	{name: "getcap rootid", pre: map[string]string{"f": hexKillPNs7, "g": hexKillP}, steps: []compatStep{gc("f", "g"), gc("-n", "f", "g"), gc("-nv", "f", "g")}},
	{name: "getcap high bits", pre: map[string]string{"f": hexHighBitsP}, steps: []compatStep{gc("f")}},
	{name: "getcap help", steps: []compatStep{gc("-h"), gc("-vh", "f"), gc()}},
	{name: "getcap bad option", steps: []compatStep{gc("-x", "f"), gc("--foo", "f"), gc("-vq", "f")}},
	{name: "getcap option after file", pre: map[string]string{"f": hexKillPNs7}, steps: []compatStep{gc("g", "-v"), gc("f", "-n"), gc("--", "-v", "f")}},
	{name: "getcap recursive", pre: map[string]string{"d/a": hexNetRawEP, "d/sub/b": hexKillPNs7}, walk: true, steps: []compatStep{gc("-r", "d"), gc("-rn", "d"), gc("-r", "."), gc("-r", "f", "link", "dlink/")}},
	{name: "getcap recursive verbose", pre: map[string]string{"d/a": hexNetRawEP}, walk: true, steps: []compatStep{gc("-rv", "d"), gc("-r", "-v", "d/", "./d", "d/./sub"), gc("-rv", "f", "link", "dlink/", "fifo", "missing")}},
	{name: "stdout buffered, stderr not", pre: map[string]string{"f": hexNetRawEP, "g": hexKillPNs7}, steps: []compatStep{
		merged(gc("-v", "f", "missing", "g", "link")), merged(sc("-v", "cap_net_raw=ep", "f", "cap_kill=p", "g")),
		merged(sc("-v", "cap_net_raw=ep", "f", "cap_chown=p", "missing")), merged(sc("-v", "cap_net_raw=ep", "f", "cap_chown=p", "missing", "-v"))}},
	{name: "user namespace", pre: map[string]string{"f": hexKillPNs7, "g": hexKillP}, steps: []compatStep{
		wrapped(gc("-n", "f", "g"), "unshare", "-U", "-r"), wrapped(sc("-v", "cap_kill=p", "f"), "unshare", "-U", "-r"),
		wrapped(sc("cap_chown=p", "h"), "unshare", "-U", "-r"), gc("-n", "h")}},
	{name: "without CAP_SETFCAP", steps: []compatStep{
		wrapped(sc("cap_chown=p", "f"), "capsh", "--drop=cap_setfcap", "--", "-c", `exec "$0" "$@"`),
		wrapped(sc("-v", "cap_chown=p", "f"), "capsh", "--drop=cap_setfcap", "--", "-c", `exec "$0" "$@"`)}},
}

// TestCompat runs every case in compatCases with libcap's setcap and
// getcap and with fcap's (symlinks made by `fcap install-compat` to a
// freshly built fcap) and compares what they print, their exit statuses
// and the capability bytes they leave on every file.
func TestCompat(t *testing.T) {
	env := newCompatEnv(t)
	for _, tc := range compatCases {
		t.Run(tc.name, func(t *testing.T) {
			env.compare(t, tc, func(t *testing.T) string { return makeCompatTree(t, tc.pre) })
		})
	}
	for _, ro := range []bool{false, true} {
		tc := compatCase{steps: []compatStep{gc("v1"), gc("-v", "v1"), sc("-v", "cap_net_raw=p", "v1"),
			sc("cap_chown=p", "v1"), gc("v1"), sc("-r", "v1"), sc("-r", "v1")}}
		t.Run(fmt.Sprintf("revision 1 value on disk, read-only %v", ro), func(t *testing.T) {
			env.compare(t, tc, func(t *testing.T) string { return makeV1Tree(t, ro) })
		})
	}
}

// compare runs tc's steps with both programs, each in a tree made by mk.
func (e *compatEnv) compare(t *testing.T, tc compatCase, mk func(t *testing.T) string) {
	for _, s := range tc.steps {
		if len(s.wrap) > 0 {
			if _, err := exec.LookPath(s.wrap[0]); err != nil {
				t.Skipf("%s is not installed", s.wrap[0])
			}
		}
	}
	realDir, fcapDir := mk(t), mk(t)
	for i, s := range tc.steps {
		want := e.run(t, e.realBin, realDir, s)
		got := e.run(t, e.fcapBin, fcapDir, s)
		if tc.walk {
			want, got = walkView(want, s.args, realDir), walkView(got, s.args, fcapDir)
		}
		if got != want {
			t.Errorf("step %d %q:\nlibcap: %s\nfcap:   %s", i, s.args, want, got)
		}
	}
	compareXattrs(t, realDir, fcapDir)
}

// compatEnv holds the two directories of programs: libcap's (symlinks to
// the installed setcap and getcap) and fcap's.
type compatEnv struct {
	realBin, fcapBin string
}

// newCompatEnv builds fcap, installs its setcap and getcap links with
// install-compat, and links libcap's programs; it skips the test when
// that is impossible.
func newCompatEnv(t *testing.T) *compatEnv {
	t.Helper()
	testenv.RequireRoot(t)
	if err := testenv.CanStoreCaps(""); err != nil {
		t.Skip(err)
	}
	setcap, err1 := exec.LookPath("setcap")
	getcap, err2 := exec.LookPath("getcap")
	if err1 != nil || err2 != nil {
		t.Skip("libcap's setcap and getcap are not installed (no peer to compare with)")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH: cannot build fcap")
	}
	dir := t.TempDir()
	env := &compatEnv{realBin: filepath.Join(dir, "real"), fcapBin: filepath.Join(dir, "fcap-bin")}
	fcap := filepath.Join(dir, "fcap")
	if out, err := exec.Command(goTool, "build", "-o", fcap, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(fcap, "install-compat", env.fcapBin).CombinedOutput(); err != nil {
		t.Fatalf("fcap install-compat: %v\n%s", err, out)
	}
	if err := os.Mkdir(env.realBin, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"setcap": setcap, "getcap": getcap} {
		if err := os.Symlink(target, filepath.Join(env.realBin, name)); err != nil {
			t.Fatal(err)
		}
	}
	return env
}

// run executes one step with the programs in bin, in dir, and describes
// the outcome.
func (e *compatEnv) run(t *testing.T, bin, dir string, s compatStep) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	if len(s.wrap) > 0 {
		cmd = exec.CommandContext(ctx, s.wrap[0], append(s.wrap[1:], s.args...)...)
	} else {
		cmd = exec.CommandContext(ctx, filepath.Join(bin, s.args[0]))
		cmd.Args = s.args
	}
	cmd.Dir = dir
	cmd.Env = compatEnviron(bin)
	cmd.Stdin = strings.NewReader(s.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if s.merged {
		cmd.Stderr = cmd.Stdout
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %q: %v", s.args, err)
	}
	return formatOutcome(code, stdout.String(), stderr.String())
}

// compatEnviron is the environment for both programs: the C locale (so
// strerror is English), no POSIXLY_CORRECT, and bin first on PATH.
func compatEnviron(bin string) []string {
	env := []string{"LC_ALL=C", "PATH=" + bin + ":" + os.Getenv("PATH")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") &&
			!strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "POSIXLY_CORRECT=") {
			env = append(env, kv)
		}
	}
	return env
}

func formatOutcome(code int, stdout, stderr string) string {
	return "exit " + strconv.Itoa(code) + "\n  stdout " + quoteLines(stdout) + "\n  stderr " + quoteLines(stderr)
}

func quoteLines(s string) string {
	return "`" + strings.ReplaceAll(s, "\n", "⏎") + "`"
}

// walkView keeps what can be compared of getcap -r output run in dir: the
// lines in sorted order (nftw lists directories unsorted), without the
// "(Not a regular file)" lines for entries below the arguments, and
// without FIFOs, which nftw reports as files (docs/COMPAT.md).
func walkView(outcome string, args []string, dir string) string {
	lines := strings.Split(outcome, "\n")
	stdout := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(lines[1]), "stdout `"), "`")
	roots := map[string]bool{}
	for _, a := range args[1:] {
		roots[strings.TrimRight(a, "/")] = true
	}
	var keep []string
	for _, l := range strings.Split(stdout, "⏎") {
		name, notReg := strings.CutSuffix(l, " (Not a regular file)")
		if !notReg {
			name, _, _ = strings.Cut(l, " ")
		}
		var st unix.Stat_t
		fifo := unix.Lstat(filepath.Join(dir, name), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
		if l == "" || fifo || notReg && !roots[name] {
			continue
		}
		keep = append(keep, l)
	}
	sort.Strings(keep)
	lines[1] = "  stdout (sorted; regular files and arguments) " + quoteLines(strings.Join(keep, "\n"))
	return strings.Join(lines, "\n")
}

// makeCompatTree makes the tree every case starts from:
//
//	f g h            regular files
//	link -> f        dlink -> d
//	fifo
//	d/a  d/sub/b  d/empty/  d/l -> ../f  d/fifo
//
// then writes the raw values in pre.
func makeCompatTree(t *testing.T, pre map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"d", "d/sub", "d/empty"} {
		mustDo(t, os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	for _, f := range []string{"f", "g", "h", "d/a", "d/sub/b"} {
		mustDo(t, os.WriteFile(filepath.Join(dir, f), []byte("x\n"), 0o755))
	}
	for link, target := range map[string]string{"link": "f", "dlink": "d", "d/l": "../f"} {
		mustDo(t, os.Symlink(target, filepath.Join(dir, link)))
	}
	for _, p := range []string{"fifo", "d/fifo"} {
		mustDo(t, unix.Mkfifo(filepath.Join(dir, p), 0o644))
	}
	for p, h := range pre {
		v, err := hex.DecodeString(h)
		mustDo(t, err)
		mustDo(t, unix.Lsetxattr(filepath.Join(dir, p), "security.capability", v, 0))
	}
	return dir
}

// makeV1Tree mounts a small ext4 image holding v1, a file whose
// security.capability is a revision 1 value (cap_net_raw=p). The kernel
// neither writes nor reads such a value (getxattr fails with EINVAL), so
// it is put in the image with debugfs.
func makeV1Tree(t *testing.T, readOnly bool) string {
	t.Helper()
	for _, tool := range []string{"mkfs.ext4", "debugfs", "mount", "umount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	img, src, val, mnt := filepath.Join(dir, "img"), filepath.Join(dir, "src"), filepath.Join(dir, "val"), filepath.Join(dir, "mnt")
	mustDo(t, os.WriteFile(img, nil, 0o600))
	mustDo(t, os.Truncate(img, 4<<20))
	mustDo(t, os.WriteFile(src, []byte("x\n"), 0o644))
	mustDo(t, os.WriteFile(val, []byte{1, 0, 0, 1, 0, 0x20, 0, 0, 0, 0, 0, 0}, 0o644))
	mustDo(t, os.Mkdir(mnt, 0o755))
	for _, args := range [][]string{
		{"mkfs.ext4", "-q", "-F", img},
		{"debugfs", "-w", "-R", "write " + src + " v1", img},
		{"debugfs", "-w", "-R", "ea_set -f " + val + " v1 security.capability", img},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
	}
	opts := "loop"
	if readOnly {
		opts += ",ro"
	}
	if out, err := exec.Command("mount", "-o", opts, img, mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount an ext4 image on a loop device: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	return mnt
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// compareXattrs compares the capability bytes of every regular file in
// the two trees.
func compareXattrs(t *testing.T, realDir, fcapDir string) {
	t.Helper()
	want, got := xattrSnapshot(t, realDir), xattrSnapshot(t, fcapDir)
	if want != got {
		t.Errorf("security.capability afterwards:\nlibcap: %s\nfcap:   %s", want, got)
	}
}

func xattrSnapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		buf := make([]byte, 64)
		n, err := unix.Lgetxattr(p, "security.capability", buf)
		v := "none"
		switch {
		case err == nil:
			v = hex.EncodeToString(buf[:n])
		case err != unix.ENODATA:
			v = "(" + err.Error() + ")" // EINVAL for a revision 1 value
		}
		rel, _ := filepath.Rel(dir, p)
		b.WriteString(rel + "=" + v + " ")
		return nil
	})
	mustDo(t, err)
	return b.String()
}

// TestPersonalityDispatch checks that argv[0]'s base name selects the
// personality, whatever the directory.
func TestPersonalityDispatch(t *testing.T) {
	for _, tt := range []struct{ argv0, usage string }{
		{"/usr/local/sbin/setcap", "usage: setcap [-h] [-q] [-v] [-n <rootid>] (-r|-|<caps>) <filename> [ ... (-r|-|<capsN>) <filenameN> ]\n"},
		{"getcap", "usage: getcap [-h] [-l] [-n] [-r] [-v] <filename> [<filename> ...]\n"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{tt.argv0, "-h"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Errorf("%s -h: exit %d", tt.argv0, code)
		}
		if !strings.HasPrefix(stderr.String(), tt.usage) || stdout.Len() != 0 {
			t.Errorf("%s -h: stdout %q stderr %q", tt.argv0, stdout.String(), stderr.String())
		}
	}
}

// TestGenDocs checks that the generators run and cover every visible
// command, and that the scripts parse in their shells when installed.
func TestGenDocs(t *testing.T) {
	for _, args := range [][]string{{"gen-man"}, {"gen-completion", "bash"}, {"gen-completion", "zsh"}} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"fcap"}, args...), strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr.String())
		}
		for _, name := range []string{"get", "set", "remove", "install-compat"} {
			if !strings.Contains(stdout.String(), name) {
				t.Errorf("%q does not mention %s", args, name)
			}
		}
		if strings.Contains(stdout.String(), "gen-man") {
			t.Errorf("%q mentions the hidden gen-man", args)
		}
		if args[0] == "gen-completion" {
			checkShellSyntax(t, args[1], stdout.String())
		}
	}
}

func checkShellSyntax(t *testing.T, shell, script string) {
	t.Helper()
	if _, err := exec.LookPath(shell); err != nil {
		t.Logf("%s is not installed: syntax not checked", shell)
		return
	}
	cmd := exec.Command(shell, "-n")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s -n: %v\n%s", shell, err, out)
	}
}
