//go:build linux

package kernelcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
	"fcap/model/procstatus"
)

var (
	flagN    = flag.Int("kernelcheck.n", 300, "number of random scenarios to run")
	flagSeed = flag.Uint64("kernelcheck.seed", 20250601, "seed of the random scenarios")
)

func TestMain(m *testing.M) {
	switch os.Getenv(RoleEnv) {
	case "launch":
		os.Exit(RunLauncher())
	case "probe":
		os.Exit(RunProbe())
	}
	os.Exit(m.Run())
}

// harness runs scenarios on the kernel.
type harness struct {
	t       *testing.T
	ctx     context.Context
	self    string
	lastCap model.Cap
	fix     *fixture
	stats   stats
}

// stats counts what the scenarios exercised.
type stats struct {
	rules, locs, errs, xattrs map[string]int
	unreachable, noExec       int
	secureChecked             int
}

func TestKernelMatchesModel(t *testing.T) {
	start, lastCap := requireHost(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	seed, n := *flagSeed, *flagN
	r := rand.New(rand.NewPCG(seed, 0x6663_6170)) // "fcap"
	h := &harness{t: t, self: self, lastCap: lastCap, fix: newFixture(t, r, self, lastCap)}
	h.stats = stats{rules: map[string]int{}, locs: map[string]int{}, errs: map[string]int{}, xattrs: map[string]int{}}
	g := &generator{r: r, lastCap: lastCap, start: start, locs: h.fix.locs}
	t.Logf("kernel cap_last_cap %d, start state %s", lastCap, Describe(start))

	// An interrupt stops the loop so that the cleanups unmount what the
	// test mounted.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h.ctx = ctx
	mismatches := h.runAll(g, n)
	h.report(n, seed, mismatches)
}

// runAll runs n executable, reachable scenarios and returns how many
// disagreed with the model.
func (h *harness) runAll(g *generator, n int) (mismatches int) {
	for i := 0; i < n; {
		s := g.scenario()
		if !mayExec(s) {
			h.stats.noExec++
			continue
		}
		reached, same, err := h.check(i, s)
		switch {
		case h.ctx.Err() != nil:
			h.t.Fatalf("interrupted after %d scenarios", i)
		case err != nil:
			h.t.Fatalf("scenario %d: %v\n%s", i, err, s)
		case !reached:
			if h.stats.unreachable++; h.stats.unreachable > n {
				h.t.Fatalf("too many unreachable states")
			}
			continue
		case !same:
			mismatches++
		}
		i++
	}
	return mismatches
}

// requireHost skips unless -short is off and the test can set up any
// state: root in the initial user namespace with the capabilities it
// needs, /bin/cat present, no securebits and no no_new_privs.
func requireHost(t *testing.T) (cred.State, model.Cap) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs hundreds of processes and mounts filesystems; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: it sets up process states, mounts and file capabilities")
	}
	if m, err := os.ReadFile("/proc/self/uid_map"); err != nil || strings.Join(strings.Fields(string(m)), " ") != "0 0 4294967295" {
		t.Skipf("needs the initial user namespace (uid_map %q)", m)
	}
	if _, err := os.Stat("/bin/cat"); err != nil {
		t.Skipf("needs /bin/cat as the probe: %v", err)
	}
	lastCap, err := host.LastCap()
	if err != nil {
		t.Skipf("cannot read the last capability: %v", err)
	}
	start, err := host.ReadStatus(0)
	if err != nil {
		t.Fatal(err)
	}
	if start.Securebits, err = host.SelfSecurebits(); err != nil {
		t.Fatal(err)
	}
	need := model.SetOf(model.CapChown, model.CapFowner, model.CapSetgid, model.CapSetuid, model.CapSetpcap,
		model.CapSysAdmin, model.CapSetfcap, model.CapDacOverride)
	if missing := need &^ start.Effective; missing != 0 {
		t.Skipf("needs effective %s", missing.Names())
	}
	if start.Securebits != 0 || start.NoNewPrivs {
		t.Skipf("needs a process without securebits (%s) or no_new_privs (%v)", start.Securebits, start.NoNewPrivs)
	}
	// The launcher is an exec of this binary by root: permitted = X | pI.
	start.Permitted &= start.Bounding | start.Inheritable
	return start, lastCap
}

// check runs one scenario; reached is false when the launcher could not
// enter the parent state, same tells whether kernel and model agree.
func (h *harness) check(i int, s *scenario) (reached, same bool, err error) {
	target, err := h.prepare(s)
	if err != nil {
		return false, false, err
	}
	m := execve.Predict(s.State, target, h.lastCap)
	k, err := h.runKernel(s)
	if errors.Is(err, errUnreachable) {
		h.t.Logf("scenario %d: drawing another: %v", i, err)
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	h.count(s, m, k)
	if d := differences(m, k); len(d) > 0 {
		h.t.Errorf("scenario %d: MISMATCH\n%s\n  model %s\n  kernel %s\n  differences:\n    %s",
			i, s, describeModel(m), k, strings.Join(d, "\n    "))
		return true, false, nil
	}
	return true, true, nil
}

// prepare gives the probe its owner, mode and xattr, and reads back the
// exec target the model gets: mode, owner and nosuid from the kernel
// (stat, fstatfs), the value as getxattr returns it (the raw preset for
// ext4 files, which getxattr refuses to return).
func (h *harness) prepare(s *scenario) (execve.Target, error) {
	if s.Raw == nil {
		if err := setProbe(s); err != nil {
			return execve.Target{}, err
		}
	} else if err := unix.Chmod(s.Path, s.Mode); err != nil {
		return execve.Target{}, fmt.Errorf("chmod: %w", err)
	}
	fd, err := unix.Open(s.Path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return execve.Target{}, fmt.Errorf("open: %w", err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return execve.Target{}, fmt.Errorf("stat: %w", err)
	}
	if st.Mode&0o7777 != s.Mode || st.Uid != s.UID || st.Gid != s.GID {
		return execve.Target{}, fmt.Errorf("probe is mode %04o owner %d:%d", st.Mode&0o7777, st.Uid, st.Gid)
	}
	t := execve.Target{Mode: st.Mode & 0o7777, UID: st.Uid, GID: st.Gid}
	if t.NoSuid, err = host.NoSuid(fd); err != nil {
		return execve.Target{}, err
	}
	if t.NoSuid != s.Loc.NoSuid {
		return execve.Target{}, fmt.Errorf("fstatfs says nosuid %v", t.NoSuid)
	}
	value, present, err := h.storedValue(s)
	if err != nil {
		return execve.Target{}, err
	}
	t.Caps, t.CapsProblem = execTarget(value, present)
	return t, nil
}

// setProbe sets owner, mode and xattr, in that order: chown clears both
// set-id bits and file capabilities.
func setProbe(s *scenario) error {
	if err := unix.Removexattr(s.Path, capXattr); err != nil && !errors.Is(err, unix.ENODATA) {
		return fmt.Errorf("removexattr: %w", err)
	}
	if err := unix.Chown(s.Path, int(s.UID), int(s.GID)); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	if err := unix.Chmod(s.Path, s.Mode); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	if s.Xattr == nil {
		return nil
	}
	if err := unix.Setxattr(s.Path, capXattr, s.Xattr, 0); err != nil {
		return fmt.Errorf("setxattr %x: %w", s.Xattr, err)
	}
	return nil
}

func (h *harness) storedValue(s *scenario) ([]byte, bool, error) {
	if s.Raw != nil {
		return s.Raw.Value, true, nil
	}
	buf := make([]byte, 64)
	n, err := unix.Getxattr(s.Path, capXattr, buf)
	switch {
	case errors.Is(err, unix.ENODATA):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("getxattr: %w", err)
	}
	return buf[:n], true, nil
}

var errUnreachable = errors.New("unreachable state")

// runKernel launches the scenario for real.
func (h *harness) runKernel(s *scenario) (kernelResult, error) {
	spec := LaunchSpec{State: s.State, Path: s.Path, Args: []string{s.Path, "/proc/self/status"}}
	if s.Probe == "self" {
		spec.Args, spec.Env = []string{s.Path}, []string{RoleEnv + "=probe"}
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return kernelResult{}, err
	}
	ctx, cancel := context.WithTimeout(h.ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.self)
	cmd.Env = []string{RoleEnv + "=launch", SpecEnv + "=" + string(js)}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr) && exitErr.ExitCode() == ExitUnreachable:
		return kernelResult{}, fmt.Errorf("%w: %s", errUnreachable, stderr.Bytes())
	case errors.As(err, &exitErr) && exitErr.ExitCode() == ExitExecFailed:
		errno, ok := strings.CutPrefix(strings.TrimSpace(stdout.String()), ExecErrPrefix)
		if !ok {
			return kernelResult{}, fmt.Errorf("launcher: %s", stderr.Bytes())
		}
		return kernelResult{Err: errno}, nil
	case err != nil:
		return kernelResult{}, fmt.Errorf("launcher/probe: %v: %s%s", err, stdout.Bytes(), stderr.Bytes())
	}
	return parseProbe(stdout.Bytes(), s.Probe == "self")
}

// parseProbe reads the probe's output: a /proc status, and for the self
// probe its securebits and AT_SECURE.
func parseProbe(out []byte, self bool) (kernelResult, error) {
	child, err := procstatus.Parse(out)
	if err != nil {
		return kernelResult{}, fmt.Errorf("probe output: %w\n%s", err, out)
	}
	k := kernelResult{Child: child, SelfProbe: self}
	if !self {
		return k, nil
	}
	bits, err := extraField(out, "Securebits")
	if err != nil {
		return kernelResult{}, err
	}
	secure, err := extraField(out, "AtSecure")
	if err != nil {
		return kernelResult{}, err
	}
	k.Child.Securebits, k.Secure = cred.Securebits(bits), secure != 0
	return k, nil
}

func extraField(out []byte, name string) (uint64, error) {
	for line := range strings.SplitSeq(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, name+":\t"); ok {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return 0, fmt.Errorf("probe field %s: %w", name, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("probe output lacks %s", name)
}

func (h *harness) count(s *scenario, m execve.Result, k kernelResult) {
	for _, r := range m.Rules {
		h.stats.rules[r.Name]++
	}
	h.stats.locs[s.Loc.Name+"/"+s.Probe]++
	h.stats.errs[cmp(k.Err, "ok")]++
	label := s.XattrLabel
	if s.Raw != nil {
		label = "raw " + s.Raw.Label
	}
	h.stats.xattrs[label]++
	if k.SelfProbe && k.Err == "" {
		h.stats.secureChecked++
	}
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (h *harness) report(n int, seed uint64, mismatches int) {
	st := h.stats
	h.t.Logf("coverage: locations %s", formatCounts(st.locs))
	h.t.Logf("coverage: outcomes %s", formatCounts(st.errs))
	h.t.Logf("coverage: xattrs %s", formatCounts(st.xattrs))
	h.t.Logf("coverage: rules %s", formatCounts(st.rules))
	h.t.Logf("coverage: AT_SECURE and securebits compared in %d scenarios; %d draws not executable (DAC), %d unreachable states redrawn",
		st.secureChecked, st.noExec, st.unreachable)
	h.t.Logf("kernelcheck: scenarios %d seed %d mismatches %d", n, seed, mismatches)
}

func formatCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
