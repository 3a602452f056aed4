package explain

import (
	"fmt"

	"fcap/model/execve"
)

// warnings lists what an administrator should not miss: privileges the
// kernel ignores, ambient capabilities lost, scripts given capabilities,
// suspicious file settings.
func (r Report) warnings() []string {
	var w []string
	add := func(format string, a ...any) { w = append(w, fmt.Sprintf(format, a...)) }
	for _, s := range r.Program.Steps[:r.Result.Step] {
		if s.Format == execve.FormatScript && (s.File.Caps != nil || execve.IsSetID(s.File.Mode)) {
			add("%s is a script: the kernel ignores its own %s (only its interpreter's file counts)", s.Path, scriptPrivileges(s.File))
		}
	}
	if r.Result.Err != "" || r.Result.Undetermined() {
		return w
	}
	p, res, d := r.Parent.State, r.Result, r.Decider()
	t := d.File
	setid := execve.IsSetID(t.Mode)
	if r.Result.Step > 0 && t.Caps != nil && p.UserNS.OwnsRootID(t.Caps.RootID) {
		add("the interpreter %s has capabilities: every script it runs gets them, not only this one", d.Path)
	}
	if t.NoSuid && (t.Caps != nil || setid) {
		add("the file's mount is nosuid: its capabilities and set-id bits are ignored")
	}
	if p.NoNewPrivs && !t.NoSuid && setid {
		add("no_new_privs is set: the file's set-id bits are ignored")
	}
	if r.has("nnp-clamp") && t.Caps != nil {
		add("no_new_privs is set: the child cannot gain file capabilities beyond the parent's permitted set")
	}
	if p.Ambient != 0 && res.Child.Ambient == 0 {
		add("ambient capabilities are cleared: %s", p.Ambient.Names())
	}
	if t.Mode&execve.ModeSetuid != 0 && t.UID == 0 && t.Caps != nil {
		add("the file is setuid root and also has capabilities: for non-root callers the file capabilities limit what root would give")
	}
	if r.has("file-caps-foreign-rootid") {
		add("the file's capabilities belong to a user namespace rooted at uid %d: they do not apply here", t.Caps.RootID)
	}
	return w
}

// scriptPrivileges names what a script carries that the kernel ignores.
func scriptPrivileges(t execve.Target) string {
	switch {
	case t.Caps != nil && execve.IsSetID(t.Mode):
		return "capabilities and set-id bits"
	case t.Caps != nil:
		return "capabilities"
	}
	return "set-id bits"
}
