package execve

import (
	"fcap/model"
	"fcap/model/cred"
	"fmt"
	"slices"
	"strings"
)

// Rule is one step of the transform that applied, for explaining it.
type Rule struct {
	// Name is a stable kebab-case id, such as "setuid" or "nnp-clamp".
	Name string
	// Detail says in one line why, with the concrete caps and ids.
	Detail string
}

// Result is the outcome of an exec.
type Result struct {
	// Err is "" when exec succeeds (or when the outcome is undetermined,
	// see Possible), otherwise the errno it fails with: "EPERM",
	// "EINVAL", "ERANGE", "EACCES", "ENOENT", "ENOTDIR", "ENOEXEC",
	// "ELOOP", "ENAMETOOLONG", or for a broken program interpreter "EIO"
	// or "ELIBBAD".
	Err string
	// Why says in one sentence why exec fails; "" when it does not.
	Why string
	// Where is the path of the file or directory that refused access
	// (EACCES); "" otherwise.
	Where string
	// Step is the index, in the Program given to Run, of the file that
	// decided: the one whose open or format failed, or the binary whose
	// credentials rules applied. Predict leaves it 0.
	Step int
	// Possible lists what exec may do when the outcome cannot be known
	// (the file's capability value cannot be read); Err is "" and Child
	// is not valid then.
	Possible []Outcome
	// Child is the new credentials; valid when Err is "" and Possible is
	// empty.
	Child cred.State
	// Rules lists the rules that applied, in order.
	Rules []Rule
	// Dropped holds, for EPERM, the file's permitted capabilities the
	// child would not get.
	Dropped model.Set
	// Secure is AT_SECURE, the "privilege-elevating exec" flag the
	// dynamic loader and libc honour.
	Secure bool
}

// Undetermined reports whether the outcome cannot be known.
func (r Result) Undetermined() bool { return len(r.Possible) > 0 }

// Outcome is one thing an undetermined exec may do.
type Outcome struct {
	// Err is "" for success, else the errno.
	Err string
	// If says when this outcome happens.
	If string
}

// Predict applies the credential rules of execve to a process in state
// p executing the binary t (for a script, the final interpreter), on a
// kernel whose last capability is lastCap, as Linux 6.17 and later do it
// (fs/exec.c bprm_fill_uid, security/commoncap.c
// cap_bprm_creds_from_file): the new ids and five sets, or EPERM,
// EINVAL or ERANGE. Opening the file (permissions, EACCES) and its
// format are Run's part.
//
// p must pass p.Check(lastCap); its user namespace is honoured (who is
// root, which rootids apply, which set-id owners are mapped). It assumes
// the file's filesystem belongs to the initial user namespace and is not
// on an idmapped mount, that the process is not ptraced and does not
// share its fs_struct with another process (CLONE_FS), and that no LSM
// other than capabilities intervenes.
func Predict(p cred.State, t Target, lastCap model.Cap) Result {
	e := &execution{p: p, t: t, lastCap: lastCap}
	e.rootUID, e.rootMapped = p.UserNS.RootUID()
	e.run()
	return e.r
}

// execution carries the transform's intermediate values: new is the child
// credentials being built, the rest are the kernel's local flags.
type execution struct {
	p       cred.State
	t       Target
	lastCap model.Cap

	new        cred.State
	rootUID    uint32 // the kernel uid of root in the process's namespace
	rootMapped bool   // whether it has a root at all
	effective  bool   // the new effective set is the whole permitted set
	hasFcap    bool   // the file has capabilities that apply
	idChanged  bool
	r          Result
}

func (e *execution) rule(name, format string, args ...any) {
	e.r.Rules = append(e.r.Rules, Rule{Name: name, Detail: fmt.Sprintf(format, args...)})
}

func (e *execution) fail(errno, why string) {
	e.r.Err, e.r.Why = errno, why
	e.r.Child = cred.State{}
}

// isRoot reports whether kernel uid u is root in the process's namespace.
func (e *execution) isRoot(u uint32) bool { return e.rootMapped && u == e.rootUID }

func (e *execution) run() {
	e.new = e.p
	e.new.Groups = slices.Clone(e.p.Groups)
	e.setIDs()
	if !e.fileCaps() {
		return
	}
	e.privilegedRoot()
	e.noSetuidFixup()
	e.checkIDChanged()
	e.clamp()
	e.new.SUID, e.new.FSUID = e.new.EUID, e.new.EUID
	e.new.SGID, e.new.FSGID = e.new.EGID, e.new.EGID
	e.ambient()
	e.effectiveSet()
	e.keepCaps()
	e.secureExec()
	e.r.Child = e.new
}

// setIDs applies the set-user-ID and set-group-ID bits (bprm_fill_uid).
func (e *execution) setIDs() {
	mode := e.t.Mode
	if mode&(ModeSetuid|ModeSetgid) == 0 {
		return
	}
	_, uidMapped := e.p.UserNS.UID(e.t.UID)
	_, gidMapped := e.p.UserNS.GID(e.t.GID)
	switch {
	case e.t.NoSuid:
		e.rule("setid-ignored-nosuid", "the mount is nosuid: set-user-ID/set-group-ID bits (mode %04o) ignored", mode&0o7777)
		return
	case e.p.NoNewPrivs:
		e.rule("setid-ignored-nnp", "no_new_privs is set: set-user-ID/set-group-ID bits (mode %04o) ignored", mode&0o7777)
		return
	case !uidMapped || !gidMapped:
		e.rule("setid-ignored-unmapped", "the file's owner %d or group %d is not mapped in the caller's user namespace: set-user-ID/set-group-ID bits (mode %04o) ignored", e.t.UID, e.t.GID, mode&0o7777)
		return
	}
	if mode&ModeSetuid != 0 {
		e.new.EUID = e.t.UID
		e.rule("setuid", "set-user-ID file owned by uid %d: euid %d → %d", e.t.UID, e.p.EUID, e.t.UID)
	}
	switch {
	case setgidApplies(mode):
		e.new.EGID = e.t.GID
		e.rule("setgid", "set-group-ID file with group %d: egid %d → %d", e.t.GID, e.p.EGID, e.t.GID)
	case mode&ModeSetgid != 0:
		e.rule("setgid-no-group-exec", "set-group-ID bit without group execute marks mandatory locking, not set-group-ID: egid stays %d", e.p.EGID)
	}
}

// fileCaps computes pP' from the file's capabilities (get_file_caps,
// get_vfs_caps_from_disk and bprm_caps_from_vfs_caps). It reports false
// when exec fails or its outcome cannot be known.
func (e *execution) fileCaps() bool {
	e.new.Permitted = 0
	f := e.t.Caps
	switch {
	case e.t.NoSuid:
		if f != nil || e.t.CapsProblem != CapsOK {
			e.rule("file-caps-ignored-nosuid", "the mount is nosuid: the file's security.capability is not read")
		}
		return true
	case e.t.CapsProblem == CapsMalformed:
		e.rule("file-caps-invalid", "the file's security.capability value is malformed (an unknown revision, or a size that does not fit its revision): exec fails with EINVAL")
		e.fail("EINVAL", "the file's security.capability value is malformed")
		return false
	case e.t.CapsProblem == CapsTooLong:
		e.rule("file-caps-too-long", "the file's security.capability value is longer than 24 bytes: exec fails with ERANGE")
		e.fail("ERANGE", "the file's security.capability value is longer than 24 bytes, the largest the kernel reads")
		return false
	case e.t.CapsProblem == CapsUnreadable:
		e.rule("file-caps-unreadable", "the file has a security.capability value that getxattr refuses to return: its bytes, and so the outcome, cannot be known")
		e.r.Possible = e.unreadableOutcomes()
		return false
	case f == nil:
		e.rule("no-file-caps", "the file has no security.capability: no file capabilities")
		return true
	case f.RootID == cred.InvalidID:
		e.rule("file-caps-rootid-invalid", "revision-3 rootid 4294967295 is no valid uid: file capabilities ignored as if absent")
		return true
	case !e.p.UserNS.OwnsRootID(f.RootID):
		e.rule("file-caps-foreign-rootid", "revision-3 rootid %d is not the root of the caller's user namespace or of one above it: file capabilities ignored as if absent", f.RootID)
		return true
	case f.RootID != 0:
		e.rule("file-caps-rootid", "revision-3 rootid %d is the root of the caller's user namespace or of one above it: the capabilities apply", f.RootID)
	}
	return e.applyFileCaps(*f)
}

// unreadableOutcomes lists what exec may do with a value fcap cannot read.
func (e *execution) unreadableOutcomes() []Outcome {
	out := []Outcome{{If: "it is a revision-1 value, or one with unknown flag bits: exec uses its capabilities, which fcap cannot see"}}
	if lack := model.UpTo(e.lastCap) &^ e.p.Bounding; lack != 0 {
		out = append(out, Outcome{Err: "EPERM", If: fmt.Sprintf("it has the effective bit and a permitted capability the bounding set lacks (%s) and the inheritable set does not grant", lack.Describe(e.lastCap))})
	}
	return append(out,
		Outcome{Err: "EINVAL", If: "it is malformed: an unknown revision, or a size that does not fit its revision"},
		Outcome{Err: "ERANGE", If: "it is longer than 24 bytes"})
}

// applyFileCaps sets pP' = (X & fP) | (pI & fI) and applies the EPERM
// rule for capability-dumb binaries.
func (e *execution) applyFileCaps(f model.FileCaps) bool {
	valid := model.UpTo(e.lastCap)
	fP, fI := f.Permitted&valid, f.Inheritable&valid
	if over := (f.Permitted | f.Inheritable) &^ valid; over != 0 {
		e.rule("file-caps-masked", "bits above the last capability %d (%s) are ignored", e.lastCap, over.Hex())
	}
	e.hasFcap, e.effective = true, f.Effective
	e.new.Permitted = (e.p.Bounding & fP) | (e.p.Inheritable & fI)
	e.rule("file-caps", "pP' = (X & fP) | (pI & fI) = (%s & %s) | (%s & %s) = %s; file effective bit %s",
		e.p.Bounding.Describe(e.lastCap), fP.Describe(e.lastCap), e.p.Inheritable.Describe(e.lastCap), fI.Describe(e.lastCap), e.new.Permitted.Describe(e.lastCap), onOff(f.Effective))
	missing := fP &^ e.new.Permitted
	switch {
	case missing == 0:
		return true
	case !f.Effective:
		e.rule("file-caps-partial", "no effective bit, so exec goes on without file permitted %s (neither in the bounding set nor granted through inheritable)", missing.Describe(e.lastCap))
		return true
	}
	e.r.Dropped = missing
	e.rule("eperm-bounding", "the file has the effective bit but would not get %s (neither in the bounding set nor granted through inheritable): exec fails with EPERM", missing.Describe(e.lastCap))
	e.fail("EPERM", fmt.Sprintf("the bounding set lacks %s, which the file's effective bit demands", missing.Names()))
	return false
}

// privilegedRoot applies the root rules (handle_privileged_root); root
// is uid 0 of the caller's user namespace.
func (e *execution) privilegedRoot() {
	euid0, ruid0 := e.isRoot(e.new.EUID), e.isRoot(e.p.UID)
	if !euid0 && !ruid0 {
		return
	}
	if e.p.Securebits&cred.SecbitNoroot != 0 {
		e.rule("secure-noroot", "SECURE_NOROOT is set: root gets no capabilities for being root")
		return
	}
	if e.hasFcap && euid0 && !ruid0 {
		e.rule("setuid-root-file-caps", "set-user-ID-root file with file capabilities run by uid %d: only the file capabilities apply", e.p.UID)
		return
	}
	e.new.Permitted = e.p.Bounding | e.p.Inheritable
	who := "the real uid is root"
	if euid0 {
		who = "the effective uid is root"
	}
	if e.p.UserNS != nil {
		who += fmt.Sprintf(" (uid 0 of its user namespace, kernel uid %d)", e.rootUID)
	}
	e.rule("root-privileged", "%s: file sets treated as full, pP' = X | pI = %s", who, e.new.Permitted.Describe(e.lastCap))
	if euid0 {
		e.effective = true
		e.rule("root-effective", "euid is root: the effective set will be the whole permitted set")
	}
}

// noSetuidFixup explains that SECURE_NO_SETUID_FIXUP plays no part.
func (e *execution) noSetuidFixup() {
	if e.p.Securebits&cred.SecbitNoSetuidFixup != 0 && e.new.EUID != e.p.EUID {
		e.rule("no-setuid-fixup-not-at-exec", "SECURE_NO_SETUID_FIXUP only affects set*uid() calls: exec ignores it")
	}
}

// checkIDChanged computes id_changed as Linux 6.17+ does: the euid
// changes, or the egid is neither the fsgid nor a supplementary group.
func (e *execution) checkIDChanged() {
	var why []string
	if e.new.EUID != e.p.EUID {
		why = append(why, fmt.Sprintf("euid %d → %d", e.p.EUID, e.new.EUID))
	}
	if !e.p.InGroup(e.new.EGID) {
		why = append(why, fmt.Sprintf("egid %d is neither the fsgid %d nor a supplementary group", e.new.EGID, e.p.FSGID))
	}
	if len(why) > 0 {
		e.idChanged = true
		e.rule("id-changed", "%s", strings.Join(why, "; "))
	}
}

// clamp applies no_new_privs: a gain of ids or capabilities is undone.
// (The kernel does the same for a ptraced process or a shared fs_struct,
// which the model assumes away.)
func (e *execution) clamp() {
	gained := e.new.Permitted &^ e.p.Permitted
	if !e.p.NoNewPrivs || (!e.idChanged && gained == 0) {
		return
	}
	e.rule("nnp-clamp", "no_new_privs: euid %d → %d, egid %d → %d (the real ids); permitted limited to the parent's: %s & %s = %s",
		e.new.EUID, e.p.UID, e.new.EGID, e.p.GID, e.new.Permitted.Describe(e.lastCap), e.p.Permitted.Describe(e.lastCap), (e.new.Permitted & e.p.Permitted).Describe(e.lastCap))
	e.new.EUID, e.new.EGID = e.p.UID, e.p.GID
	e.new.Permitted &= e.p.Permitted
}

// ambient computes pA' and adds it to pP'.
func (e *execution) ambient() {
	switch {
	case !e.hasFcap && !e.idChanged:
		if e.p.Ambient != 0 {
			e.rule("ambient-kept", "ambient %s is kept and added to permitted", e.p.Ambient.Describe(e.lastCap))
		}
	default:
		e.new.Ambient = 0
		if e.p.Ambient != 0 {
			e.rule("ambient-cleared", "ambient %s cleared: %s", e.p.Ambient.Describe(e.lastCap), e.ambientReason())
		}
	}
	e.new.Permitted |= e.new.Ambient
}

func (e *execution) ambientReason() string {
	if e.hasFcap {
		return "the file has capabilities"
	}
	return "the ids changed"
}

// effectiveSet computes pE'.
func (e *execution) effectiveSet() {
	if e.effective {
		e.new.Effective = e.new.Permitted
		e.rule("effective", "effective bit set: pE' = pP' = %s", e.new.Effective.Describe(e.lastCap))
		return
	}
	e.new.Effective = e.new.Ambient
	e.rule("effective", "no effective bit: pE' = pA' = %s", e.new.Effective.Describe(e.lastCap))
}

// keepCaps clears SECURE_KEEP_CAPS, as every exec does.
func (e *execution) keepCaps() {
	if e.p.Securebits&cred.SecbitKeepCaps != 0 {
		e.new.Securebits &^= cred.SecbitKeepCaps
		e.rule("keep-caps-cleared", "SECURE_KEEP_CAPS is cleared by exec")
	}
}

// secureExec decides AT_SECURE.
func (e *execution) secureExec() {
	var why []string
	if e.idChanged {
		why = append(why, "ids changed")
	}
	if e.new.EUID != e.p.UID {
		why = append(why, fmt.Sprintf("euid %d ≠ ruid %d", e.new.EUID, e.p.UID))
	}
	if e.new.EGID != e.p.GID {
		why = append(why, fmt.Sprintf("egid %d ≠ rgid %d", e.new.EGID, e.p.GID))
	}
	if !e.isRoot(e.p.UID) && e.effective {
		why = append(why, "non-root gets an effective set")
	}
	if grew := e.new.Permitted &^ e.new.Ambient; !e.isRoot(e.p.UID) && grew != 0 {
		why = append(why, fmt.Sprintf("non-root gets permitted %s beyond ambient", grew.Describe(e.lastCap)))
	}
	if len(why) > 0 {
		e.r.Secure = true
		e.rule("secure-exec", "AT_SECURE: %s", strings.Join(why, "; "))
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
