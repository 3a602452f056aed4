package procs

import (
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"

	"fcap/host"
	"fcap/internal/testenv"
)

// startAsNobody starts sleep as uid 65534, which holds no capability.
func startAsNobody(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd.Process.Pid
}

func pids(ps []Process) []int {
	var out []int
	for _, p := range ps {
		out = append(out, p.PID)
	}
	return out
}

func TestListShowsProcessesThatHoldCapabilities(t *testing.T) {
	testenv.RequireRoot(t)
	nobody := startAsNobody(t)
	ps, errs := List(Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := pids(ps)
	if !slices.IsSorted(got) {
		t.Errorf("List is not in pid order: %v", got)
	}
	if !slices.Contains(got, os.Getpid()) {
		t.Errorf("List lacks the test process %d (root, with capabilities)", os.Getpid())
	}
	if slices.Contains(got, nobody) {
		t.Errorf("List shows %d, which holds no capability", nobody)
	}
	for _, p := range ps {
		if p.KernelThread() || !p.Holds() {
			t.Errorf("List shows %d (%s): kernel thread %v, holds %v", p.PID, p.Name, p.KernelThread(), p.Holds())
		}
	}
	all, _ := List(Options{All: true})
	if got := pids(all); !slices.Contains(got, nobody) || !slices.Contains(got, 2) {
		t.Errorf("List(All) lacks %d (no capabilities) or 2 (kthreadd)", nobody)
	}
}

func TestGetReadsOneProcess(t *testing.T) {
	testenv.RequireRoot(t)
	nobody := startAsNobody(t)
	p, err := Get(nobody)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "sleep" || p.PPid != os.Getpid() || p.User != "nobody" || p.Cred.UID != 65534 || p.SecurebitsKnown || p.Holds() {
		t.Errorf("Get(%d) = %+v", nobody, p)
	}
	self, err := Get(0)
	if err != nil {
		t.Fatal(err)
	}
	bits, _ := host.SelfSecurebits()
	if self.PID != os.Getpid() || !self.SecurebitsKnown || self.Cred.Securebits != bits {
		t.Errorf("Get(0) = pid %d, securebits %v known %v", self.PID, self.Cred.Securebits, self.SecurebitsKnown)
	}
	if _, err := Get(1 << 30); err == nil {
		t.Error("Get of a pid that does not exist succeeded")
	}
}
