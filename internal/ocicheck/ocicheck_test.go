package ocicheck

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"fcap/host"
	"fcap/internal/testenv"
	"fcap/model"
	"fcap/model/cred"
)

var (
	flagN    = flag.Int("ocicheck.n", 20, "number of random configs to run")
	flagSeed = flag.Uint64("ocicheck.seed", 20260601, "seed of the random configs")
	flagCLI  = flag.Bool("ocicheck.cli", true, "also compare runc with `fcap explain --oci --json`")
)

// harness runs scenarios with runc and compares them with predictions.
type harness struct {
	t       *testing.T
	ctx     context.Context
	fix     *fixture
	base    *specs.Spec
	host    cred.State
	lastCap model.Cap
	predict predictor
	// cli, when set, is compared with runc too, on what --json shows.
	cli    predictor
	counts map[string]int
	facts  map[string]int
}

// predictor tells what a config's container gets.
type predictor interface {
	predict(configPath string) (outcome, error)
}

func TestRuncMatchesPrediction(t *testing.T) {
	hostState, lastCap := requireHost(t)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h := &harness{t: t, ctx: ctx, fix: newFixture(t), host: hostState, lastCap: lastCap, counts: map[string]int{}, facts: map[string]int{}}
	h.base = runcSpec(t, h.fix.dir)
	h.predict = packagePredictor{runtime: hostState, lastCap: lastCap}
	if *flagCLI {
		h.cli = cliPredictor{fcap: buildFcap(t, h.fix.dir)}
	}
	seed, n := *flagSeed, *flagN
	g := &generator{r: rand.New(rand.NewPCG(seed, 0x6f6369)), lastCap: min(lastCap, model.LastNamed), host: hostState}
	mismatches := 0
	for i := range n {
		if ctx.Err() != nil {
			t.Fatalf("interrupted after %d configs", i)
		}
		if !h.check(i, g.scenario(i)) {
			mismatches++
		}
	}
	t.Logf("outcomes: %s", formatCounts(h.counts))
	t.Logf("exercised: %s", formatCounts(h.facts))
	t.Logf("ocicheck: configs %d seed %d mismatches %d", n, seed, mismatches)
}

// requireHost skips unless the test can run containers: root in the
// initial user namespace, runc and go installed, not -short.
func requireHost(t *testing.T) (cred.State, model.Cap) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs containers with runc; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: runc runs rootful containers")
	}
	testenv.RequireInitialUserNS(t)
	for _, tool := range []string{"runc", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	lastCap, err := host.LastCap()
	if err != nil {
		t.Skip(err)
	}
	s, err := host.ReadStatus(0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Securebits, err = host.SelfSecurebits(); err != nil {
		t.Fatal(err)
	}
	return s, lastCap
}

// runcSpec returns the config `runc spec` writes, the template of every
// scenario.
func runcSpec(t *testing.T, dir string) *specs.Spec {
	d := filepath.Join(dir, "template")
	must(t, os.MkdirAll(d, 0o755))
	if out, err := exec.Command("runc", "spec", "--bundle", d).CombinedOutput(); err != nil {
		t.Skipf("runc spec: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(d, "config.json"))
	must(t, err)
	var s specs.Spec
	must(t, json.Unmarshal(data, &s))
	return &s
}

// check runs scenario i and reports whether runc and the prediction agree.
func (h *harness) check(i int, s *scenario) bool {
	cfgPath, err := h.prepare(i, s)
	if err != nil {
		h.t.Fatalf("scenario %d: %v\n%s", i, err, s)
	}
	want, err := h.predict.predict(cfgPath)
	if err != nil {
		h.t.Fatalf("scenario %d: prediction: %v\n%s", i, err, s)
	}
	got, err := runRunc(h.ctx, filepath.Dir(cfgPath), fmt.Sprintf("fcap-ocicheck-%d-%d", os.Getpid(), i))
	if err != nil {
		h.t.Fatalf("scenario %d: %v\n%s", i, err, s)
	}
	h.counts[got.kind()]++
	for _, f := range want.Facts {
		h.facts[f]++
	}
	if testing.Verbose() && got.Kind != "ok" {
		h.t.Logf("scenario %d: %s / predicted %s", i, got, want)
	}
	same := h.compare(i, s, "predicted", want, got)
	return h.checkCLI(i, s, cfgPath, got) && same
}

// compare reports a mismatch between a prediction and runc.
func (h *harness) compare(i int, s *scenario, by string, want, got outcome) bool {
	d := want.differences(got)
	if len(d) == 0 {
		return true
	}
	h.t.Errorf("scenario %d: MISMATCH (%s)\n%s\n  %-9s %s\n  runc      %s\n  differences:\n    %s",
		i, by, s, by, want, got, strings.Join(d, "\n    "))
	return false
}

// checkCLI compares runc with fcap explain's JSON.
func (h *harness) checkCLI(i int, s *scenario, cfgPath string, got outcome) bool {
	if h.cli == nil {
		return true
	}
	cli, err := h.cli.predict(cfgPath)
	if err != nil {
		h.t.Fatalf("scenario %d: %v\n%s", i, err, s)
	}
	h.counts["cli: compared"]++
	return h.compare(i, s, "fcap-cli", cli, got)
}

// prepare writes the scenario's program and bundle; it returns the
// config's path.
func (h *harness) prepare(i int, s *scenario) (string, error) {
	rootfs := h.fix.roots[s.Root]
	dir, progDir := rootfs, "bin"
	source := ""
	if s.Source != "" {
		source = h.fix.sources[s.Source]
		dir, progDir = source, ""
	}
	prog := filepath.Join(dir, progDir, fmt.Sprintf("p%d", i))
	if err := h.fix.install(prog, &s.Prog); err != nil {
		return "", err
	}
	if s.Link != "" {
		link := filepath.Join(rootfs, "bin", fmt.Sprintf("l%d", i))
		os.Remove(link)
		if err := os.Symlink(s.Link, link); err != nil {
			return "", err
		}
	}
	bundle := filepath.Join(h.fix.dir, fmt.Sprintf("bundle-%d", i))
	if err := os.MkdirAll(bundle, 0o755); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(s.config(h.base, rootfs, source), "", "\t")
	if err != nil {
		return "", err
	}
	cfg := filepath.Join(bundle, "config.json")
	return cfg, os.WriteFile(cfg, data, 0o644)
}

// formatCounts prints a map's counts in key order.
func formatCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
