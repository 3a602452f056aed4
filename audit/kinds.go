package audit

// KindInfo describes a kind of finding, for reports that list their rules
// (SARIF).
type KindInfo struct {
	Kind    string
	Title   string // a few words
	Summary string // one sentence
}

// Kinds describes every kind of finding.
var Kinds = []KindInfo{
	{KindSetID, "Set-id executable",
		"A set-user-ID or set-group-ID program gives whoever may run it the file's owner or group: often more than it needs, where a few capabilities would do."},
	{KindCaps, "File capabilities",
		"The program gets these capabilities at exec: root-equivalent ones, or any on an interpreter, let its user become root."},
	{KindWritable, "Privileged file others can change",
		"A set-id or capability file that a non-root user can write, or replace through a directory on its path."},
	{KindUnreadable, "Unreadable capability value",
		"security.capability is present but the kernel will not return it (revision 1 or malformed), so it cannot be inspected."},
	{KindMalformed, "Malformed capability value",
		"The kernel returned a security.capability value that is not valid."},
	{KindForeignRootID, "Capabilities for another user namespace",
		"A revision-3 value whose capabilities apply only inside a user namespace with that root."},
	{KindUnknownBits, "Capabilities unknown to this kernel",
		"Capabilities above this kernel's last one, ignored until a newer kernel grants them."},
	{KindMissing, "Expected privilege missing",
		"A baseline or drop-in expects capabilities or set-id bits the file no longer has."},
}
