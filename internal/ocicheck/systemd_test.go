package ocicheck

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"fcap/explain"
	"fcap/model"
	"fcap/model/cred"
	"fcap/systemd"
)

var (
	flagUnits     = flag.Int("ocicheck.units", 20, "number of random systemd services to run")
	flagUnitBatch = flag.Int("ocicheck.unitbatch", 60, "services per boot of systemd")
)

// TestSystemdMatchesPrediction runs random services under the host's
// systemd, booted as PID 1 of a runc container, and compares what each
// service's program reports, or how systemd says it failed, with the
// prediction of package systemd and of fcap explain --unit --json.
func TestSystemdMatchesPrediction(t *testing.T) {
	hostState, lastCap := requireHost(t)
	requireSystemd(t)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir := t.TempDir()
	probe := buildProbe(t, dir)
	fcap := buildFcap(t, dir)
	probeDir := unitProbeDir(t)
	base := runcSpec(t, dir)
	g := newUnitGenerator(generator{r: rand.New(rand.NewPCG(*flagSeed, 0x756e6974)), lastCap: min(lastCap, model.LastNamed), host: hostState}, probeDir)
	manager := systemd.Manager(hostState.Bounding)
	counts, facts, mismatches, n := map[string]int{}, map[string]int{}, 0, *flagUnits
	for start := 0; start < n; start += *flagUnitBatch {
		var batch []*unitScenario
		for i := start; i < min(n, start+*flagUnitBatch); i++ {
			batch = append(batch, g.scenario(i))
		}
		b := newBoot(t, base, dir, probeDir, hostState.Bounding, start)
		for _, s := range batch {
			prepareUnit(t, b, s, probe)
		}
		st := b.run(ctx, unitNames(batch))
		for _, s := range batch {
			got := b.outcome(s, st[s.Name])
			counts[got.kind()]++
			pkg := predictUnit(t, filepath.Join(b.units, s.Name), manager, lastCap)
			for _, f := range pkg.Facts {
				facts[f]++
			}
			cli := cliUnit(t, fcap, filepath.Join(b.units, s.Name))
			for by, want := range map[string]outcome{"package": pkg, "fcap-cli": cli} {
				if d := want.differences(got); len(d) > 0 {
					mismatches++
					t.Errorf("%s: MISMATCH (%s)\n%s\n  predicted %s\n  systemd   %s\n  differences:\n    %s",
						s.Name, by, s, want, got, strings.Join(d, "\n    "))
				}
			}
		}
	}
	t.Logf("outcomes: %s", formatCounts(counts))
	t.Logf("exercised: %s", formatCounts(facts))
	t.Logf("unitcheck: services %d seed %d mismatches %d", n, *flagSeed, mismatches)
}

// requireSystemd skips unless systemd 252 and script(1) are installed.
func requireSystemd(t *testing.T) {
	out, err := exec.Command("systemctl", "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "systemd 252") {
		t.Skipf("needs systemd 252 installed (the version modelled): %v %.40q", err, out)
	}
	if _, err := exec.LookPath("script"); err != nil {
		t.Skipf("needs script(1) to give systemd a console: %v", err)
	}
}

// unitProbeDir is where the programs lie, at the same path on the host
// and in the container: outside /tmp, which services may replace.
func unitProbeDir(t *testing.T) string {
	dir := fmt.Sprintf("/srv/fcap-ocicheck-%d", os.Getpid())
	must(t, os.MkdirAll(dir, 0o755))
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func unitNames(batch []*unitScenario) []string {
	var out []string
	for _, s := range batch {
		out = append(out, s.Name)
	}
	return out
}

func prepareUnit(t *testing.T, b *boot, s *unitScenario, probe string) {
	f := &fixture{probe: probe}
	must(t, f.install(s.Path, &s.Prog))
	must(t, os.WriteFile(filepath.Join(b.units, s.Name), []byte(s.Text), 0o644))
}

// outcome reads how a service ended: its probe's report, an exec failure
// (203/EXEC, with the errno systemd logged) or another start failure.
func (b *boot) outcome(s *unitScenario, st unitStatus) outcome {
	switch {
	case st.Result == "success" && st.ExecStatus == 0:
		// With the "-" prefix, systemd skips a program it cannot locate,
		// logs why into the output file and calls it success.
		data, err := os.ReadFile(filepath.Join(b.results, s.Name+".out"))
		must(b.t, err)
		if o, err := parseProbe(data); err == nil {
			return o
		}
		return outcome{Kind: "exec", Errno: b.execErrno(s.Name)}
	case st.ExecStatus == 203:
		return outcome{Kind: "exec", Errno: b.execErrno(s.Name)}
	}
	return outcome{Kind: fmt.Sprintf("start %d", st.ExecStatus), Detail: st.Result}
}

// predictUnit predicts with the explain engine (package systemd and
// execve.Predict), which keeps the groups and AT_SECURE.
func predictUnit(t *testing.T, path string, manager cred.State, last model.Cap) outcome {
	r, err := explain.Unit(path, "", manager, systemd.SystemDB{}, last)
	var se *systemd.StartError
	switch {
	case errors.As(err, &se):
		return outcome{Kind: fmt.Sprintf("start %d", se.Status), Detail: se.Detail}
	case err != nil:
		t.Fatalf("explain.Unit(%s): %v", path, err)
	}
	facts := unitFacts(r)
	if r.Result.Err != "" {
		return outcome{Kind: "exec", Errno: r.Result.Err, Detail: r.Result.Rules[len(r.Result.Rules)-1].Detail, Facts: facts}
	}
	return outcome{Kind: "ok", State: r.Result.Child, Secure: r.Result.Secure, Facts: facts}
}

// unitFacts names what a prediction went through, for the coverage counts.
func unitFacts(r explain.Report) []string {
	p := r.Parent.State
	facts := []string{fmt.Sprintf("parent uid 0: %v", p.UID == 0)}
	for _, f := range []struct {
		on   bool
		name string
	}{{p.Ambient != 0, "parent ambient"}, {p.Securebits != 0, "parent securebits"}, {p.NoNewPrivs, "parent nnp"},
		{!r.StoppedBeforeExec() && r.Decider().File.NoSuid, "program nosuid"}, {len(p.Groups) > 1, "several groups"}} {
		if f.on {
			facts = append(facts, f.name)
		}
	}
	for _, rule := range r.Result.Rules {
		facts = append(facts, "rule "+rule.Name)
	}
	return facts
}

// cliUnit predicts with fcap explain --unit PATH --json: a service
// systemd fails to start is exit status 1 and "(status N/NAME)".
func cliUnit(t *testing.T, fcap, path string) outcome {
	cmd := exec.Command(fcap, "explain", "--unit", path, "--json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if status, ok := startStatus(stderr.String()); ok {
			return outcome{Kind: fmt.Sprintf("start %d", status), Detail: stderr.String()}
		}
		t.Fatalf("fcap explain --unit %s: %v\n%s", path, err, stderr.String())
	}
	o, err := cliOutcome(out)
	must(t, err)
	return o
}

// startStatus finds systemd's status in fcap's message.
func startStatus(msg string) (int, bool) {
	_, rest, ok := strings.Cut(msg, "(status ")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.SplitN(rest, "/", 2)[0])
	return n, err == nil
}
