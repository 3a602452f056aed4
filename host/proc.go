// Package host reads facts about the running system from /proc and the kernel.
package host

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"fcap/model"
	"fcap/model/cred"
	"fcap/model/procstatus"
)

// ReadStatus reads and parses /proc/PID/status; pid 0 means the calling
// process. The securebits are not in /proc and are left zero (see
// SelfSecurebits).
func ReadStatus(pid int) (cred.State, error) {
	name := "/proc/self/status"
	if pid != 0 {
		name = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return cred.State{}, fmt.Errorf("reading process status: %w", err)
	}
	p, err := procstatus.Parse(b)
	if err != nil {
		return cred.State{}, fmt.Errorf("parsing %s: %w", name, err)
	}
	return p, nil
}

// LastCap returns the running kernel's highest capability number, from
// /proc/sys/kernel/cap_last_cap.
func LastCap() (model.Cap, error) {
	const name = "/proc/sys/kernel/cap_last_cap"
	b, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("reading the last capability: %w", err)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 8)
	if err != nil || n > uint64(model.MaxCap) {
		return 0, fmt.Errorf("parsing %s: %q is not a capability number", name, strings.TrimSpace(string(b)))
	}
	return model.Cap(n), nil
}

// SelfSecurebits returns the calling thread's securebits
// (prctl PR_GET_SECUREBITS); only a process can read its own.
func SelfSecurebits() (cred.Securebits, error) {
	n, err := unix.PrctlRetInt(unix.PR_GET_SECUREBITS, 0, 0, 0, 0)
	if err != nil {
		return 0, fmt.Errorf("reading securebits: %w", err)
	}
	return cred.Securebits(n), nil
}

// NoSuid reports whether the filesystem mount of the open file fd is
// nosuid (fstatfs ST_NOSUID).
func NoSuid(fd int) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return false, fmt.Errorf("fstatfs: %w", err)
	}
	return st.Flags&unix.ST_NOSUID != 0, nil
}
