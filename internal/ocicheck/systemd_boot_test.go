package ocicheck

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"fcap/model"
)

// systemdBinary is the service manager the units run under.
const systemdBinary = "/lib/systemd/systemd"

// boot is one run of the host's systemd as PID 1 of a runc container
// whose /usr and /etc are the host's (read-only), with the test's units
// in /run/systemd/system and a results directory.
type boot struct {
	t       *testing.T
	dir     string // the bundle
	units   string
	results string
	log     string
	id      string
}

// unitStatus is what systemd says of a unit once it has run.
type unitStatus struct {
	Result     string
	ExecStatus int
}

// newBoot prepares a bundle for units run with the probes in probeDir
// (bound at the same path, so that host and container paths agree).
func newBoot(t *testing.T, base *specs.Spec, dir, probeDir string, bounding model.Set, n int) *boot {
	b := &boot{t: t, dir: filepath.Join(dir, fmt.Sprintf("systemd-%d", n)), id: fmt.Sprintf("fcap-ocicheck-systemd-%d-%d", os.Getpid(), n)}
	b.units, b.results, b.log = filepath.Join(b.dir, "units"), filepath.Join(b.dir, "results"), filepath.Join(b.dir, "console.log")
	root := filepath.Join(b.dir, "rootfs")
	for _, d := range []string{b.units, b.results, root} {
		mkdir(t, d)
	}
	for _, d := range []string{"usr", "etc", "proc", "sys", "dev", "run", "tmp", "var", "srv", "results"} {
		mkdir(t, filepath.Join(root, d))
	}
	for _, l := range []string{"bin", "lib", "lib64", "sbin"} {
		if target, err := os.Readlink("/" + l); err == nil {
			must(t, os.Symlink(target, filepath.Join(root, l)))
		}
	}
	data, err := json.MarshalIndent(b.spec(base, probeDir, bounding), "", "\t")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(b.dir, "config.json"), data, 0o644))
	return b
}

// spec is runc's template turned into a container for systemd.
func (b *boot) spec(base *specs.Spec, probeDir string, bounding model.Set) *specs.Spec {
	c := *base
	proc := *base.Process
	c.Process = &proc
	proc.Terminal = true // systemd logs to /dev/console, which is then a terminal
	proc.Args = []string{systemdBinary, "--unit=fcap.target", "--log-target=console", "--log-level=info", "--show-status=no"}
	proc.Env = []string{"container=oci", "PATH=/usr/sbin:/usr/bin"}
	proc.Rlimits, proc.NoNewPrivileges = nil, false
	all := names(bounding)
	proc.Capabilities = &specs.LinuxCapabilities{Bounding: all, Effective: all, Permitted: all}
	c.Root = &specs.Root{Path: "rootfs", Readonly: true}
	var mounts []specs.Mount
	for _, m := range base.Mounts {
		if m.Destination != "/sys/fs/cgroup" {
			mounts = append(mounts, m)
		}
	}
	bind := func(dst, src string, opts ...string) {
		mounts = append(mounts, specs.Mount{Destination: dst, Type: "bind", Source: src, Options: append([]string{"rbind"}, opts...)})
	}
	bind("/usr", "/usr", "ro")
	bind("/etc", "/etc", "ro")
	for _, d := range []string{"/run", "/tmp", "/var"} {
		mounts = append(mounts, specs.Mount{Destination: d, Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=755"}})
	}
	bind("/sys/fs/cgroup", "/sys/fs/cgroup", "rw")
	bind("/run/systemd/system", b.units, "ro")
	bind("/results", b.results, "rw")
	bind(probeDir, probeDir, "ro")
	c.Mounts = mounts
	return &c
}

// unitHeader starts every test unit: outside the default dependencies,
// after the unit that lets every user write to the console.
const unitHeader = "[Unit]\nDefaultDependencies=no\nAfter=fcap-console.service\n\n"

// run writes the target and the console unit, boots, waits for the
// target and reads each unit's status. systemd is killed afterwards.
func (b *boot) run(ctx context.Context, units []string) map[string]unitStatus {
	all := strings.Join(units, " ")
	must(b.t, os.WriteFile(filepath.Join(b.units, "fcap.target"),
		[]byte("[Unit]\nDefaultDependencies=no\nWants=fcap-console.service "+all+"\nAfter="+all+"\n"), 0o644))
	// A service whose process is not root can log its exec failure only
	// if it may open the console.
	must(b.t, os.WriteFile(filepath.Join(b.units, "fcap-console.service"),
		[]byte("[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/chmod 666 /dev/console\n"), 0o644))
	logf, err := os.Create(b.log)
	must(b.t, err)
	defer logf.Close()
	cmd := exec.CommandContext(ctx, "script", "-qfec", "runc run --bundle "+b.dir+" "+b.id, "/dev/null")
	cmd.Stdout, cmd.Stderr = logf, logf
	must(b.t, cmd.Start())
	defer func() {
		exec.Command("runc", "kill", b.id, "KILL").Run()
		cmd.Wait()
		exec.Command("runc", "delete", "-f", b.id).Run()
	}()
	if err := b.waitTarget(ctx); err != nil {
		b.t.Fatalf("systemd in the container: %v\n%s", err, b.console())
	}
	return b.statuses(units)
}

func (b *boot) waitTarget(ctx context.Context) error {
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		out, _ := exec.Command("runc", "exec", b.id, "/bin/systemctl", "is-active", "fcap.target").Output()
		if strings.TrimSpace(string(out)) == "active" {
			return nil
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("fcap.target not active after 3 minutes")
}

// statuses asks systemd how each unit ended.
func (b *boot) statuses(units []string) map[string]unitStatus {
	args := append([]string{"exec", b.id, "/bin/systemctl", "show", "-p", "Id", "-p", "Result", "-p", "ExecMainStatus"}, units...)
	out, err := exec.Command("runc", args...).Output()
	if err != nil {
		b.t.Fatalf("systemctl show: %v", err)
	}
	st := map[string]unitStatus{}
	for _, block := range strings.Split(strings.TrimSpace(string(out)), "\n\n") {
		kv := map[string]string{}
		for _, line := range strings.Split(block, "\n") {
			k, v, _ := strings.Cut(line, "=")
			kv[k] = v
		}
		code, _ := strconv.Atoi(kv["ExecMainStatus"])
		st[kv["Id"]] = unitStatus{Result: kv["Result"], ExecStatus: code}
	}
	return st
}

// console returns systemd's log, carriage returns removed.
func (b *boot) console() string {
	data, _ := os.ReadFile(b.log)
	return string(bytes.ReplaceAll(data, []byte("\r"), nil))
}

// execErrno finds the errno systemd logged for unit's failed execve.
func (b *boot) execErrno(unit string) string {
	// The service's process logs to its own standard error when it can
	// (here the output file), else to the console.
	out, _ := os.ReadFile(filepath.Join(b.results, unit+".out"))
	text := strings.ReplaceAll(string(out), "\n", "\n"+unit+": ") + "\n" + b.console()
	sc := bufio.NewScanner(strings.NewReader(unit + ": " + text))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, unit+": Failed to execute ") && !strings.HasPrefix(line, unit+": Failed to locate executable ") &&
			!(strings.HasPrefix(line, unit+": Executable ") && strings.Contains(line, " missing, skipping: ")) {
			continue
		}
		for text, errno := range map[string]string{"Operation not permitted": "EPERM", "Permission denied": "EACCES",
			"No such file or directory": "ENOENT", "Invalid argument": "EINVAL", "Exec format error": "ENOEXEC", "Is a directory": "EISDIR"} {
			if strings.HasSuffix(line, text) {
				return errno
			}
		}
		return "unknown: " + line
	}
	var lines []string
	for _, l := range strings.Split(b.console(), "\n") {
		if strings.HasPrefix(l, unit+":") {
			lines = append(lines, l)
		}
	}
	return "not logged: " + strings.Join(lines, " | ")
}
