package runcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fcap/host"
	"fcap/internal/testenv"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/procstatus"
)

// env is a directory every user may enter, holding the static fcap and
// probe binaries built for the test.
type env struct {
	dir, fcap, probe string
	last             model.Cap
	self             cred.State // the test process: what fcap starts from
}

// setup builds fcap and the probe (CGO_ENABLED=0, as released) into a
// public directory. It needs root, as fcap run switches users.
func setup(t *testing.T) *env {
	t.Helper()
	testenv.RequireRoot(t)
	e := &env{dir: testenv.PublicDir(t)}
	e.fcap, e.probe = filepath.Join(e.dir, "fcap"), filepath.Join(e.dir, "probe")
	build(t, e.fcap, "./cmd/fcap")
	build(t, e.probe, "./internal/runcheck/probe")
	var err error
	if e.last, err = host.LastCap(); err != nil {
		t.Fatal(err)
	}
	if e.self, err = host.ReadStatus(0); err != nil {
		t.Fatal(err)
	}
	return e
}

// build compiles pkg (relative to the module root) as a static binary.
func build(t *testing.T, out, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, b)
	}
}

// result is how a command ended.
type result struct {
	stdout, stderr string
	code           int
}

// run runs a command and returns its outputs and exit status.
func run(t *testing.T, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// probeState is what `probe status` prints: /proc/self/status with its
// securebits and AT_SECURE.
type probeState struct {
	cred.State
	AtSecure bool
}

func parseProbe(out string) (probeState, error) {
	s, err := procstatus.Parse([]byte(out))
	if err != nil {
		return probeState{}, fmt.Errorf("probe output: %w\n%s", err, out)
	}
	bits, err := extra(out, "Securebits")
	if err != nil {
		return probeState{}, err
	}
	secure, err := extra(out, "AtSecure")
	if err != nil {
		return probeState{}, err
	}
	s.Securebits = cred.Securebits(bits)
	return probeState{State: s, AtSecure: secure != 0}, nil
}

func extra(out, name string) (uint64, error) {
	for line := range strings.SplitSeq(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+":\t"); ok {
			return strconv.ParseUint(v, 10, 32)
		}
	}
	return 0, fmt.Errorf("probe output lacks %s:\n%s", name, out)
}

// diff lists how two probe states differ.
func (a probeState) diff(b probeState) []string {
	d := a.State.Diff(b.State)
	if a.AtSecure != b.AtSecure {
		d = append(d, fmt.Sprintf("AtSecure %v ≠ %v", a.AtSecure, b.AtSecure))
	}
	return d
}

// dryRun is the part of `fcap run --dry-run --json` the tests read: the
// predicted state of the program.
type dryRun struct {
	Explain struct {
		Result struct {
			Exec        string   `json:"exec"`
			UID         uint32   `json:"uid"`
			EUID        uint32   `json:"euid"`
			SUID        uint32   `json:"suid"`
			FSUID       uint32   `json:"fsuid"`
			GID         uint32   `json:"gid"`
			EGID        uint32   `json:"egid"`
			SGID        uint32   `json:"sgid"`
			FSGID       uint32   `json:"fsgid"`
			Groups      []uint32 `json:"groups"`
			Inheritable string   `json:"inheritable"`
			Permitted   string   `json:"permitted"`
			Effective   string   `json:"effective"`
			Ambient     string   `json:"ambient"`
			Bounding    string   `json:"bounding"`
			Securebits  uint32   `json:"securebits"`
			NoNewPrivs  bool     `json:"no_new_privs"`
		} `json:"result"`
	} `json:"explain"`
}

// parseDryRun reads the predicted state from --dry-run --json output.
func parseDryRun(out string) (cred.State, error) {
	var d dryRun
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		return cred.State{}, fmt.Errorf("dry-run output: %w\n%s", err, out)
	}
	r := d.Explain.Result
	if r.Exec != "ok" {
		return cred.State{}, fmt.Errorf("dry-run predicts exec %s", r.Exec)
	}
	s := cred.State{UID: r.UID, EUID: r.EUID, SUID: r.SUID, FSUID: r.FSUID, GID: r.GID, EGID: r.EGID, SGID: r.SGID, FSGID: r.FSGID,
		Groups: r.Groups, Securebits: cred.Securebits(r.Securebits), NoNewPrivs: r.NoNewPrivs}
	for _, f := range []struct {
		hex string
		dst *model.Set
	}{{r.Inheritable, &s.Inheritable}, {r.Permitted, &s.Permitted}, {r.Effective, &s.Effective}, {r.Ambient, &s.Ambient}, {r.Bounding, &s.Bounding}} {
		v, err := model.ParseSet(f.hex, 63)
		if err != nil {
			return cred.State{}, err
		}
		*f.dst = v
	}
	return s, nil
}
