//go:build linux

package kernelcheck

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"

	"fcap/capfile"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
)

// scenario is one random parent state and file to execute.
type scenario struct {
	State cred.State
	Loc   *location
	Probe string // "cat" or "self"
	Path  string
	Mode  uint32
	// UID and GID own the file; Raw is set for an ext4 preset file.
	UID, GID uint32
	Raw      *rawFile
	// Xattr is the value to set with setxattr (nil: none); XattrLabel
	// says how it was made.
	Xattr      []byte
	XattrLabel string
}

func (s *scenario) String() string {
	x := fmt.Sprintf("%s %x", s.XattrLabel, s.Xattr)
	if s.Raw != nil {
		x = fmt.Sprintf("raw %s %x", s.Raw.Label, s.Raw.Value)
	}
	return fmt.Sprintf("parent: %s\nfile:   %s on %s (nosuid %v) probe %s, mode %04o, owner %d:%d, xattr %s",
		Describe(s.State), s.Path, s.Loc.Name, s.Loc.NoSuid, s.Probe, s.Mode, s.UID, s.GID, x)
}

// generator draws scenarios reachable from the test's own state.
type generator struct {
	r       *rand.Rand
	lastCap model.Cap
	start   cred.State
	locs    []*location
}

var (
	uidPool   = []uint32{0, 1000, 1001, 65534}
	gidPool   = []uint32{0, 100, 1000, 1001, 65534}
	groupPool = []uint32{0, 4, 100, 1000, 1001, 65534}
	rootIDs   = []uint32{1, 1000, 65534, 100000}
)

func (g *generator) pick(from []uint32) uint32 { return from[g.r.IntN(len(from))] }

func (g *generator) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g *generator) scenario() *scenario {
	s := &scenario{State: g.state()}
	s.Loc = g.location()
	s.Mode = g.mode()
	if len(s.Loc.Raw) > 0 {
		s.Raw = &s.Loc.Raw[g.r.IntN(len(s.Loc.Raw))]
		s.Probe, s.Path, s.UID, s.GID = "cat", s.Raw.Path, s.Raw.UID, s.Raw.GID
		return s
	}
	s.Probe = "cat"
	if g.chance(50) {
		s.Probe = "self"
	}
	s.Path = s.Loc.Probes[s.Probe]
	s.UID, s.GID = g.pick([]uint32{0, 0, 1000, 1001, 65534}), g.pick([]uint32{0, 100, 1000, 1001})
	s.XattrLabel, s.Xattr = g.xattr(s.State)
	return s
}

// location picks a location by weight.
func (g *generator) location() *location {
	total := 0
	for _, l := range g.locs {
		total += l.Weight
	}
	n := g.r.IntN(total)
	for _, l := range g.locs {
		if n -= l.Weight; n < 0 {
			return l
		}
	}
	return g.locs[len(g.locs)-1]
}

// state draws a parent state: ids from small pools so that they often
// coincide, sets within what the launcher can reach from the test's state.
func (g *generator) state() cred.State {
	var p cred.State
	p.UID, p.EUID, p.SUID = g.ids(uidPool)
	p.FSUID = p.EUID
	if g.chance(15) {
		p.FSUID = g.pick(uidPool)
	}
	p.GID, p.EGID, p.SGID = g.ids(gidPool)
	p.FSGID = p.EGID
	if g.chance(20) {
		p.FSGID = g.pick(gidPool)
	}
	if g.chance(60) {
		p.Groups = sortedGroups(g.subsetOf(groupPool))
	}
	g.sets(&p)
	if g.chance(50) {
		p.Securebits = cred.Securebits(g.r.Uint32()) & 0xff
	}
	p.NoNewPrivs = g.chance(25)
	return p
}

func (g *generator) ids(pool []uint32) (r, e, s uint32) {
	if g.chance(40) {
		id := g.pick(pool)
		return id, id, id
	}
	return g.pick(pool), g.pick(pool), g.pick(pool)
}

func (g *generator) subsetOf(pool []uint32) []uint32 {
	var out []uint32
	for _, v := range pool {
		if g.chance(40) {
			out = append(out, v)
		}
	}
	return out
}

// sets draws the five capability sets: bounding within the test's,
// inheritable within its inheritable and bounding (capset's rule),
// permitted within its permitted, effective within permitted and ambient
// within permitted ∩ inheritable.
func (g *generator) sets(p *cred.State) {
	st := g.start
	switch n := g.r.IntN(100); {
	case n < 40:
		p.Bounding = st.Bounding
	case n < 75:
		p.Bounding = st.Bounding &^ sparseSubset(g.r, st.Bounding)
	default:
		p.Bounding = randomSubset(g.r, st.Bounding)
	}
	p.Inheritable = g.someOf(st.Inheritable | st.Bounding)
	p.Permitted = g.someOf(st.Permitted)
	p.Effective = g.someOf(p.Permitted)
	if g.chance(40) {
		p.Effective = p.Permitted
	}
	if g.chance(40) {
		p.Ambient = g.someOf(p.Permitted & p.Inheritable)
	}
}

// someOf returns nothing, all, a few or about half of s.
func (g *generator) someOf(s model.Set) model.Set {
	switch g.r.IntN(4) {
	case 0:
		return 0
	case 1:
		return s
	case 2:
		return sparseSubset(g.r, s)
	}
	return randomSubset(g.r, s)
}

func (g *generator) mode() uint32 {
	m := uint32(0o755)
	if g.chance(20) {
		m &^= execve.ModeGroupExec
	}
	if g.chance(35) {
		m |= execve.ModeSetuid
	}
	if g.chance(35) {
		m |= execve.ModeSetgid
	}
	return m
}

// xattr draws a value setxattr accepts: none, revision 2 (capfile.Encode
// with rootid 0), revision 3 with a nonzero rootid, or a hand-made
// revision 3 with rootid 0 (which the kernel stores as revision 2).
func (g *generator) xattr(p cred.State) (string, []byte) {
	n := g.r.IntN(100)
	if n < 20 {
		return "none", nil
	}
	f := model.FileCaps{Permitted: g.filePermitted(p), Inheritable: g.fileInheritable(p), Effective: g.chance(55)}
	label := "rev2"
	switch {
	case n < 35:
		f.RootID = g.pick(rootIDs)
		label = "rev3-rootid"
	case n < 45:
		b, _ := capfile.Encode(f)
		binary.LittleEndian.PutUint32(b, binary.LittleEndian.Uint32(b)&^0xff000000|0x03000000)
		return "rev3-rootid0", append(b, 0, 0, 0, 0)
	}
	b, _ := capfile.Encode(f) // only revision 1 is refused
	return label, b
}

func (g *generator) filePermitted(p cred.State) model.Set {
	var s model.Set
	switch n := g.r.IntN(100); {
	case n < 35:
		s = sparseSubset(g.r, p.Bounding)
	case n < 70:
		s = sparseSubset(g.r, model.UpTo(g.lastCap))
	case n < 85:
		s = model.SetOf(model.Cap(g.r.IntN(int(g.lastCap) + 1)))
	}
	return s | g.highBits()
}

func (g *generator) fileInheritable(p cred.State) model.Set {
	switch n := g.r.IntN(100); {
	case n < 50:
		return 0
	case n < 75:
		return sparseSubset(g.r, p.Inheritable) | g.highBits()
	}
	return randomSubset(g.r, model.UpTo(g.lastCap))
}

// highBits sometimes returns bits above the last capability.
func (g *generator) highBits() model.Set {
	if g.lastCap >= model.MaxCap || !g.chance(15) {
		return 0
	}
	return model.SetOf(g.lastCap + 1 + model.Cap(g.r.IntN(int(model.MaxCap-g.lastCap))))
}

func randomSubset(r *rand.Rand, s model.Set) model.Set { return s & model.Set(r.Uint64()) }

func sparseSubset(r *rand.Rand, s model.Set) model.Set {
	return s & model.Set(r.Uint64()&r.Uint64()&r.Uint64())
}

// mayExec reports whether the parent may execute the file at all (the
// DAC check exec makes, which the model leaves out): every probe mode
// lets its owner and others execute, so only a group member without
// group execute and without an effective CAP_DAC_OVERRIDE is refused.
func mayExec(s *scenario) bool {
	p := s.State
	if p.FSUID == s.UID || !p.InGroup(s.GID) || s.Mode&execve.ModeGroupExec != 0 {
		return true
	}
	return p.Effective.Has(model.CapDacOverride)
}

// execTarget decodes a security.capability value the way exec reads it:
// unknown flag bits are ignored, a value longer than 24 bytes makes exec
// fail with ERANGE, other format errors with EINVAL.
func execTarget(value []byte, present bool) (*model.FileCaps, execve.CapsProblem) {
	if !present {
		return nil, execve.CapsOK
	}
	f, err := capfile.DecodeForExec(value)
	switch {
	case err != nil && len(value) > capfile.MaxSize:
		return nil, execve.CapsTooLong
	case err != nil:
		return nil, execve.CapsMalformed
	}
	return &f, execve.CapsOK
}

// kernelResult is what the kernel did: the errno of a failed exec or the
// probe's view of itself.
type kernelResult struct {
	Err   string
	Child cred.State
	// Securebits and Secure are known for the self probe only.
	SelfProbe bool
	Secure    bool
}

func (k kernelResult) String() string {
	if k.Err != "" {
		return "exec failed: " + k.Err
	}
	s := "child:  " + Describe(k.Child)
	if k.SelfProbe {
		s += fmt.Sprintf(" AT_SECURE=%v", k.Secure)
	}
	return s
}

func describeModel(m execve.Result) string {
	var b strings.Builder
	if m.Err != "" {
		fmt.Fprintf(&b, "exec fails: %s (dropped %s)", m.Err, m.Dropped.Names())
	} else {
		fmt.Fprintf(&b, "child:  %s AT_SECURE=%v", Describe(m.Child), m.Secure)
	}
	for _, r := range m.Rules {
		fmt.Fprintf(&b, "\n        rule %-26s %s", r.Name, r.Detail)
	}
	return b.String()
}

// differences lists where the kernel and the model disagree.
func differences(m execve.Result, k kernelResult) []string {
	if m.Err != k.Err {
		return []string{fmt.Sprintf("exec error: model %q, kernel %q", m.Err, k.Err)}
	}
	if k.Err != "" {
		return nil
	}
	mc, kc := m.Child, k.Child
	if !k.SelfProbe {
		kc.Securebits = mc.Securebits // not visible to cat
	}
	var d []string
	if !SameState(mc, kc) {
		d = append(d, fmt.Sprintf("state: model %s\n              kernel %s", Describe(mc), Describe(kc)))
	}
	if k.SelfProbe && m.Secure != k.Secure {
		d = append(d, fmt.Sprintf("AT_SECURE: model %v, kernel %v", m.Secure, k.Secure))
	}
	return d
}
