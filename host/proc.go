// Package host reads facts about the running system from /proc and the kernel.
package host

import (
	"errors"
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
// process (its main thread). The securebits are not in /proc and are
// left zero (see SelfSecurebits).
func ReadStatus(pid int) (cred.State, error) {
	name := "/proc/self/status"
	if pid != 0 {
		name = "/proc/" + strconv.Itoa(pid) + "/status"
	}
	return readStatusFile(name)
}

// ReadThreadStatus reads the status of one thread of the calling
// process; tid 0 means the calling thread itself.
func ReadThreadStatus(tid int) (cred.State, error) {
	name := "/proc/thread-self/status"
	if tid != 0 {
		name = "/proc/self/task/" + strconv.Itoa(tid) + "/status"
	}
	return readStatusFile(name)
}

// Threads lists the thread ids of the calling process.
func Threads() ([]int, error) {
	entries, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, fmt.Errorf("listing threads: %w", err)
	}
	tids := make([]int, 0, len(entries))
	for _, e := range entries {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

func readStatusFile(name string) (cred.State, error) {
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

// atSecureType is AT_SECURE from <elf.h>.
const atSecureType = 23

// AtSecure reports the calling process's AT_SECURE: whether the exec
// that started it changed its ids or gave it capabilities it did not
// inherit (a set-id file, file capabilities).
func AtSecure() (bool, error) {
	auxv, err := unix.Auxv()
	if err != nil {
		return false, fmt.Errorf("reading auxv: %w", err)
	}
	for _, kv := range auxv {
		if kv[0] == atSecureType {
			return kv[1] != 0, nil
		}
	}
	return false, errors.New("no AT_SECURE in auxv")
}
