package main

import (
	"fmt"
	"io"
	"strings"

	"fcap/explain"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
)

// printExplain writes the human report: the verdict, the inputs, a
// before → after table, the rules in order, fixes and warnings.
func printExplain(w io.Writer, ex explain.Report, expect *explain.Expectation) {
	fmt.Fprintf(w, "%s\n", ex.Verdict)
	if expect != nil {
		printExpect(w, ex, *expect)
	}
	fmt.Fprintf(w, "\nparent:  %s\n", ex.Parent.Who)
	fmt.Fprintf(w, "         %s\n", stateIDs(ex.Parent.State))
	printFiles(w, ex)
	for _, n := range ex.Notes() {
		fmt.Fprintf(w, "note:    %s\n", n)
	}
	fmt.Fprintln(w)
	res := ex.Result
	switch {
	case res.Undetermined():
		fmt.Fprintln(w, "exec outcome undetermined; it")
		for _, o := range res.Possible {
			fmt.Fprintf(w, "  %-9s if %s\n", cmp(o.Err, "succeeds"), o.If)
		}
	case res.Err != "":
		fmt.Fprintf(w, "exec fails: %s\n", res.Err)
	default:
		printStateTable(w, ex.Parent.State, res.Child, ex.Last)
	}
	fmt.Fprintln(w, "\nrules applied:")
	for i, r := range res.Rules {
		fmt.Fprintf(w, "  %2d. %-24s %s\n", i+1, r.Name, r.Detail)
	}
	if len(ex.Fixes)+len(ex.Warnings) > 0 {
		fmt.Fprintln(w)
	}
	for _, f := range ex.Fixes {
		fmt.Fprintf(w, "fix (%s): %s\n", f.Rule, f.Text)
	}
	for _, msg := range ex.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", msg)
	}
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// printExpect says whether the --expect expectation is met.
func printExpect(w io.Writer, ex explain.Report, e explain.Expectation) {
	if miss := ex.Missing(e); miss != 0 {
		fmt.Fprintf(w, "expectation NOT met: the child lacks %s in its %s set\n", miss.Names(), e.SetName())
		return
	}
	fmt.Fprintf(w, "expectation met: the child has %s in its %s set\n", e.Caps.Names(), e.SetName())
}

// stateIDs writes every id of a state.
func stateIDs(s cred.State) string {
	return fmt.Sprintf("uid %d/%d/%d/%d, gid %d/%d/%d/%d (real/effective/saved/fs), groups %s",
		s.UID, s.EUID, s.SUID, s.FSUID, s.GID, s.EGID, s.SGID, s.FSGID, groupList(s.Groups))
}

// groupList writes gids as a comma list ("none" for none), for explain
// and ps.
func groupList(g []uint32) string {
	if len(g) == 0 {
		return "none"
	}
	return strings.Trim(strings.Join(strings.Fields(fmt.Sprint(g)), ","), "[]")
}

// printFiles writes each file exec opens: the path, then each script's
// interpreter.
func printFiles(w io.Writer, ex explain.Report) {
	steps := ex.Program.Steps
	if ex.StoppedBeforeExec() {
		fmt.Fprintf(w, "file:    %s\n         not examined: the runtime or systemd fails before exec\n", execve.ShowPath(steps[0].Path))
		return
	}
	for i, s := range steps {
		label := "file:    "
		if i > 0 {
			label = "         "
		}
		num := ""
		if len(steps) > 1 {
			num = fmt.Sprintf("%d. ", i+1)
		}
		fmt.Fprintf(w, "%s%s%s\n", label, num, stepHeading(s))
		fmt.Fprintf(w, "         %s%s\n", strings.Repeat(" ", len(num)), describeStep(s, i < ex.Result.Step, ex.Last))
	}
}

// stepHeading is a step's path, and where symlinks led.
func stepHeading(s execve.Step) string {
	if r := s.Lookup.Resolved; r != "" && r != s.Path {
		return fmt.Sprintf("%s → %s", execve.ShowPath(s.Path), execve.ShowPath(r))
	}
	return execve.ShowPath(s.Path)
}

// describeStep writes what exec learns of one file; ignored marks a
// script's file, whose capabilities and set-id bits the kernel ignores.
func describeStep(s execve.Step, ignored bool, last model.Cap) string {
	if s.Lookup.Err != "" {
		return fmt.Sprintf("not found: %s (%s)", s.Lookup.ErrDetail, s.Lookup.Err)
	}
	t := s.File
	kind := s.Format.String()
	if s.Format == execve.FormatScript && s.Shebang.Bad == "" {
		kind = fmt.Sprintf("script for %q", s.Shebang.Interp)
	}
	if s.Loader != nil {
		kind += " (loader " + execve.ShowPath(s.Loader.Path) + ")"
	}
	if t.Mode&0o170000 != 0o100000 {
		kind = "not a regular file"
	}
	caps := describeCaps(t, last)
	if ignored {
		caps += " (ignored by the kernel: a script is run by its interpreter)"
	}
	mount := []string{"suid", "exec"}
	if t.NoSuid {
		mount[0] = "nosuid"
	}
	if t.NoExec {
		mount[1] = "noexec"
	}
	acl := ""
	if t.ACL != nil {
		acl = ", ACL " + t.ACL.String()
	}
	return fmt.Sprintf("%s; %s; mode %04o, owner %d:%d%s; mount %s", kind, caps, t.Mode&0o7777, t.UID, t.GID, acl, strings.Join(mount, ","))
}

// describeCaps writes a file's capabilities, or what is wrong with them.
func describeCaps(t execve.Target, last model.Cap) string {
	switch t.CapsProblem {
	case execve.CapsMalformed:
		return "a malformed capability value"
	case execve.CapsTooLong:
		return "a capability value longer than 24 bytes"
	case execve.CapsUnreadable:
		return "a capability value getxattr refuses to return (unreadable)"
	}
	switch {
	case t.Caps == nil:
		return "no capabilities"
	case t.Caps.RootID == cred.InvalidID:
		return "a revision-3 capability value whose rootid is 4294967295 (getxattr: EOVERFLOW)"
	}
	caps := fmt.Sprintf("capabilities %s (revision %d", t.Caps.Caps().Format(last), t.Caps.Revision)
	if t.Caps.RootID != 0 {
		caps += fmt.Sprintf(", rootid %d", t.Caps.RootID)
	}
	return caps + ")"
}

func printStateTable(w io.Writer, before, after cred.State, last model.Cap) {
	row := func(name, b, a string) {
		mark := ""
		if a != b {
			mark = "  *"
		}
		fmt.Fprintf(w, "  %-12s %-30s → %s%s\n", name, b, a, mark)
	}
	ids := func(r, e uint32) string { return fmt.Sprintf("%d/%d", r, e) }
	fmt.Fprintf(w, "  %-12s %-30s   %s\n", "", "before", "after exec")
	row("uid/euid", ids(before.UID, before.EUID), ids(after.UID, after.EUID))
	row("gid/egid", ids(before.GID, before.EGID), ids(after.GID, after.EGID))
	if ns := before.UserNS; ns != nil {
		row("in userns", nsIDs(ns, before), nsIDs(ns, after))
	}
	sets := []struct {
		name string
		b, a model.Set
	}{
		{"inheritable", before.Inheritable, after.Inheritable},
		{"permitted", before.Permitted, after.Permitted},
		{"effective", before.Effective, after.Effective},
		{"ambient", before.Ambient, after.Ambient},
		{"bounding", before.Bounding, after.Bounding},
	}
	for _, s := range sets {
		row(s.name, s.b.Describe(last), s.a.Describe(last))
	}
	row("securebits", before.Securebits.String(), after.Securebits.String())
	row("no_new_privs", fmt.Sprint(before.NoNewPrivs), fmt.Sprint(after.NoNewPrivs))
}

// nsIDs writes uid/euid gid/egid as the namespace sees them.
func nsIDs(ns *cred.UserNS, s cred.State) string {
	in := func(id uint32, m func(uint32) (uint32, bool)) string {
		if v, ok := m(id); ok {
			return fmt.Sprint(v)
		}
		return "unmapped"
	}
	return fmt.Sprintf("uid %s/%s gid %s/%s", in(s.UID, ns.UID), in(s.EUID, ns.UID), in(s.GID, ns.GID), in(s.EGID, ns.GID))
}
