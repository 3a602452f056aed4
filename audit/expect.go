package audit

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"fcap/dropin"
	"fcap/manifest"
	"fcap/model"
	"fcap/xattr"
)

// A finding's state against the expectations in use (Finding.Baseline),
// as SARIF's baselineState names them.
const (
	BaselineNew       = "new"       // no entry expects the file
	BaselineUnchanged = "unchanged" // an entry expects the file as it is
	BaselineUpdated   = "updated"   // entries expect the file otherwise
	BaselineAbsent    = "absent"    // an entry expects a privilege the file no longer has
)

// KindMissing is a file an entry expects to be privileged that is not
// (or is gone): severity info, it grants nothing, but a program may no
// longer work.
const KindMissing = "expected-missing"

// Expected holds what a system is expected to look like: the entries of
// audit baselines (fcap audit --write-baseline, or any manifest) and of
// the drop-ins, by path. A finding about a file's privilege (set-id bits,
// capabilities) that an entry expects becomes info; findings about who
// can change a privileged file, or about values that cannot be read,
// never do: a baseline records what is granted, not what is broken.
type Expected struct {
	byPath map[string][]*expectation
	order  []*expectation
	canon  *canonicalizer
}

type expectation struct {
	entry manifest.Entry
	key   string
	seen  bool
}

// NewExpected returns an empty set of expectations.
func NewExpected() *Expected {
	return &Expected{byPath: map[string][]*expectation{}, canon: newCanonicalizer()}
}

// Len is the number of entries.
func (x *Expected) Len() int { return len(x.order) }

// Add reads a manifest of expectations; name is used in errors and in
// the findings it explains.
func (x *Expected) Add(r io.Reader, name string, last model.Cap) error {
	return manifest.Parse(r, name, last, func(e manifest.Entry) error {
		k := x.canon.path(e.Path)
		ex := &expectation{entry: e, key: k}
		x.byPath[k] = append(x.byPath[k], ex)
		x.order = append(x.order, ex)
		return nil
	})
}

// AddDropIns adds the system's drop-ins (package dropin) beneath root;
// it returns the refused and unreadable ones.
func (x *Expected) AddDropIns(root string, last model.Cap) []error {
	files, errs := dropin.Find(dropin.Options{Root: root})
	defer dropin.Close(files)
	for _, f := range files {
		if f.Masked {
			continue
		}
		if err := x.Add(f.File, f.Path, last); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// judgeable kinds are about what a file grants.
func judgeable(kind string) bool {
	switch kind {
	case KindSetID, KindCaps, KindForeignRootID, KindUnknownBits:
		return true
	}
	return false
}

// Judge sets f's Baseline state and, when an entry expects the file as
// it is, makes f info and names the entry in Expected.
func (x *Expected) Judge(f *Finding) {
	entries := x.byPath[x.canon.path(f.Path)]
	for _, e := range entries {
		e.seen = true
	}
	if !judgeable(f.Kind) {
		return
	}
	f.Baseline = BaselineNew
	if len(entries) == 0 {
		return
	}
	for _, e := range entries {
		if explains(e.entry, f) {
			f.Baseline = BaselineUnchanged
			f.Expected = fmt.Sprintf("%s:%d", e.entry.File, e.entry.Line)
			f.Severity = SeverityInfo
			f.Reason = "expected by " + f.Expected + "; " + f.Reason
			return
		}
	}
	f.Baseline = BaselineUpdated
	e := entries[0].entry
	f.Reason += fmt.Sprintf("; changed: %s:%d expects %s", e.File, e.Line, describeEntry(e))
}

// explains reports whether entry e expects the file f is about as it is.
// An entry with a mode and owner (a recorded baseline) must match them
// too; without them (a drop-in) it speaks only of capabilities, and of
// the setuid bit only as the fallback it allows.
func explains(e manifest.Entry, f *Finding) bool {
	if (e.HasMode && e.Mode != f.Mode) || (e.HasOwner && (e.UID != f.Owner.N || e.GID != f.Group.N)) {
		return false
	}
	capsOK := f.Caps == nil
	if !e.None {
		capsOK = f.Caps != nil && f.Caps.SameCaps(e.Caps)
	}
	if f.Kind == KindSetID && !e.HasMode {
		return e.Fallback == manifest.FallbackSetuid && f.Caps == nil && f.Mode&0o2000 == 0
	}
	return capsOK
}

// describeEntry is what an entry expects, for messages.
func describeEntry(e manifest.Entry) string {
	var parts []string
	if e.None {
		parts = append(parts, "no capabilities")
	} else {
		parts = append(parts, e.Caps.Format(model.MaxCap))
	}
	if e.HasMode {
		parts = append(parts, fmt.Sprintf("mode %04o", e.Mode))
	}
	if e.HasOwner {
		parts = append(parts, fmt.Sprintf("owner %d:%d", e.UID, e.GID))
	}
	return strings.Join(parts, ", ")
}

// Missing reports the entries under the walked roots that expect a
// privilege no finding showed: the file lost its capabilities or set-id
// bits, or is gone.
func (x *Expected) Missing(roots []string) []Finding {
	var keys []string
	for _, r := range roots {
		keys = append(keys, x.canon.dir(r))
	}
	var out []Finding
	for _, e := range x.order {
		if e.seen || !grants(e.entry) || !under(e.key, keys) {
			continue
		}
		e.seen = true
		out = append(out, missing(e))
	}
	return out
}

// grants reports whether an entry expects some privilege.
func grants(e manifest.Entry) bool {
	return !e.None || (e.HasMode && e.Mode&0o6000 != 0)
}

func under(p string, roots []string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, strings.TrimSuffix(r, "/")+"/") {
			return true
		}
	}
	return false
}

// missing describes an expected privilege that is not there.
func missing(e *expectation) Finding {
	where := fmt.Sprintf("%s:%d", e.entry.File, e.entry.Line)
	f := Finding{Path: e.key, Kind: KindMissing, Severity: SeverityInfo, Rated: SeverityInfo,
		Baseline: BaselineAbsent, Expected: where}
	now := "the file is gone"
	if fl, err := xattr.Open(e.key); err == nil {
		f.Mode, f.Owner, f.Group = fl.Stat.Mode&0o7777, ID{N: fl.Stat.Uid}, ID{N: fl.Stat.Gid, Group: true}
		now = fmt.Sprintf("it has mode %04o and no capabilities", f.Mode)
		fl.Close()
	} else if !xattr.IsKind(err, xattr.NotExist) {
		now = "it cannot be opened: " + err.Error()
	}
	f.Reason = fmt.Sprintf("%s expects %s, but %s: a program that needs them may fail", where, describeEntry(e.entry), now)
	f.Fix = "fcap apply --system puts declared capabilities back (fcap apply FILE for a baseline); if the change is wanted, write the baseline again"
	return f
}

// canonicalizer gives paths one spelling, so that a baseline's /bin/ping
// and a walk's /usr/bin/ping are the same file: absolute, with the
// directory's symlinks resolved (never the file's own).
type canonicalizer struct {
	dirs map[string]string
}

func newCanonicalizer() *canonicalizer { return &canonicalizer{dirs: map[string]string{}} }

func (c *canonicalizer) path(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	dir, base := filepath.Split(abs)
	if base == "" {
		return c.dir(abs)
	}
	return filepath.Join(c.dir(dir), base)
}

// dir resolves every symlink of a directory path.
func (c *canonicalizer) dir(d string) string {
	abs, err := filepath.Abs(d)
	if err != nil {
		return d
	}
	if r, ok := c.dirs[abs]; ok {
		return r
	}
	r, err := filepath.EvalSymlinks(abs)
	if err != nil {
		r = abs
	}
	c.dirs[abs] = r
	return r
}
