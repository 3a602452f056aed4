package execve

import (
	"fcap/model/cred"
	"fmt"
)

// Warnings lists what an administrator should not miss about an exec:
// that it fails, that file privileges are ignored, that ambient caps are
// lost, and suspicious file settings.
func Warnings(p cred.State, t Target, r Result) []string {
	var w []string
	add := func(format string, a ...any) { w = append(w, fmt.Sprintf(format, a...)) }
	setid := IsSetID(t.Mode)
	switch r.Err {
	case "EPERM":
		add("exec will FAIL with EPERM: the file's effective bit demands permitted caps the child cannot get: %s (missing from the bounding set or the inheritable set)", r.Dropped.Names())
	case "EINVAL":
		add("exec will FAIL with EINVAL: the file's capability xattr is malformed")
	}
	if t.NoSuid && (t.Caps != nil || setid) {
		add("the file's mount is nosuid: its capabilities and set-id bits are ignored")
	}
	if p.NoNewPrivs && !t.NoSuid && setid {
		add("no_new_privs is set: the file's set-id bits are ignored")
	}
	if p.NoNewPrivs && !t.NoSuid && t.Caps != nil && t.Caps.RootID == 0 && (t.Caps.Permitted|t.Caps.Inheritable)&^p.Permitted != 0 {
		add("no_new_privs is set: the child cannot gain file capabilities beyond the parent's permitted set")
	}
	if r.Err == "" && p.Ambient != 0 && r.Child.Ambient == 0 {
		add("ambient capabilities are cleared: %s", p.Ambient.Names())
	}
	if t.Mode&ModeSetuid != 0 && t.UID == 0 && t.Caps != nil {
		add("the file is setuid root and also has capabilities: for non-root callers the file capabilities limit what root would give")
	}
	if t.Caps != nil && t.Caps.RootID != 0 {
		add("the file's capabilities belong to a user namespace rooted at uid %d: they do not apply here", t.Caps.RootID)
	}
	return w
}
