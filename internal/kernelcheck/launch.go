//go:build linux

package kernelcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/procstatus"
)

// Environment variables of the launcher and probe roles.
const (
	RoleEnv = "FCAP_KERNELCHECK_ROLE" // "launch" or "probe"
	SpecEnv = "FCAP_KERNELCHECK_SPEC" // the launcher's LaunchSpec, as JSON
)

// Exit codes and output of the launcher when it does not become the probe.
const (
	ExitUnreachable = 101 // the requested state could not be set up
	ExitExecFailed  = 102 // execve failed; stdout holds ExecErrPrefix+errno name
	ExitBadSpec     = 103
	ExecErrPrefix   = "EXECERR "
)

// LaunchSpec tells the launcher which state to enter and what to execute.
type LaunchSpec struct {
	// State is the state to enter, in the ids of the launcher's
	// innermost user namespace.
	State cred.State
	Path  string
	Args  []string
	Env   []string
	// Dir is the working directory to execute from.
	Dir string
	// Nested are user namespaces the launcher creates in turn before it
	// enters State, each with maps written from the one above.
	Nested []NSLevel
}

// NSLevel is a user namespace to create: its maps, the outside ids being
// those of the namespace it is created in.
type NSLevel struct {
	UIDs, GIDs cred.IDMap
}

// Command returns the command that starts the launcher (the binary self)
// for spec, in a new user namespace lvl when it is not nil. There the
// launcher runs as the lowest mapped ids with every capability (raised
// as ambient, so that it keeps them across its exec whoever is root).
func Command(self string, spec LaunchSpec, lvl *NSLevel, last model.Cap) (*exec.Cmd, error) {
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = []string{RoleEnv + "=launch", SpecEnv + "=" + string(js)}
	if lvl == nil {
		return cmd, nil
	}
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, GidMappingsEnableSetgroups: true,
		UidMappings: procIDMaps(lvl.UIDs), GidMappings: procIDMaps(lvl.GIDs),
		Credential: &syscall.Credential{Uid: lowestInside(lvl.UIDs), Gid: lowestInside(lvl.GIDs)}}
	for _, c := range model.UpTo(last).Caps() {
		attr.AmbientCaps = append(attr.AmbientCaps, uintptr(c))
	}
	cmd.SysProcAttr = attr
	return cmd, nil
}

func procIDMaps(m cred.IDMap) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, len(m))
	for i, r := range m {
		out[i] = syscall.SysProcIDMap{ContainerID: int(r.Inside), HostID: int(r.Outside), Size: int(r.Count)}
	}
	return out
}

func lowestInside(m cred.IDMap) uint32 {
	low := ^uint32(0)
	for _, r := range m {
		low = min(low, r.Inside)
	}
	return low
}

// RunLauncher is the launcher role: it creates the nested namespaces of
// the spec, enters spec.State on its locked thread and executes
// spec.Path. It returns only the exit code to use when that fails.
func RunLauncher() int {
	var spec LaunchSpec
	if err := json.Unmarshal([]byte(os.Getenv(SpecEnv)), &spec); err != nil {
		fmt.Fprintf(os.Stderr, "launcher: bad spec: %v\n", err)
		return ExitBadSpec
	}
	if len(spec.Nested) > 0 {
		return relaunch(spec)
	}
	runtime.LockOSThread() // never unlocked: the credentials are this thread's
	if spec.Dir != "" {
		if err := os.Chdir(spec.Dir); err != nil {
			fmt.Fprintf(os.Stderr, "launcher: %v\n", err)
			return ExitUnreachable
		}
	}
	if err := enterState(spec.State); err != nil {
		fmt.Fprintf(os.Stderr, "launcher: %v\n", err)
		return ExitUnreachable
	}
	err := unix.Exec(spec.Path, spec.Args, spec.Env)
	var errno unix.Errno
	if !errors.As(err, &errno) {
		fmt.Fprintf(os.Stderr, "launcher: exec: %v\n", err)
		return ExitExecFailed
	}
	fmt.Printf("%s%s\n", ExecErrPrefix, unix.ErrnoName(errno))
	return ExitExecFailed
}

// relaunch starts the launcher again in the first nested namespace and
// passes its output and exit status on.
func relaunch(spec LaunchSpec) int {
	lvl := spec.Nested[0]
	spec.Nested = spec.Nested[1:]
	self, err := os.Executable()
	last, err2 := host.LastCap()
	if err = errors.Join(err, err2); err != nil {
		fmt.Fprintf(os.Stderr, "launcher: %v\n", err)
		return ExitUnreachable
	}
	cmd, err := Command(self, spec, &lvl, last)
	if err != nil {
		fmt.Fprintf(os.Stderr, "launcher: %v\n", err)
		return ExitBadSpec
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		fmt.Fprintf(os.Stderr, "launcher: nested namespace: %v\n", err)
		return ExitUnreachable
	}
	return 0
}

// enterState sets the calling thread's credentials to s. The order
// matters: ids are set while all capabilities are still permitted (kept
// across setresuid by KEEP_CAPS), inheritable before the bounding set
// shrinks, ambient before SECBIT_NO_CAP_AMBIENT_RAISE, securebits while
// CAP_SETPCAP is effective, and the final sets last.
func enterState(s cred.State) error {
	steps := []struct {
		what string
		do   func() error
	}{
		{"PR_SET_KEEPCAPS", func() error { return prctl(unix.PR_SET_KEEPCAPS, 1) }},
		{"setgroups", func() error { return setgroups(s.Groups) }},
		{"setresgid", func() error { return rawSys(unix.SYS_SETRESGID, s.GID, s.EGID, s.SGID) }},
		{"setfsgid", func() error { return rawSys(unix.SYS_SETFSGID, s.FSGID, 0, 0) }},
		{"capset inheritable", func() error { return setInheritableKeepAll(s.Inheritable) }},
		{"setresuid", func() error { return rawSys(unix.SYS_SETRESUID, s.UID, s.EUID, s.SUID) }},
		{"capset effective", func() error { return setInheritableKeepAll(s.Inheritable) }},
		{"setfsuid", func() error { return rawSys(unix.SYS_SETFSUID, s.FSUID, 0, 0) }},
		{"ambient", func() error { return setAmbient(s.Ambient) }},
		{"bounding", func() error { return dropBounding(s.Bounding) }},
		{"securebits", func() error { return prctl(unix.PR_SET_SECUREBITS, uintptr(s.Securebits)) }},
		{"capset", func() error { return capset(s.Inheritable, s.Permitted, s.Effective) }},
		{"no_new_privs", func() error { return setNoNewPrivs(s.NoNewPrivs) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return verifyState(s)
}

// verifyState checks that the thread really is in state want.
func verifyState(want cred.State) error {
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return fmt.Errorf("verifying: %w", err)
	}
	got, err := procstatus.Parse(b)
	if err != nil {
		return fmt.Errorf("verifying: %w", err)
	}
	if got.Securebits, err = host.SelfSecurebits(); err != nil {
		return fmt.Errorf("verifying: %w", err)
	}
	if !SameState(got, want) {
		return fmt.Errorf("state not reached:\n got %s\nwant %s", Describe(got), Describe(want))
	}
	return nil
}

// SameState compares two states, groups as sets.
func SameState(a, b cred.State) bool {
	return len(a.Diff(b)) == 0
}

// sortedGroups returns g sorted without duplicates, nil when empty.
func sortedGroups(g []uint32) []uint32 {
	if len(g) == 0 {
		return nil
	}
	g = slices.Clone(g)
	slices.Sort(g)
	return slices.Compact(g)
}

// Describe formats a state on one line.
func Describe(p cred.State) string {
	return fmt.Sprintf("uid %d/%d/%d/%d gid %d/%d/%d/%d groups %v I=%s P=%s E=%s A=%s X=%s securebits=%s nnp=%v",
		p.UID, p.EUID, p.SUID, p.FSUID, p.GID, p.EGID, p.SGID, p.FSGID, sortedGroups(p.Groups),
		p.Inheritable.Hex(), p.Permitted.Hex(), p.Effective.Hex(), p.Ambient.Hex(), p.Bounding.Hex(),
		p.Securebits, p.NoNewPrivs)
}

func rawSys(trap uintptr, a1, a2, a3 uint32) error {
	if _, _, e := unix.RawSyscall(trap, uintptr(a1), uintptr(a2), uintptr(a3)); e != 0 {
		return e
	}
	return nil
}

func prctl(option int, arg uintptr) error {
	return unix.Prctl(option, arg, 0, 0, 0)
}

func setgroups(groups []uint32) error {
	var p unsafe.Pointer
	if len(groups) > 0 {
		p = unsafe.Pointer(&groups[0])
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), uintptr(p), 0); e != 0 {
		return e
	}
	return nil
}

func capget() (inh, prm, eff model.Set, err error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var d [2]unix.CapUserData
	if err := unix.Capget(&hdr, &d[0]); err != nil {
		return 0, 0, 0, err
	}
	join := func(lo, hi uint32) model.Set { return model.Set(lo) | model.Set(hi)<<32 }
	return join(d[0].Inheritable, d[1].Inheritable), join(d[0].Permitted, d[1].Permitted), join(d[0].Effective, d[1].Effective), nil
}

func capset(inh, prm, eff model.Set) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	d := [2]unix.CapUserData{
		{Effective: uint32(eff), Permitted: uint32(prm), Inheritable: uint32(inh)},
		{Effective: uint32(eff >> 32), Permitted: uint32(prm >> 32), Inheritable: uint32(inh >> 32)},
	}
	return unix.Capset(&hdr, &d[0])
}

// setInheritableKeepAll sets the inheritable set and makes every permitted
// capability effective.
func setInheritableKeepAll(inh model.Set) error {
	_, prm, _, err := capget()
	if err != nil {
		return err
	}
	return capset(inh, prm, prm)
}

// setAmbient makes a the ambient set (a launcher in a user namespace
// starts with every capability ambient).
func setAmbient(a model.Set) error {
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clearing ambient: %w", err)
	}
	for _, c := range a.Caps() {
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(c), 0, 0); err != nil {
			return fmt.Errorf("raising %s: %w", c, err)
		}
	}
	return nil
}

// dropBounding drops every capability the kernel knows that is not in keep.
func dropBounding(keep model.Set) error {
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	for _, c := range (model.UpTo(last) &^ keep).Caps() {
		if err := prctl(unix.PR_CAPBSET_DROP, uintptr(c)); err != nil {
			return fmt.Errorf("dropping %s: %w", c, err)
		}
	}
	return nil
}

func setNoNewPrivs(on bool) error {
	if !on {
		return nil
	}
	return prctl(unix.PR_SET_NO_NEW_PRIVS, 1)
}

// RunProbe is the probe role: it prints /proc/self/status followed by
// "Securebits:" and "AtSecure:" lines, and returns the exit code.
func RunProbe() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Fprintf(os.Stderr, "probe: %v\n", err)
		return 1
	}
	bits, err := host.SelfSecurebits()
	if err != nil {
		fmt.Fprintf(os.Stderr, "probe: %v\n", err)
		return 1
	}
	secure, err := host.AtSecure()
	if err != nil {
		fmt.Fprintf(os.Stderr, "probe: %v\n", err)
		return 1
	}
	at := 0
	if secure {
		at = 1
	}
	fmt.Printf("%sSecurebits:\t%d\nAtSecure:\t%d\n", b, uint32(bits), at)
	return 0
}
