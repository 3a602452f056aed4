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

// MountFlags are the flags of a mount that exec honours.
type MountFlags struct {
	NoSuid, NoExec bool
}

// Mount returns the flags of the mount that holds the open file fd
// (fstatfs ST_NOSUID, ST_NOEXEC).
func Mount(fd int) (MountFlags, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return MountFlags{}, fmt.Errorf("fstatfs: %w", err)
	}
	return MountFlags{NoSuid: st.Flags&unix.ST_NOSUID != 0, NoExec: st.Flags&unix.ST_NOEXEC != 0}, nil
}

// Command returns the command name of process pid (/proc/PID/comm); pid
// 0 is the calling process.
func Command(pid int) (string, error) {
	b, err := os.ReadFile(procPath(pid, "comm"))
	if err != nil {
		return "", fmt.Errorf("reading the command name: %w", err)
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// Cwd returns the working directory of process pid as the kernel names
// it from the caller's root (/proc/PID/cwd); pid 0 is the caller.
func Cwd(pid int) (string, error) {
	dir, err := os.Readlink(procPath(pid, "cwd"))
	if err != nil {
		return "", fmt.Errorf("reading the working directory: %w", err)
	}
	return dir, nil
}

// Sysctl reads a number from /proc/sys (name with dots or slashes:
// "net.ipv4.ip_unprivileged_port_start").
func Sysctl(name string) (int, error) {
	p := "/proc/sys/" + strings.ReplaceAll(name, ".", "/")
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("parsing %s: %w", p, err)
	}
	return n, nil
}

// procPath names a file of /proc/PID, /proc/self for pid 0.
func procPath(pid int, name string) string {
	if pid == 0 {
		return "/proc/self/" + name
	}
	return "/proc/" + strconv.Itoa(pid) + "/" + name
}

// MountPoint returns where the mount holding the open file fd is
// mounted, as /proc/self/mountinfo shows it; "" when it cannot tell.
func MountPoint(fd int) string {
	var stx unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx); err != nil || stx.Mask&unix.STATX_MNT_ID == 0 {
		return ""
	}
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	id := strconv.FormatUint(stx.Mnt_id, 10)
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[0] == id {
			return unescapeMount(f[4])
		}
	}
	return ""
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
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
