package hardening

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"fcap/internal/testenv"
)

// tracedCalls are the system calls the descriptor-discipline test
// watches: every way to open a path, and every way to write a file's
// attributes, mode or owner.
var tracedCalls = []string{
	"open", "openat", "openat2", "creat",
	"setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
	"getxattr", "lgetxattr", "fgetxattr",
	"chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat",
}

// call is one traced system call.
type call struct {
	line string
	name string
	args []string
	ret  string // the first word of the return value
}

var (
	unfinishedRE = regexp.MustCompile(`^(\d+) +(.*) <unfinished \.\.\.>$`)
	resumedRE    = regexp.MustCompile(`^(\d+) +<\.\.\. \w+ resumed>(.*)$`)
	callRE       = regexp.MustCompile(`^(\d+) +(\w+)\((.*)\) += (\S+)`)
	// detachedRE is what strace prints for a thread caught in a call
	// while the process exits: the call is unknown and did not return.
	detachedRE = regexp.MustCompile(`^\d+ +\?\?\?\( <detached \.\.\.>$`)
)

// parseTrace reads `strace -f -qq` output, joining calls that other
// threads interrupted.
func parseTrace(text string) ([]call, error) {
	pending := map[string]string{}
	var calls []call
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.Contains(line, " --- ") || strings.Contains(line, " +++ ") || detachedRE.MatchString(line) {
			continue
		}
		if m := unfinishedRE.FindStringSubmatch(line); m != nil {
			pending[m[1]] = m[1] + " " + m[2]
			continue
		}
		if m := resumedRE.FindStringSubmatch(line); m != nil {
			line = pending[m[1]] + m[2]
			delete(pending, m[1])
		}
		m := callRE.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("cannot parse trace line %q", line)
		}
		calls = append(calls, call{line: line, name: m[2], args: splitArgs(m[3]), ret: m[4]})
	}
	return calls, nil
}

// splitArgs splits strace's argument list at top-level commas, leaving
// quoted strings, {structs} and [arrays] whole.
func splitArgs(s string) []string {
	var args []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '{' || c == '[' || c == '(':
			depth++
		case c == '}' || c == ']' || c == ')':
			depth--
		case c == ',' && depth == 0:
			args = append(args, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(args, strings.TrimSpace(s[start:]))
}

// discipline is what a trace shows about fcap's handling of the user's
// paths.
type discipline struct {
	violations []string
	writes     int // successful writes through a checked descriptor
	opens      int // opens of a user's path
}

// checkDiscipline checks a trace against the rules: a user's path is
// opened only with O_PATH|O_NOFOLLOW (and at most once per mention);
// writes (fsetxattr, fremovexattr, fchmod) go to a descriptor re-opened
// through /proc/self/fd/N from such an O_PATH descriptor N, or to the
// path /proc/self/fd/N itself; no other call names a user's path, and no
// path-based write, and no chown of any kind, happens at all.
func checkDiscipline(calls []call, userPaths []string) discipline {
	var d discipline
	quoted := map[string]bool{}
	for _, p := range userPaths {
		quoted[`"`+p+`"`] = true
	}
	pathFds := map[string]bool{} // O_PATH descriptors of a user's path
	procFds := map[string]bool{} // descriptors re-opened from them
	isProcOfPathFd := func(arg string) bool {
		n, ok := strings.CutPrefix(strings.Trim(arg, `"`), "/proc/self/fd/")
		return ok && strings.HasPrefix(arg, `"`) && pathFds[n]
	}
	bad := func(c call, why string) { d.violations = append(d.violations, why+": "+c.line) }
	for _, c := range calls {
		var path, flags string
		switch c.name {
		case "open", "creat":
			path, flags = c.args[0], argAt(c.args, 1)
		case "openat", "openat2":
			path, flags = argAt(c.args, 1), argAt(c.args, 2)
		}
		switch c.name {
		case "open", "creat", "openat", "openat2":
			switch {
			case quoted[path]:
				d.opens++
				if !strings.Contains(flags, "O_PATH") || !strings.Contains(flags, "O_NOFOLLOW") {
					bad(c, "user's path opened without O_PATH|O_NOFOLLOW")
				}
				if c.ret != "-1" {
					pathFds[c.ret] = true
				}
			case isProcOfPathFd(path):
				if c.ret != "-1" {
					procFds[c.ret] = true
				}
			}
			continue
		case "fsetxattr", "fremovexattr", "fchmod":
			if !procFds[c.args[0]] {
				bad(c, "write on a descriptor that is not the checked file's")
			} else if c.ret == "0" {
				d.writes++
			}
			continue
		case "setxattr", "removexattr", "chmod":
			if !isProcOfPathFd(c.args[0]) {
				bad(c, "path-based write")
			} else if c.ret == "0" {
				d.writes++
			}
			continue
		case "fchmodat":
			if !isProcOfPathFd(argAt(c.args, 1)) {
				bad(c, "path-based write")
			} else if c.ret == "0" {
				d.writes++
			}
			continue
		case "lsetxattr", "lremovexattr", "chown", "lchown", "fchown", "fchownat":
			bad(c, "forbidden write")
			continue
		}
		for _, a := range c.args {
			if quoted[a] {
				bad(c, "path-based call on the user's path")
			}
		}
	}
	return d
}

func argAt(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// traceFcap runs fcap under strace and returns the parsed trace.
func traceFcap(t *testing.T, dir string, args ...string) (result, []call) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "trace")
	r := run(t, runOpts{dir: dir, wrap: []string{"strace", "-f", "-qq", "-s", "4096", "-o", out,
		"-e", "trace=" + strings.Join(tracedCalls, ",")}}, args...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := parseTrace(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return r, calls
}

// TestWritesGoOnlyThroughTheCheckedDescriptor proves under strace that
// set, remove, convert and apply open the user's path only with
// O_PATH|O_NOFOLLOW, write only through a descriptor re-opened from that
// one through /proc/self/fd, and make no path-based attribute, mode or
// owner change.
func TestWritesGoOnlyThroughTheCheckedDescriptor(t *testing.T) {
	testenv.RequireRoot(t)
	requireTool(t, "strace")
	dir := t.TempDir()
	f := filepath.Join(dir, "victim")
	g := filepath.Join(dir, "other")
	link := filepath.Join(dir, "link")
	writeFile(t, f, 0o755)
	writeFile(t, g, 0o755)
	if err := os.Symlink(f, link); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		setup func(t *testing.T) (args, userPaths []string)
		// writes is the number of successful writes the trace must show.
		writes   int
		wantCode int
		needs    string // a command fcap may not have yet
	}{
		{"set on a file without caps", func(t *testing.T) ([]string, []string) {
			return []string{"set", "cap_net_raw=ep", f}, []string{f}
		}, 1, 0, ""},
		{"set over other caps", func(t *testing.T) ([]string, []string) {
			setXattrHex(t, f, capChownP)
			return []string{"set", "cap_net_raw=ep", f}, []string{f}
		}, 1, 0, ""},
		{"set of two files", func(t *testing.T) ([]string, []string) {
			return []string{"set", "cap_net_raw=ep", f, "cap_chown=p", g}, []string{f, g}
		}, 2, 0, ""},
		{"remove", func(t *testing.T) ([]string, []string) {
			setXattrHex(t, f, capNetRawEP)
			return []string{"remove", f}, []string{f}
		}, 1, 0, ""},
		{"set on a symlink", func(t *testing.T) ([]string, []string) {
			return []string{"set", "cap_net_raw=ep", link}, []string{link}
		}, 0, 1, ""},
		{"remove on a symlink", func(t *testing.T) ([]string, []string) {
			setXattrHex(t, f, capNetRawEP)
			return []string{"remove", link}, []string{link}
		}, 0, 1, ""},
		{"convert", func(t *testing.T) ([]string, []string) {
			writeFile(t, f, 0o4755)
			return []string{"convert", "--caps", "cap_net_raw=ep", f}, []string{f}
		}, 3, 0, "convert"}, // the capabilities, convert's record, the mode
		{"convert --revert", func(t *testing.T) ([]string, []string) {
			setXattrHex(t, f, capNetRawEP)
			return []string{"convert", "--revert", "--force", f}, []string{f}
		}, 2, 0, "convert"},
		{"apply", func(t *testing.T) ([]string, []string) {
			setXattrHex(t, g, capChownP)
			m := filepath.Join(t.TempDir(), "manifest")
			if err := os.WriteFile(m, []byte(f+" cap_net_raw=ep\n"+g+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{"apply", m}, []string{f, g}
		}, 2, 0, "apply"},
		{"apply --root", func(t *testing.T) ([]string, []string) {
			setXattrHex(t, g, capChownP)
			m := filepath.Join(t.TempDir(), "manifest")
			if err := os.WriteFile(m, []byte("/victim cap_net_raw=ep\n/other\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{"apply", "--root", dir, m}, []string{"victim", "other"}
		}, 2, 0, "apply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needs != "" && !fcapHas(t, tt.needs) {
				t.Skipf("fcap has no %s command", tt.needs)
			}
			for _, p := range []string{f, g} {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				writeFile(t, p, 0o755)
			}
			args, userPaths := tt.setup(t)
			r, calls := traceFcap(t, "", args...)
			if r.code != tt.wantCode {
				t.Fatalf("fcap %s: exit %d, want %d; stderr: %s", strings.Join(args, " "), r.code, tt.wantCode, r.stderr)
			}
			d := checkDiscipline(calls, userPaths)
			for _, v := range d.violations {
				t.Error(v)
			}
			if d.writes != tt.writes {
				t.Errorf("%d successful write(s) through a checked descriptor, want %d", d.writes, tt.writes)
			}
			if d.opens != len(userPaths) {
				t.Errorf("the user's paths were opened %d time(s), want %d (once each)", d.opens, len(userPaths))
			}
			if t.Failed() {
				t.Logf("trace:\n%s", traceText(calls))
			}
		})
	}
}

func traceText(calls []call) string {
	var b strings.Builder
	for _, c := range calls {
		b.WriteString(c.line)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestTraceParserSplitsArgumentsLikeStrace keeps the parser the
// discipline test relies on honest.
func TestTraceParserSplitsArgumentsLikeStrace(t *testing.T) {
	text := `10 openat(AT_FDCWD, "/a,b", O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_PATH) = 5
11 fsetxattr(8, "security.capability", "\1\0\0\2\0 ,\0\"", 20, 0 <unfinished ...>
10 --- SIGURG {si_signo=SIGURG} ---
12 openat2(3, "sub/f", {flags=O_RDONLY|O_PATH, resolve=RESOLVE_IN_ROOT}, 24) = 7
11 <... fsetxattr resumed>) = 0
13 ???( <detached ...>
`
	calls, err := parseTrace(text)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%q", calls[0].args) + fmt.Sprintf("%q", calls[1].args) + fmt.Sprintf("%q", calls[2].args)
	want := `["AT_FDCWD" "\"/a,b\"" "O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_PATH"]` +
		`["3" "\"sub/f\"" "{flags=O_RDONLY|O_PATH, resolve=RESOLVE_IN_ROOT}" "24"]` +
		`["8" "\"security.capability\"" "\"\\1\\0\\0\\2\\0 ,\\0\\\"\"" "20" "0"]`
	if len(calls) != 3 || got != want || calls[2].name != "fsetxattr" || calls[2].ret != "0" {
		t.Fatalf("parsed %d calls:\n got %s\nwant %s", len(calls), got, want)
	}
}

// TestDisciplineCheckCatchesPathWrites shows that checkDiscipline fails
// the traces of a careless implementation.
func TestDisciplineCheckCatchesPathWrites(t *testing.T) {
	for _, tc := range []struct{ name, trace string }{
		{"open without O_PATH", `1 openat(AT_FDCWD, "/f", O_RDONLY|O_CLOEXEC) = 3
1 fsetxattr(3, "security.capability", "x", 20, 0) = 0`},
		{"path-based setxattr", `1 openat(AT_FDCWD, "/f", O_RDONLY|O_NOFOLLOW|O_PATH) = 3
1 setxattr("/f", "security.capability", "x", 20, 0) = 0`},
		{"write to another descriptor", `1 openat(AT_FDCWD, "/f", O_RDONLY|O_NOFOLLOW|O_PATH) = 3
1 openat(AT_FDCWD, "/g", O_RDONLY) = 4
1 fsetxattr(4, "security.capability", "x", 20, 0) = 0`},
		{"lremovexattr", `1 lremovexattr("/proc/self/fd/3", "security.capability") = 0`},
		{"chmod by path", `1 fchmodat(AT_FDCWD, "/f", 04755) = 0`},
		{"read through the path", `1 getxattr("/f", "security.capability", 0x0, 96) = -1 ENODATA (No data available)`},
	} {
		calls, err := parseTrace(tc.trace + "\n")
		if err != nil {
			t.Fatal(err)
		}
		if d := checkDiscipline(calls, []string{"/f"}); len(d.violations) == 0 {
			t.Errorf("%s: no violation found in\n%s", tc.name, tc.trace)
		}
	}
}
