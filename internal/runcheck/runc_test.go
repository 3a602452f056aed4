package runcheck

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEntrypointOfRuncContainer runs fcap run as the entrypoint of a
// runc container whose root filesystem holds only fcap and the probe
// (no /etc/passwd: numeric ids). The program becomes the container's
// pid 1, binds port 25 with the one capability it keeps, and its state
// equals what fcap run --dry-run predicts inside the same container.
func TestEntrypointOfRuncContainer(t *testing.T) {
	e := setup(t)
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("needs runc")
	}
	intent := []string{"run", "--user", "65534", "--group", "65534", "--caps", "cap_net_bind_service+ep", "--"}
	bundle := e.bundle(t)

	out := e.runc(t, bundle, append(append([]string{"/fcap"}, intent...), "/probe", "status"))
	got, err := parseProbe(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "\nPid:\t1\n") {
		t.Errorf("the program is not the container's pid 1: fcap did not execute it in place")
	}
	dry := e.runc(t, bundle, append(append([]string{"/fcap", "run", "--dry-run", "--json"}, intent[1:]...), "/probe", "status"))
	predicted, err := parseDryRun(dry)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.State.Diff(predicted); len(d) > 0 {
		t.Errorf("in the container, the program's state differs from the dry run's:\n  %s", strings.Join(d, "\n  "))
	}
	if got.UID != 65534 || got.Permitted.Names() != "cap_net_bind_service" || !got.NoNewPrivs {
		t.Errorf("program runs as uid %d with permitted %s, no_new_privs %v; want 65534, cap_net_bind_service, true (runc's default)",
			got.UID, got.Permitted.Names(), got.NoNewPrivs)
	}
	if bind := e.runc(t, bundle, append(append([]string{"/fcap"}, intent...), "/probe", "bind", "0.0.0.0:25")); strings.TrimSpace(bind) != "bind ok" {
		t.Errorf("binding port 25 in the container: %q", bind)
	}
}

// bundle makes an OCI bundle whose root filesystem holds only fcap and
// the probe. The process runs as root with the capabilities fcap needs
// to switch (cap_setuid, cap_setgid, cap_setpcap) added to runc's
// defaults, without rlimits (runc could not raise them here) and
// without a terminal.
func (e *env) bundle(t *testing.T) string {
	t.Helper()
	bundle := filepath.Join(e.dir, "bundle")
	rootfs := filepath.Join(bundle, "rootfs")
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	copyProbe(t, e.fcap, filepath.Join(rootfs, "fcap"))
	copyProbe(t, e.probe, filepath.Join(rootfs, "probe"))
	cmd := exec.Command("runc", "spec")
	cmd.Dir = bundle
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v\n%s", err, b)
	}
	editProcess(t, bundle, func(p map[string]any) {
		p["terminal"] = false
		delete(p, "rlimits")
		caps := p["capabilities"].(map[string]any)
		for _, set := range []string{"bounding", "effective", "permitted"} {
			caps[set] = append(caps[set].([]any), "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP")
		}
	})
	return bundle
}

// editProcess changes the process object of the bundle's config.json.
func editProcess(t *testing.T, bundle string, edit func(process map[string]any)) {
	t.Helper()
	path := filepath.Join(bundle, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	edit(spec["process"].(map[string]any))
	if b, err = json.MarshalIndent(spec, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runc runs args as the container's process and returns its output.
func (e *env) runc(t *testing.T, bundle string, args []string) string {
	t.Helper()
	editProcess(t, bundle, func(p map[string]any) { p["args"] = args })
	id := fmt.Sprintf("fcap-runcheck-%d", os.Getpid())
	defer exec.Command("runc", "delete", "-f", id).Run()
	r := run(t, "runc", "run", "--bundle", bundle, id)
	if r.code != 0 {
		t.Fatalf("runc run %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}
