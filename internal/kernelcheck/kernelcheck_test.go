//go:build linux

package kernelcheck

import (
	"bytes"
	"context"
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

	"fcap/host"
	"fcap/internal/testenv"
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
	// draw makes the next scenario.
	draw func() *scenario
}

// stats counts what the scenarios exercised.
type stats struct {
	rules, locs, errs, xattrs, scripts map[string]int
	// kinds counts ACLs on the directory or file and user namespaces by
	// depth and by whether they have a root.
	kinds                     map[string]int
	unreachable, undetermined int
	secureChecked             int
}

func TestKernelMatchesModel(t *testing.T) {
	start, lastCap := requireHost(t)
	h, r := newHarness(t, lastCap)
	g := &generator{r: r, lastCap: lastCap, start: start, locs: h.fix.locs, ids: initialPools, rev3: 15}
	h.draw = g.scenario
	t.Logf("kernel cap_last_cap %d, start state %s", lastCap, Describe(start))
	h.run(*flagN)
}

// newHarness makes the fixture and a harness for it, with the random
// source of the run.
func newHarness(t *testing.T, lastCap model.Cap) (*harness, *rand.Rand) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(*flagSeed, 0x6663_6170)) // "fcap"
	h := &harness{t: t, lastCap: lastCap, fix: newFixture(t, r, self, lastCap)}
	h.self = h.fix.launcher
	h.stats = stats{rules: map[string]int{}, locs: map[string]int{}, errs: map[string]int{}, xattrs: map[string]int{}, scripts: map[string]int{}, kinds: map[string]int{}}
	return h, r
}

// run runs n scenarios and reports; an interrupt stops the loop so that
// the cleanups unmount what the test mounted.
func (h *harness) run(n int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h.ctx = ctx
	mismatches := h.runAll(n)
	h.report(n, *flagSeed, mismatches)
}

// runAll runs n reachable scenarios and returns how many disagreed with
// the model.
func (h *harness) runAll(n int) (mismatches int) {
	for i := 0; i < n; {
		s := h.draw()
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
	testenv.RequireInitialUserNS(t)
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
	if err := prepare(s); err != nil {
		return false, false, err
	}
	gathered, m, err := predict(s, h.lastCap)
	if err != nil {
		return false, false, err
	}
	k, err := h.runKernel(s)
	if errors.Is(err, errUnreachable) {
		h.t.Logf("scenario %d: drawing another: %v", i, err)
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	h.count(s, gathered, m, k)
	d := differences(m, k)
	if !admits(gathered, k) {
		d = append(d, fmt.Sprintf("fcap's own reading of the files predicts %s, the kernel did %s", describeModel(gathered), k))
	}
	if len(d) > 0 {
		h.t.Errorf("scenario %d: MISMATCH\n%s\n  model %s\n  kernel %s\n  differences:\n    %s",
			i, s, describeModel(m), k, strings.Join(d, "\n    "))
		return true, false, nil
	}
	return true, true, nil
}

var errUnreachable = errors.New("unreachable state")

// runKernel launches the scenario for real: the launcher enters the
// scenario's user namespaces (if any) and state, and executes its path.
func (h *harness) runKernel(s *scenario) (kernelResult, error) {
	state, err := inside(s.State)
	if err != nil {
		return kernelResult{}, err
	}
	spec := LaunchSpec{State: state, Path: s.Path, Dir: s.Cwd, Args: []string{s.Path, "/proc/self/status"}}
	if s.Probe == "self" {
		spec.Args, spec.Env = []string{s.Path}, []string{RoleEnv + "=probe"}
	}
	levels := launchLevels(s.State.UserNS)
	var first *NSLevel
	if len(levels) > 0 {
		first, spec.Nested = &levels[0], levels[1:]
	}
	cmd, err := Command(h.self, spec, first, h.lastCap)
	if err != nil {
		return kernelResult{}, err
	}
	ctx, cancel := context.WithTimeout(h.ctx, 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return kernelResult{}, fmt.Errorf("starting the launcher: %w", err)
	}
	stopOnCancel(ctx, cmd)
	err = cmd.Wait()
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
	k, err := parseProbe(stdout.Bytes(), s.Probe == "self")
	k.Child = outside(k.Child, s.State.UserNS)
	return k, err
}

// stopOnCancel kills the launcher when ctx ends.
func stopOnCancel(ctx context.Context, cmd *exec.Cmd) {
	go func() {
		<-ctx.Done()
		cmd.Process.Kill()
	}()
}

// launchLevels lists the namespaces of chain ns outermost first, each
// map's outside ids those of the namespace above it.
func launchLevels(ns *cred.UserNS) []NSLevel {
	var out []NSLevel
	for ; ns != nil; ns = ns.Parent {
		out = append([]NSLevel{{UIDs: relative(ns.UIDs, ns.Parent, true), GIDs: relative(ns.GIDs, ns.Parent, false)}}, out...)
	}
	return out
}

// relative rewrites a map of kernel ids in the ids of parent.
func relative(m cred.IDMap, parent *cred.UserNS, uid bool) cred.IDMap {
	out := make(cred.IDMap, len(m))
	for i, r := range m {
		id, _ := parent.UID(r.Outside)
		if !uid {
			id, _ = parent.GID(r.Outside)
		}
		out[i] = cred.IDRange{Inside: r.Inside, Outside: id, Count: r.Count}
	}
	return out
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

func (h *harness) count(s *scenario, gathered, m execve.Result, k kernelResult) {
	for _, r := range m.Rules {
		h.stats.rules[r.Name]++
	}
	h.stats.locs[s.Loc.Name+"/"+s.Probe]++
	h.stats.errs[cmp(k.Err, "ok")]++
	label := s.File.Label
	if s.Raw != nil {
		label = "raw " + s.Raw.Label
	}
	h.stats.xattrs[label]++
	h.stats.scripts[fmt.Sprint(len(s.Scripts))]++
	h.countKinds(s)
	if gathered.Undetermined() {
		h.stats.undetermined++
	}
	if k.SelfProbe && k.Err == "" {
		h.stats.secureChecked++
	}
}

func (h *harness) countKinds(s *scenario) {
	if s.Dir.ACL != nil {
		h.stats.kinds["acl-dir"]++
	}
	if s.File.ACL != nil {
		h.stats.kinds["acl-file"]++
	}
	if ns := s.State.UserNS; ns != nil {
		h.stats.kinds[fmt.Sprintf("userns-depth-%d", ns.Depth())]++
		if _, ok := ns.RootUID(); !ok {
			h.stats.kinds["userns-without-root"]++
		}
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
	h.t.Logf("coverage: scripts in the chain %s", formatCounts(st.scripts))
	h.t.Logf("coverage: %s", formatCounts(st.kinds))
	h.t.Logf("coverage: AT_SECURE and securebits compared in %d scenarios; %d undetermined from fcap's own reading (outcome among the possible ones); %d unreachable states redrawn",
		st.secureChecked, st.undetermined, st.unreachable)
	h.t.Logf("kernelcheck: scenarios %d seed %d mismatches %d", n, seed, mismatches)
}

func formatCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
