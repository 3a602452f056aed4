package convert

import (
	"strings"
)

// Entry is one well-known set-id program: either the capabilities
// that replace its set-id bit, or why it cannot be converted.
type Entry struct {
	// Name is the program's file name, as installed ("ping").
	Name string
	// Caps is the capability text that replaces the set-id bit
	// ("cap_net_raw=ep"); empty when the program is refused.
	Caps string
	// Reason says why these capabilities suffice, or why the program
	// cannot do without a real identity change.
	Reason string
}

// Refused reports whether the program cannot be converted.
func (e Entry) Refused() bool { return e.Caps == "" }

// table lists the programs fcap convert knows, sorted by name.
// Sources: the distributions' maintainer scripts and spec files (Debian
// postinst, Fedora %caps, openSUSE permissions, NixOS wrappers).
var table = []Entry{
	{"arping", "cap_net_raw=ep", "sends ARP packets on a raw packet socket"},
	{"at", "", "queues jobs that later run under the caller's identity, which needs a real uid change"},
	{"chage", "", "reads /etc/shadow through its shadow group and checks the caller's identity"},
	{"chfn", "", "rewrites /etc/passwd, a root-owned file: only a real root identity (or root-equivalent capabilities) can"},
	{"chsh", "", "rewrites /etc/passwd, a root-owned file: only a real root identity (or root-equivalent capabilities) can"},
	{"clockdiff", "cap_net_raw=ep", "measures clock offsets with raw ICMP timestamp packets"},
	{"crontab", "", "writes the caller's crontab into a spool only its group may write, keyed by the real identity"},
	{"dbus-daemon-launch-helper", "", "starts system services under the user each is configured for: it needs a real identity change"},
	{"doas", "", "runs commands as another user: it needs a real identity change, which file capabilities cannot give"},
	{"dotlockfile", "", "creates lock files in the mail spool through its mail group: the group identity is the point"},
	{"dumpcap", "cap_net_admin,cap_net_raw=ep", "captures packets (raw sockets) and sets interfaces promiscuous (net_admin)"},
	{"expiry", "", "reads /etc/shadow through its shadow group and checks the caller's identity"},
	{"fping", "cap_net_raw=ep", "sends ICMP echo requests on a raw socket"},
	{"fusermount", "", "mounts filesystems (cap_sys_admin, root-equivalent) and checks the caller's real identity"},
	{"fusermount3", "", "mounts filesystems (cap_sys_admin, root-equivalent) and checks the caller's real identity"},
	{"gpasswd", "", "rewrites /etc/group and /etc/gshadow, root-owned files: only a real root identity can"},
	{"gst-ptp-helper", "cap_net_admin,cap_net_bind_service=ep", "binds the PTP ports 319 and 320 (net_bind_service) and joins multicast groups (net_admin)"},
	{"ksu", "", "runs commands as another user: it needs a real identity change, which file capabilities cannot give"},
	{"mount", "", "mounts filesystems (cap_sys_admin, root-equivalent) and checks the caller's real identity"},
	{"mtr-packet", "cap_net_raw=ep", "sends probes on raw sockets"},
	{"newgidmap", "cap_setgid=ep", "writes another process's gid_map, which needs only cap_setgid"},
	{"newgrp", "", "starts a shell with another group identity: it needs a real identity change"},
	{"newuidmap", "cap_setuid=ep", "writes another process's uid_map, which needs only cap_setuid"},
	{"ntfs-3g", "", "mounts filesystems (cap_sys_admin, root-equivalent) and opens block devices"},
	{"passwd", "", "rewrites /etc/shadow, a root-owned file: only a real root identity (or root-equivalent capabilities) can"},
	{"ping", "cap_net_raw=ep", "sends ICMP echo requests on a raw socket"},
	{"ping6", "cap_net_raw=ep", "sends ICMPv6 echo requests on a raw socket"},
	{"pkexec", "", "runs commands as another user: it needs a real identity change, which file capabilities cannot give"},
	{"polkit-agent-helper-1", "", "authenticates users through PAM, which reads /etc/shadow and checks the caller's real identity"},
	{"sg", "", "runs a command with another group identity: it needs a real identity change"},
	{"ssh-agent", "", "is set-group-ID so that other processes of the user cannot trace it: the group identity is the point"},
	{"ssh-keysign", "", "reads the host's private keys as root, an identity check capabilities cannot express"},
	{"su", "", "runs a shell as another user: it needs a real identity change, which file capabilities cannot give"},
	{"sudo", "", "runs commands as another user: it needs a real identity change, which file capabilities cannot give"},
	{"sudoedit", "", "edits files as another user: it needs a real identity change, which file capabilities cannot give"},
	{"tcptraceroute", "cap_net_raw=ep", "sends TCP probes on a raw socket"},
	{"traceroute6", "cap_net_raw=ep", "sends probes on a raw socket"},
	{"umount", "", "unmounts filesystems (cap_sys_admin, root-equivalent) and checks the caller's real identity"},
	{"unix_chkpwd", "", "reads /etc/shadow through its shadow group for PAM; keep it set-group-ID shadow"},
	{"userhelper", "", "runs commands as another user: it needs a real identity change, which file capabilities cannot give"},
	{"utempter", "", "writes the utmp and wtmp records through its utmp group: the group identity is the point"},
	{"wall", "", "writes to other users' terminals through the tty group: the group identity is the point"},
	{"write", "", "writes to another user's terminal through the tty group: the group identity is the point"},
	{"Xorg", "", "needs raw I/O, VT and DRM-master powers of root; rootless Xorg via logind is the replacement"},
	{"Xorg.wrap", "", "needs raw I/O, VT and DRM-master powers of root; rootless Xorg via logind is the replacement"},
}

// Lookup finds the table entry for a program by its file name
// (not a path). A name with a dotted suffix, such as Debian's
// "traceroute6.iputils", matches the entry for the part before the dot
// when there is no entry for the whole name.
func Lookup(name string) (Entry, bool) {
	if e, ok := lookupExact(name); ok {
		return e, true
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return lookupExact(name[:i])
	}
	return Entry{}, false
}

func lookupExact(name string) (Entry, bool) {
	for _, e := range table {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}
