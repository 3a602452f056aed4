package audit

import (
	"fcap/convert"
	"fcap/model"
	"fcap/model/execve"
	"fmt"
	"path"
	"strings"
)

// Severity ranks an audit finding.
type Severity int

// The severities, lowest first.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
)

var severityNames = [...]string{"info", "low", "medium", "high"}

// String returns "info", "low", "medium" or "high".
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText makes a Severity a JSON string.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads "info", "low", "medium" or "high" (any case).
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium or high)", s)
}

// Kinds of audit finding.
const (
	KindSetID         = "setid"           // a set-user-ID or set-group-ID executable
	KindCaps          = "caps"            // a file with capabilities
	KindWritable      = "writable"        // a privileged file a non-root user can change or replace
	KindUnreadable    = "unreadable-caps" // revision 1 or malformed: the kernel will not return it
	KindMalformed     = "malformed-caps"  // returned by the kernel but not a valid value
	KindForeignRootID = "foreign-rootid"  // revision 3 for another user namespace
	KindUnknownBits   = "unknown-bits"    // capabilities above the kernel's last one
)

// Finding is one problem audit reports about one file.
type Finding struct {
	Path     string
	Severity Severity
	Kind     string
	// Caps is the file's capabilities; nil when it has none or they
	// cannot be read.
	Caps *model.FileCaps
	// Mode is the permission bits, set-id bits included.
	Mode uint32
	// Owner and Group are the file's.
	Owner, Group ID
	Reason       string
	Fix          string
	// Expected, when set, is the baseline or drop-in entry that expects
	// the file as it is ("FILE:LINE"); Rated is then the severity the
	// rules gave before the finding became info.
	Expected string
	Rated    Severity
	// Baseline is the file's state against the expectations in use:
	// "" (none in use), BaselineNew, BaselineUnchanged, BaselineUpdated
	// or BaselineAbsent.
	Baseline string
}

// Input is what audit learned about one regular file.
type Input struct {
	Path string
	// Mode holds the permission bits, set-id bits included.
	Mode     uint32
	UID, GID uint32
	// Owner and Group name UID and GID when the user database knows them.
	Owner, Group string
	// NoSuid says the file's mount is nosuid: exec ignores its set-id
	// bits and its capabilities.
	NoSuid bool
	// Caps is the decoded security.capability; nil when there is none.
	Caps *model.FileCaps
	// CapsUnreadable says the attribute exists but the kernel refuses to
	// return it (revision 1 or malformed).
	CapsUnreadable bool
	// CapsMalformed is the decoding error of a value the kernel returned.
	CapsMalformed string
	// DirWritable says why a non-root user can replace the file's path
	// (a directory on the way is theirs or writable by them); "" if none.
	DirWritable string
}

// Rate rates one file: its set-id bits, its capabilities and who can
// change it. last is the running kernel's last capability.
func Rate(in Input, last model.Cap) []Finding {
	var out []Finding
	add := func(f *Finding) {
		if f != nil {
			f.Path, f.Mode, f.Caps = in.Path, in.Mode&0o7777, in.Caps
			f.Owner, f.Group = in.owner(), in.group()
			if in.NoSuid {
				ignoredOnNoSuid(f)
			}
			f.Rated = f.Severity
			out = append(out, *f)
		}
	}
	add(auditSetID(in))
	add(auditBadCaps(in))
	if in.Caps != nil {
		for _, f := range auditCaps(in, *in.Caps, last) {
			add(f)
		}
	}
	add(auditWritable(in))
	return out
}

func (in Input) owner() ID { return ID{N: in.UID, Name: in.Owner} }
func (in Input) group() ID { return ID{N: in.GID, Name: in.Group, Group: true} }

// ignoredOnNoSuid rates a finding on a nosuid mount: exec ignores the
// file's set-id bits and capabilities there, so nothing is granted.
func ignoredOnNoSuid(f *Finding) {
	f.Severity = SeverityInfo
	f.Reason = "on a nosuid mount, where exec ignores set-id bits and capabilities, so it grants nothing here: " + f.Reason
}

// auditSetID reports a set-id executable: the identity it gives and who
// may run it, with the conversion fcap convert knows for it.
func auditSetID(in Input) *Finding {
	if !execve.IsSetID(in.Mode) {
		return nil
	}
	name := path.Base(in.Path)
	runs, gain := whoRuns(in)
	f := &Finding{Kind: KindSetID, Severity: SeverityMedium,
		Reason: describeSetID(in) + ": " + runs,
		Fix:    setIDFix(name, in.Path)}
	switch w := FileWritable(in.Mode, in.owner(), in.group()); {
	case IsInterpreter(name) && gain:
		f.Severity = SeverityHigh
		f.Reason += "; " + name + " runs arbitrary code, so that identity is theirs to use"
		f.Fix = "chmod u-s,g-s " + in.Path
	case w != "":
		f.Severity = SeverityHigh
		f.Reason += "; the file is " + w
	case in.Mode&0o111 == 0:
		f.Severity = SeverityLow
	case !gain:
		f.Severity = SeverityInfo
	}
	return f
}

// describeSetID names the identity a set-id file gives: "setuid root",
// "setgid shadow", "setuid root + setgid root".
func describeSetID(in Input) string {
	var parts []string
	if in.Mode&execve.ModeSetuid != 0 {
		parts = append(parts, "setuid "+in.owner().String())
	}
	if execve.SetIDBits(in.Mode)&execve.ModeSetgid != 0 {
		parts = append(parts, "setgid "+in.group().String())
	}
	return strings.Join(parts, " + ")
}

// whoRuns says who may execute a set-id file and gets its identity, and
// whether anyone gains by it: running a file setuid to oneself, or
// setgid to a group one is a member of, changes nothing.
func whoRuns(in Input) (string, bool) {
	setuidOnly := execve.SetIDBits(in.Mode) == execve.ModeSetuid
	setgidOnly := execve.SetIDBits(in.Mode) == execve.ModeSetgid
	switch {
	case in.Mode&0o001 != 0 && in.Mode&0o010 == 0:
		return "every user who runs it, except members of group " + in.group().String() + ", gets that identity", true
	case in.Mode&0o001 != 0:
		return "every user who runs it gets that identity", true
	case in.Mode&0o010 != 0 && setgidOnly:
		return "only members of group " + in.group().String() + " may run it, and they already have that group", false
	case in.Mode&0o010 != 0:
		return "members of group " + in.group().String() + " who run it get that identity", true
	case in.Mode&0o100 != 0 && setuidOnly:
		return "only its owner " + in.owner().String() + " (and root) may run it, and they gain nothing", false
	case in.Mode&0o100 != 0:
		return "only its owner " + in.owner().String() + " may run it and get that identity", true
	}
	return "no one may execute it now", true
}

func setIDFix(name, p string) string {
	e, ok := convert.Lookup(name)
	switch {
	case ok && e.Refused():
		return "keep it if needed (" + name + " " + e.Reason + "); if unused, chmod u-s,g-s " + p
	case ok:
		return "fcap convert " + p + " (replaces it with " + e.Caps + ": " + name + " " + e.Reason + ")"
	}
	return "if it needs only some privileges, fcap convert --caps CAPS " + p + "; if unused, chmod u-s,g-s " + p
}

// auditBadCaps reports a capability value that cannot be inspected.
func auditBadCaps(in Input) *Finding {
	fix := "fcap remove " + in.Path + ", then set the intended capabilities with fcap set CAPS " + in.Path
	switch {
	case in.CapsUnreadable:
		return &Finding{Kind: KindUnreadable, Severity: SeverityHigh,
			Reason: "security.capability is present but the kernel will not return it (revision 1 or malformed): " +
				"exec of a malformed value fails with EINVAL, a revision-1 value still grants capabilities, and neither can be inspected",
			Fix: fix}
	case in.CapsMalformed != "":
		return &Finding{Kind: KindMalformed, Severity: SeverityHigh,
			Reason: "security.capability cannot be decoded: " + in.CapsMalformed, Fix: fix}
	}
	return nil
}

// auditCaps rates the capabilities of a file named in.Path.
func auditCaps(in Input, fc model.FileCaps, last model.Cap) []*Finding {
	var out []*Finding
	if extra := (fc.Permitted | fc.Inheritable) &^ model.UpTo(last); extra != 0 {
		out = append(out, &Finding{Kind: KindUnknownBits, Severity: SeverityInfo,
			Reason: fmt.Sprintf("capabilities %s are above this kernel's last capability %d and are ignored at exec (a newer kernel would grant them)", extra.Names(), last),
			Fix:    "fcap set with only the capabilities the program needs"})
	}
	if fc.RootID != 0 {
		return append(out, &Finding{Kind: KindForeignRootID, Severity: SeverityLow,
			Reason: fmt.Sprintf("revision-3 value for the user namespace whose root is uid %d: ignored here, granted only inside such a namespace", fc.RootID),
			Fix:    "if it should apply here, fcap set CAPS " + in.Path + "; otherwise fcap remove " + in.Path})
	}
	f := RateCaps(path.Base(in.Path), in.Path, fc, last)
	if in.Mode&0o111 == 0 && f.Severity > SeverityInfo {
		f.Severity--
		f.Reason += " (but no one may execute it now)"
	}
	return append(out, f)
}

// RateCaps rates the capabilities fc on a file called name at path p:
// high for a root-equivalent capability or any capability on an
// interpreter, shell, editor or pager; medium for capabilities with a
// wide impact (or a root-equivalent one the convert table expects for
// name); low otherwise; info for a value that grants nothing.
func RateCaps(name, p string, fc model.FileCaps, last model.Cap) *Finding {
	valid := model.UpTo(last)
	prm, inh := fc.Permitted&valid, fc.Inheritable&valid
	f := &Finding{Kind: KindCaps}
	switch {
	case prm == 0 && inh == 0:
		f.Severity, f.Reason = SeverityInfo, "an empty capability value: it grants nothing, but exec of the file clears the caller's ambient capabilities"
		f.Fix = "fcap remove " + p + " if it is not deliberate"
	case prm == 0:
		f.Severity, f.Reason = SeverityLow, "inheritable only ("+inh.Names()+"): granted only to callers that already hold them in their inheritable set"
		f.Fix = "none needed"
	case IsInterpreter(name):
		f.Severity = SeverityHigh
		f.Reason = name + " is an interpreter, shell, editor or pager: any code it runs gets " + whyCaps(prm)
		f.Fix = "fcap remove " + p + "; give the capability to a dedicated program (or a service's AmbientCapabilities=) instead"
	default:
		rateByCaps(f, name, p, prm)
	}
	return f
}

// rateByCaps rates a non-empty permitted set by its worst capability.
func rateByCaps(f *Finding, name, p string, prm model.Set) {
	high, medium := prm&HighRiskCaps, prm&MediumRiskCaps
	switch {
	case high|medium != 0 && expectedFor(name, high|medium):
		f.Severity = SeverityLow
		if high != 0 {
			f.Severity = SeverityMedium
		}
		f.Reason = whyCaps(high|medium) + "; expected for " + name + " (fcap convert's table), so verify it is the genuine program and only root can change it"
		f.Fix = "none needed if it is the genuine " + name
	case high != 0:
		f.Severity, f.Reason = SeverityHigh, whyCaps(high)+": whoever runs it can become root"
		f.Fix = "fcap remove " + p + ", or fcap set with only the capabilities the program needs"
	case medium != 0:
		f.Severity, f.Reason = SeverityMedium, whyCaps(medium)+": a wide impact on the system, though not a direct way to root"
		f.Fix = "check that " + name + " needs " + medium.Names() + "; otherwise fcap remove " + p
	default:
		f.Severity, f.Reason = SeverityLow, "ordinary capabilities ("+prm.Names()+"), limited to their purpose"
		f.Fix = "none needed; fcap remove " + p + " if unused"
	}
}

// expectedFor reports whether the convert table gives name every one of
// caps.
func expectedFor(name string, caps model.Set) bool {
	e, ok := convert.Lookup(name)
	if !ok || e.Refused() {
		return false
	}
	want, err := model.ParseText(e.Caps, model.MaxCap)
	return err == nil && caps&^want.Permitted == 0
}

// whyCaps lists s, with what each risky capability allows.
func whyCaps(s model.Set) string {
	var parts []string
	for _, c := range s.Caps() {
		if why, ok := capRisk[c]; ok {
			parts = append(parts, c.String()+" ("+why+")")
		} else {
			parts = append(parts, c.String())
		}
	}
	return strings.Join(parts, ", ")
}

// HighRiskCaps are root-equivalent on an executable: a user who can run
// code with one of them can become root or read and write anything.
var HighRiskCaps = model.SetOf(model.CapChown, model.CapDacOverride, model.CapDacReadSearch, model.CapFowner, capFsetid,
	model.CapSetgid, model.CapSetuid, model.CapSetpcap, model.CapSysModule, model.CapSysRawio, model.CapSysPtrace,
	model.CapSysAdmin, model.CapSysBoot, capMknod, model.CapSetfcap, capMacOverride, capMacAdmin, model.CapBpf)

// MediumRiskCaps have a wide impact on integrity or availability without
// being a direct way to root.
var MediumRiskCaps = model.SetOf(model.CapKill, capLinuxImmutable, model.CapNetAdmin, capIpcOwner,
	capSysChroot, capSysPacct, capSysTime, capAuditControl, capSyslog, capPerfmon,
	model.CapCheckpointRestore)

// More capability numbers, for the risk tables (unexported: caps.go
// holds the public ones).
const (
	capFsetid         model.Cap = 4
	capLinuxImmutable model.Cap = 9
	capIpcOwner       model.Cap = 15
	capSysChroot      model.Cap = 18
	capSysPacct       model.Cap = 20
	capSysTime        model.Cap = 25
	capMknod          model.Cap = 27
	capAuditControl   model.Cap = 30
	capMacOverride    model.Cap = 32
	capMacAdmin       model.Cap = 33
	capSyslog         model.Cap = 34
	capPerfmon        model.Cap = 38
)

// capRisk says in a few words what each risky capability allows.
var capRisk = map[model.Cap]string{
	model.CapChown: "chown any file, e.g. /etc/shadow", model.CapDacOverride: "read and write any file",
	model.CapDacReadSearch: "read any file, open_by_handle_at", model.CapFowner: "chmod any file",
	capFsetid: "keep set-id bits on modified files", model.CapSetgid: "switch to any gid",
	model.CapSetuid: "switch to uid 0", model.CapSetpcap: "raise inheritable capabilities, change securebits",
	model.CapSysModule: "load kernel modules", model.CapSysRawio: "raw I/O to memory and devices",
	model.CapSysPtrace: "trace and inject into any process", model.CapSysAdmin: "mount, namespaces and more: the new root",
	model.CapSysBoot: "reboot, kexec a new kernel", capMknod: "create device nodes",
	model.CapSetfcap: "give any file any capability", capMacOverride: "override mandatory access control",
	capMacAdmin: "change mandatory access control policy", model.CapBpf: "privileged BPF",
	model.CapKill: "signal any process", capLinuxImmutable: "clear immutable and append-only flags",
	model.CapNetAdmin: "configure interfaces, routes and firewalls", capIpcOwner: "bypass IPC permissions",
	capSysChroot: "chroot", capSysPacct: "configure process accounting", capSysTime: "set the clock",
	capAuditControl: "configure or disable auditing", capSyslog: "read the kernel log and addresses",
	capPerfmon: "trace the kernel and other processes", model.CapCheckpointRestore: "choose pids, read other processes' maps",
}

// interpreterNames are programs that run arbitrary code or commands given
// to them: any capability on them is anyone's. A trailing "*" matches
// any suffix (python3, python3.11).
var interpreterNames = []string{
	"python*", "pypy*", "perl*", "ruby*", "irb", "php*", "lua*", "tclsh*", "wish*", "guile*",
	"node", "nodejs", "deno", "bun", "java", "jshell", "expect", "gdb",
	"sh", "bash", "rbash", "dash", "ash", "zsh", "ksh*", "mksh", "csh", "tcsh", "fish", "busybox",
	"vi", "vim", "vim.*", "view", "rvim", "rview", "vimdiff", "nvim", "ex", "nano", "ed", "emacs*",
	"less", "more", "most", "pg", "man",
	"tar", "awk", "gawk", "mawk", "nawk", "sed", "find", "xargs", "env", "socat", "script", "strace",
}

// IsInterpreter reports whether a program called name is an interpreter,
// shell, editor, pager or another tool that runs code it is given.
func IsInterpreter(name string) bool {
	for _, p := range interpreterNames {
		if prefix, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(name, prefix) || p == name {
			return true
		}
	}
	return false
}

// auditWritable reports a privileged file (set-id or with capabilities)
// that a non-root user can write or replace.
func auditWritable(in Input) *Finding {
	if !execve.IsSetID(in.Mode) && in.Caps == nil && !in.CapsUnreadable && in.CapsMalformed == "" {
		return nil
	}
	var why, fix []string
	if w := FileWritable(in.Mode, in.owner(), in.group()); w != "" {
		why = append(why, "the file is "+w)
		fix = append(fix, fileWritableFix(in))
	}
	if in.DirWritable != "" {
		why = append(why, in.DirWritable)
		fix = append(fix, "make every directory on its path root-owned and not writable by group or others")
	}
	if len(why) == 0 {
		return nil
	}
	return &Finding{Kind: KindWritable, Severity: SeverityHigh,
		Reason: "a privileged file a non-root user can change or replace: " + strings.Join(why, "; "),
		Fix:    strings.Join(fix, "; ")}
}

// fileWritableFix says how to make a writable privileged file safe.
func fileWritableFix(in Input) string {
	if in.UID != 0 && in.Mode&0o200 != 0 {
		return "chown root " + in.Path + " && chmod go-w " + in.Path + " (chown clears set-id bits and capabilities: set them again afterwards)"
	}
	return "chmod go-w " + in.Path
}

// FileWritable says who other than root may write a file with this mode
// and ownership ("writable by its owner alice", "writable by group
// staff", "world-writable"), or "" when only root may.
func FileWritable(mode uint32, owner, group ID) string {
	switch {
	case owner.N != 0 && mode&0o200 != 0:
		return "writable by its owner " + owner.String()
	case group.N != 0 && mode&0o020 != 0:
		return "writable by group " + group.String()
	case mode&0o002 != 0:
		return "world-writable"
	}
	return ""
}

// DirReplaceable says why a non-root user may rename or delete an entry
// owned by entryUID in a directory with this mode and ownership ("owned
// by alice", "writable by group staff", "world-writable"), or "" when
// only root may. The sticky bit protects entries owned by root.
func DirReplaceable(mode uint32, owner, group ID, entryUID uint32) string {
	protected := mode&0o1000 != 0 && entryUID == 0
	switch {
	case owner.N != 0:
		return "owned by " + owner.String()
	case !protected && group.N != 0 && mode&0o020 != 0:
		return "writable by group " + group.String()
	case !protected && mode&0o002 != 0:
		return "world-writable"
	}
	return ""
}
