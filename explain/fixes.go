package explain

import (
	"fmt"
	"strings"

	"fcap/host"
	"fcap/model"
	"fcap/model/execve"
)

// Fix is a way to get what an exec lacks, tied to the rule that fired.
type Fix struct {
	// Rule is the name of the rule (execve.Rule.Name) it answers.
	Rule string
	// Text says what to do, with commands where there are some.
	Text string
}

// fixes suggests a way out of each classic failure the report shows.
func (r Report) fixes() []Fix {
	var out []Fix
	add := func(rule, format string, a ...any) {
		out = append(out, Fix{Rule: rule, Text: fmt.Sprintf(format, a...)})
	}
	d := r.Decider()
	for _, rule := range r.Result.Rules {
		if text := r.fixFor(rule.Name, d); text != "" {
			add(rule.Name, "%s", text)
		}
	}
	if f := r.scriptFix(); f != "" {
		add("script", "%s", f)
	}
	if f := r.portFix(d); f != "" {
		add("file-caps", "%s", f)
	}
	return out
}

// fixFor answers one rule; "" when it calls for nothing.
func (r Report) fixFor(rule string, d execve.Step) string {
	file := d.Path
	switch rule {
	case "eperm-bounding":
		caps := r.Result.Dropped.Names()
		return fmt.Sprintf("the file's effective bit demands %s, which the bounding set lacks: set the capabilities without it (`fcap set %s=p %s`) and have the program raise what it needs (it then runs without %s instead of failing), or add %s to the bounding set where the parent is made (a container's --cap-add, a unit's CapabilityBoundingSet=)",
			caps, permittedNames(d.File), file, caps, caps)
	case "nnp-clamp", "setid-ignored-nnp":
		return "no_new_privs keeps file capabilities and set-id bits from raising privileges: drop it where it is set (Docker --security-opt no-new-privileges, Kubernetes allowPrivilegeEscalation: false, systemd NoNewPrivileges=yes) or hand the capability down as an ambient capability, which no_new_privs lets through (systemd AmbientCapabilities=, setpriv --ambient-caps)"
	case "file-caps-ignored-nosuid", "setid-ignored-nosuid":
		return fmt.Sprintf("the mount holding %s is nosuid, which ignores capabilities and set-id bits: remount it with suid (%s) or move the file to a mount without nosuid", file, remount(r.mountOf(r.Result.Step), "suid"))
	case "noexec":
		return fmt.Sprintf("nothing on a noexec mount runs: remount it with exec (%s) or move %s to another mount", remount(r.mountOf(r.Result.Step), "exec"), file)
	case "file-caps-foreign-rootid":
		return fmt.Sprintf("the capabilities were written for a user namespace whose root is uid %d (revision 3); to make them apply everywhere, rewrite them as revision 2 from the initial namespace: `fcap set %s %s`", d.File.Caps.RootID, d.File.Caps.Caps().Format(r.Last), file)
	case "file-caps-invalid", "file-caps-too-long", "file-caps-unreadable":
		return fmt.Sprintf("rewrite the value so that every tool and the kernel read it alike: `fcap remove %s`, then `fcap set CAPS %s`", file, file)
	case "exec-denied":
		return fmt.Sprintf("give the caller execute permission on %s: `chmod o+x %s`, or make it the owner or a member of group %d with `chmod g+x`", file, file, d.File.GID)
	case "search-denied":
		return fmt.Sprintf("the caller must be allowed to search every directory on the way: `chmod o+x %s`, or make it a member of the directory's group", r.Result.Where)
	case "lookup-failed":
		if strings.HasSuffix(d.Path, "\r") {
			return "the #! line ends in a carriage return: convert the script to Unix line endings (`sed -i 's/\\r$//' SCRIPT` or dos2unix)"
		}
	case "loader-missing":
		return fmt.Sprintf("the binary was linked for a system whose dynamic loader is %s (a glibc binary in a musl image, or the reverse, fails so): install that loader where the program runs, or build the program statically", d.Loader.Path)
	case "script-no-interpreter":
		return "name the interpreter on the #! line (`#!/bin/sh`)"
	case "exec-depth":
		return "point the first script's #! line at the final interpreter instead of at another script"
	case "unknown-format":
		return "give the file a #! line naming its interpreter; only shells fall back to running such a file with /bin/sh"
	case "ambient-cleared":
		if d.File.Caps != nil {
			return fmt.Sprintf("a file with capabilities, even empty ones, clears the ambient set: remove them (`fcap remove %s`) if the ambient capabilities should pass", file)
		}
	}
	return ""
}

// scriptFix answers capabilities or set-id bits put on a script.
func (r Report) scriptFix() string {
	s := r.Program.Steps[0]
	if s.Format != execve.FormatScript || (s.File.Caps == nil && !execve.IsSetID(s.File.Mode)) {
		return ""
	}
	return fmt.Sprintf("the kernel ignores the %s of a script: start %s from a small compiled launcher that raises what it needs as ambient capabilities, or with systemd's AmbientCapabilities= (or setpriv --ambient-caps); do not put them on the interpreter, which would give them to every script it runs",
		scriptPrivileges(s.File), s.Path)
}

// portFix offers the sysctl alternative when cap_net_bind_service is
// asked for and not obtained.
func (r Report) portFix(d execve.Step) string {
	if d.File.Caps == nil || !d.File.Caps.Permitted.Has(model.CapNetBindService) {
		return ""
	}
	res := r.Result
	if res.Err == "" && !res.Undetermined() && res.Child.Effective.Has(model.CapNetBindService) {
		return ""
	}
	now := ""
	if r.Program.Mounts != nil && r.Program.Mounts[0] != "" {
		if n, err := host.Sysctl("net.ipv4.ip_unprivileged_port_start"); err == nil {
			now = fmt.Sprintf(" (here now: %d)", n)
		}
	}
	return "cap_net_bind_service only lets a program bind ports below 1024; without any capability, `sysctl net.ipv4.ip_unprivileged_port_start=PORT` lets every program bind ports from PORT up" + now
}

// permittedNames lists the file's permitted capabilities for a command.
func permittedNames(t execve.Target) string {
	if t.Caps == nil {
		return "CAPS"
	}
	return t.Caps.Permitted.Names()
}

// mountOf returns where step i's file is mounted, "" when unknown.
func (r Report) mountOf(i int) string {
	if i < len(r.Program.Mounts) {
		return r.Program.Mounts[i]
	}
	return ""
}

// remount writes the remount command for a mount point, if known.
func remount(mnt, opt string) string {
	if mnt == "" {
		return "`mount -o remount," + opt + " MOUNTPOINT`"
	}
	return fmt.Sprintf("`mount -o remount,%s %s`", opt, mnt)
}
