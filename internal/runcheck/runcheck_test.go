package runcheck

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fcap/internal/testenv"
	"fcap/model"
)

var (
	flagN    = flag.Int("runcheck.n", 12, "number of random intents to compare with setpriv")
	flagSeed = flag.Uint64("runcheck.seed", 20250713, "seed of the random intents")
)

// TestSameStateAsSetprivAndDryRun launches the probe for random intents
// three ways: fcap run --dry-run --json (the prediction), fcap run, and
// setpriv with the options that ask for the same state. The three
// states (/proc/self/status, securebits, AT_SECURE) must be equal.
func TestSameStateAsSetprivAndDryRun(t *testing.T) {
	e := setup(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("needs setpriv (util-linux) as the peer")
	}
	g := newGenerator(t, *flagSeed, e.self.Bounding&e.self.Permitted)
	mismatches, noPeer := 0, 0
	for i := range *flagN {
		in := g.intent()
		if in.peerDiffers != "" {
			noPeer++
		}
		if d := e.compare(t, in); len(d) > 0 {
			mismatches++
			t.Errorf("intent %d: MISMATCH\n  fcap run %s\n  setpriv %s\n    %s", i, in.text, strings.Join(in.setpriv, " "), strings.Join(d, "\n    "))
		}
	}
	t.Logf("runcheck: intents %d seed %d mismatches %d (compared with --dry-run only: %d)", *flagN, *flagSeed, mismatches, noPeer)
}

// compare runs one intent the three ways and lists the differences.
func (e *env) compare(t *testing.T, in intent) []string {
	t.Helper()
	dry := run(t, e.fcap, append(append([]string{"run", "--dry-run", "--json"}, in.fcap...), "--", e.probe, "status")...)
	viaFcap := run(t, e.fcap, append(append([]string{"run"}, in.fcap...), "--", e.probe, "status")...)
	viaSetpriv := run(t, "setpriv", append(in.setpriv, "--", e.probe, "status")...)
	for what, r := range map[string]result{"fcap run --dry-run": dry, "fcap run": viaFcap, "setpriv": viaSetpriv} {
		if r.code != 0 {
			return []string{fmt.Sprintf("%s exit %d: %s", what, r.code, r.stderr)}
		}
	}
	predicted, err := parseDryRun(dry.stdout)
	if err != nil {
		return []string{err.Error()}
	}
	got, err := parseProbe(viaFcap.stdout)
	if err != nil {
		return []string{err.Error()}
	}
	peer, err := parseProbe(viaSetpriv.stdout)
	if err != nil {
		return []string{err.Error()}
	}
	var d []string
	if in.peerDiffers != "" {
		t.Logf("not compared with setpriv: %s", in.peerDiffers)
		peer = got
	}
	for _, s := range got.diff(peer) {
		d = append(d, "fcap run vs setpriv: "+s)
	}
	for _, s := range got.State.Diff(predicted) {
		d = append(d, "fcap run vs its --dry-run: "+s)
	}
	return d
}

// TestDaemonKeepsOnlyWhatItIsGiven is the daemon of the issue: started
// as nobody with cap_net_bind_service it binds port 25, without it gets
// EACCES; it cannot setuid(0); a setuid-root program or one with
// cap_sys_admin=ep that it executes gets nothing beyond its bounding set.
func TestDaemonKeepsOnlyWhatItIsGiven(t *testing.T) {
	e := setup(t)
	port := privilegedPort(t)
	keep := []string{"run", "--user", "nobody", "--caps", "cap_net_bind_service+ep", "--", e.probe}
	plain := []string{"run", "--user", "nobody", "--", e.probe}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"binds with the capability", append(keep, "bind", port), "bind ok"},
		{"EACCES without it", append(plain, "bind", port), "bind EACCES"},
		{"cannot become root", append(keep, "setuid0"), "setuid0 EPERM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, e.fcap, tt.args...)
			if r.code != 0 || strings.TrimSpace(r.stdout) != tt.want {
				t.Errorf("fcap %s: exit %d, %q %q; want %q", strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
	t.Run("programs it executes gain nothing", func(t *testing.T) {
		suid := e.setuidProbe(t)
		for _, target := range append([]string{suid}, e.fileCapProbes(t)...) {
			if beyond := e.gained(t, keep, target); beyond != 0 {
				t.Errorf("%s gives the daemon's child %s beyond its bounding set", filepath.Base(target), beyond.Names())
			}
		}
	})
	t.Run("the check bites when root is not revoked", func(t *testing.T) {
		open := []string{"run", "--user", "nobody", "--caps", "cap_net_bind_service+ep", "--secbits", "none", "--keep-bounding", "--", e.probe}
		if beyond := e.gained(t, open, e.setuidProbe(t)); beyond == 0 {
			t.Error("with root kept and the bounding set whole, a setuid-root program should get every capability")
		}
	})
}

// privilegedPort returns "127.0.0.1:25", or skips when binding it
// needs no capability here or it is taken.
func privilegedPort(t *testing.T) string {
	const addr = "127.0.0.1:25"
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if n, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && n <= 25 {
		t.Skipf("net.ipv4.ip_unprivileged_port_start is %d: binding port 25 needs no capability here", n)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot bind %s even as root: %v", addr, err)
	}
	l.Close()
	return addr
}

// setuidProbe makes a setuid-root copy of the probe.
func (e *env) setuidProbe(t *testing.T) string {
	t.Helper()
	suid := copyProbe(t, e.probe, filepath.Join(filepath.Dir(e.probe), "probe-suid"))
	if err := os.Chmod(suid, os.ModeSetuid|0o755); err != nil {
		t.Fatal(err)
	}
	return suid
}

// fileCapProbes makes copies of the probe with cap_sys_admin=ep and =p,
// none when the directory cannot store file capabilities.
func (e *env) fileCapProbes(t *testing.T) []string {
	t.Helper()
	dir := filepath.Dir(e.probe)
	if err := testenv.CanStoreCaps(dir); err != nil {
		t.Logf("file capabilities not covered: %v", err)
		return nil
	}
	var out []string
	for _, caps := range []string{"cap_sys_admin=ep", "cap_sys_admin=p"} {
		p := copyProbe(t, e.probe, filepath.Join(dir, "probe-"+strings.ReplaceAll(caps, "=", "-")))
		if r := run(t, e.fcap, "set", caps, p); r.code != 0 {
			t.Fatalf("fcap set %s: %s", caps, r.stderr)
		}
		out = append(out, p)
	}
	return out
}

// gained has the daemon started by fcap with args execute target and
// returns the capabilities its child holds beyond cap_net_bind_service,
// the daemon's bounding set (none when exec is refused).
func (e *env) gained(t *testing.T, args []string, target string) model.Set {
	t.Helper()
	r := run(t, e.fcap, append(args, "exec", target, "status")...)
	if strings.TrimSpace(r.stdout) == "exec EPERM" {
		t.Logf("%s: exec refused with EPERM", filepath.Base(target))
		return 0
	}
	s, err := parseProbe(r.stdout)
	if err != nil {
		t.Fatalf("%s: %v (%s)", filepath.Base(target), err, r.stderr)
	}
	t.Logf("%s: euid %d, permitted %s", filepath.Base(target), s.EUID, s.Permitted.Describe(e.last))
	return (s.Permitted | s.Effective | s.Ambient | s.Inheritable) &^ model.SetOf(model.CapNetBindService)
}

func copyProbe(t *testing.T, src, dst string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestRefusesWhenFcapItselfIsPrivileged: an fcap binary given
// cap_setuid, cap_setgid and cap_setpcap as file capabilities (or made
// setuid root) must not let the user who runs it become anyone: fcap run
// refuses, and the program does not start.
func TestRefusesWhenFcapItselfIsPrivileged(t *testing.T) {
	e := setup(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("needs setpriv to run fcap as nobody")
	}
	capped := copyProbe(t, e.fcap, filepath.Join(e.dir, "fcap-capped"))
	suid := copyProbe(t, e.fcap, filepath.Join(e.dir, "fcap-suid"))
	if err := os.Chmod(suid, os.ModeSetuid|0o755); err != nil {
		t.Fatal(err)
	}
	binaries := []string{suid}
	if err := testenv.CanStoreCaps(e.dir); err != nil {
		t.Logf("file capabilities not covered: %v", err)
	} else if r := run(t, e.fcap, "set", "cap_setuid,cap_setgid,cap_setpcap=ep", capped); r.code != 0 {
		t.Fatalf("fcap set: %s", r.stderr)
	} else {
		binaries = append(binaries, capped)
	}
	for _, bin := range binaries {
		r := run(t, "setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", bin,
			"run", "--user", "root", "--", e.probe, "status")
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "privileges its caller does not have") {
			t.Errorf("%s run by nobody: exit %d, stdout %q, stderr %q; want a refusal", filepath.Base(bin), r.code, r.stdout, r.stderr)
		}
	}
}
