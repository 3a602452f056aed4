package model

import (
	"math/bits"
	"strconv"
	"strings"
)

// Cap is a capability number, 0 to 63.
type Cap uint8

// MaxCap is the highest capability number a 64-bit set can hold.
const MaxCap Cap = 63

// LastNamed is the highest capability that has a name (cap_checkpoint_restore).
const LastNamed Cap = 40

// Well-known capabilities used by fcap's own logic and tests.
const (
	CapChown             Cap = 0
	CapDacOverride       Cap = 1
	CapDacReadSearch     Cap = 2
	CapFowner            Cap = 3
	CapKill              Cap = 5
	CapSetgid            Cap = 6
	CapSetuid            Cap = 7
	CapSetpcap           Cap = 8
	CapNetBindService    Cap = 10
	CapNetAdmin          Cap = 12
	CapNetRaw            Cap = 13
	CapSysModule         Cap = 16
	CapSysRawio          Cap = 17
	CapSysPtrace         Cap = 19
	CapSysAdmin          Cap = 21
	CapSysBoot           Cap = 22
	CapSysResource       Cap = 24
	CapSetfcap           Cap = 31
	CapBpf               Cap = 39
	CapCheckpointRestore Cap = 40
)

var capNames = [...]string{
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
	"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
	"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
	"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
	"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
	"cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
	"cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
	"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
	"cap_checkpoint_restore",
}

// String returns the capability's libcap name ("cap_net_raw"), or its
// decimal number when it has no name.
func (c Cap) String() string {
	if int(c) < len(capNames) {
		return capNames[c]
	}
	return strconv.Itoa(int(c))
}

// LookupName finds a capability by its libcap name, ignoring case.
// It knows every named capability regardless of the running kernel.
func LookupName(name string) (Cap, bool) {
	for i, n := range capNames {
		if strings.EqualFold(n, name) {
			return Cap(i), true
		}
	}
	return 0, false
}

// Set is a 64-bit capability set: bit n stands for capability n.
type Set uint64

// SetOf returns the set holding exactly caps.
func SetOf(caps ...Cap) Set {
	var s Set
	for _, c := range caps {
		s |= 1 << c
	}
	return s
}

// UpTo returns the set of capabilities 0 to last, inclusive.
func UpTo(last Cap) Set {
	if last >= MaxCap {
		return ^Set(0)
	}
	return Set(1)<<(last+1) - 1
}

// Has reports whether c is in s.
func (s Set) Has(c Cap) bool { return s&(1<<c) != 0 }

// Caps lists the capabilities in s in ascending order.
func (s Set) Caps() []Cap {
	out := make([]Cap, 0, bits.OnesCount64(uint64(s)))
	for v := uint64(s); v != 0; v &= v - 1 {
		out = append(out, Cap(bits.TrailingZeros64(v)))
	}
	return out
}

// Names returns s as a comma-separated list of names ("cap_chown,cap_net_raw"),
// or "none" when s is empty.
func (s Set) Names() string {
	if s == 0 {
		return "none"
	}
	var b strings.Builder
	for i, c := range s.Caps() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c.String())
	}
	return b.String()
}

// List returns the names of the capabilities in s, in ascending order
// (an empty, non-nil slice for the empty set), for JSON.
func (s Set) List() []string {
	out := make([]string, 0, bits.OnesCount64(uint64(s)))
	for _, c := range s.Caps() {
		out = append(out, c.String())
	}
	return out
}

// Hex returns s as "0x%016x", the form fcap's JSON uses.
func (s Set) Hex() string {
	h := strconv.FormatUint(uint64(s), 16)
	return "0x" + strings.Repeat("0", 16-len(h)) + h
}
