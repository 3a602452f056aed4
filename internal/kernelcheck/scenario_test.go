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

// scenario is one random parent state and program to execute.
type scenario struct {
	// State is the parent, in kernel ids; its UserNS, when set, is the
	// namespace the launcher enters first.
	State cred.State
	Loc   *location
	// Dir is set on the location's sub directory, File on the probe.
	Dir, File fileSetup
	Probe     string // "cat" or "self"
	// Raw is set for an ext4 preset file (then Dir and File.Xattr are
	// not used).
	Raw *rawFile
	// Scripts, when not empty, are written in the sub directory and run
	// in turn: the first is executed, the last names the self probe.
	Scripts []scriptSetup
	// Path is what the launcher executes, relative to Cwd when not
	// absolute.
	Path, Cwd string
	// Loader is set for the loader location: what to do to the loader.
	Loader *loaderSetup
}

// fileSetup is what a scenario sets on a file or directory.
type fileSetup struct {
	Mode, UID, GID uint32
	// Xattr is the security.capability value (nil: none), made as Label
	// says.
	Xattr []byte
	Label string
	// ACL is the system.posix_acl_access value (nil: none).
	ACL []byte
}

// scriptSetup is a script of a chain: its file and its first line.
type scriptSetup struct {
	fileSetup
	Name, Line string
}

func (s *scenario) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "parent: %s", Describe(s.State))
	if ns := s.State.UserNS; ns != nil {
		fmt.Fprintf(&b, "\nuserns: %s", describeChain(ns))
	}
	fmt.Fprintf(&b, "\nexec:   %s (cwd %s) on %s (nosuid %v noexec %v)", s.Path, s.Cwd, s.Loc.Name, s.Loc.NoSuid, s.Loc.NoExec)
	if s.Raw != nil {
		fmt.Fprintf(&b, "\nfile:   raw %s %x mode %04o", s.Raw.Label, s.Raw.Value, s.File.Mode)
		return b.String()
	}
	fmt.Fprintf(&b, "\ndir:    %s", s.Dir)
	for _, sc := range s.Scripts {
		fmt.Fprintf(&b, "\nscript: %s %q %s", sc.Name, sc.Line, sc.fileSetup)
	}
	fmt.Fprintf(&b, "\nprobe:  %s %s", s.Probe, s.File)
	if l := s.Loader; l != nil {
		fmt.Fprintf(&b, "\nloader: %s %s %s in dir %s", s.Loc.Loader, l.Kind, l.File, l.Dir)
	}
	return b.String()
}

func (f fileSetup) String() string {
	s := fmt.Sprintf("mode %04o owner %d:%d xattr %s %x", f.Mode, f.UID, f.GID, f.Label, f.Xattr)
	if f.ACL != nil {
		acl, _ := execve.ParseACL(f.ACL)
		s += " acl " + acl.String()
	}
	return s
}

func describeChain(ns *cred.UserNS) string {
	var parts []string
	for ; ns != nil; ns = ns.Parent {
		parts = append(parts, fmt.Sprintf("[uid %s gid %s]", ns.UIDs, ns.GIDs))
	}
	return strings.Join(parts, " in ")
}

// generator draws scenarios reachable from the test's own state.
type generator struct {
	r       *rand.Rand
	lastCap model.Cap
	start   cred.State
	locs    []*location
	// ids draws the ids of the parent and the owners of files; the
	// user-namespace test replaces it.
	ids idPools
	// rev3 is how many capability values in a hundred are revision 3
	// with a nonzero rootid.
	rev3 int
}

// idPools are the ids scenarios draw from: kernel ids, which coincide
// often enough for every rule to fire.
type idPools struct {
	uids, gids, groups, owners, fileGroups []uint32
}

var initialPools = idPools{
	uids:       []uint32{0, 1000, 1001, 65534},
	gids:       []uint32{0, 100, 1000, 1001, 65534},
	groups:     []uint32{0, 4, 100, 1000, 1001, 65534},
	owners:     []uint32{0, 0, 1000, 1001, 65534},
	fileGroups: []uint32{0, 100, 1000, 1001},
}

var rootIDs = []uint32{1, 1000, 65534, 100000}

func (g *generator) pick(from []uint32) uint32 { return from[g.r.IntN(len(from))] }

func (g *generator) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g *generator) scenario() *scenario {
	s := &scenario{State: g.state(g.start.Bounding)}
	g.fill(s)
	return s
}

// fill draws everything but the parent state.
func (g *generator) fill(s *scenario) {
	s.Loc = g.location()
	s.File = fileSetup{Mode: g.mode()}
	if len(s.Loc.Raw) > 0 {
		s.Raw = &s.Loc.Raw[g.r.IntN(len(s.Loc.Raw))]
		s.Probe, s.Path, s.File.UID, s.File.GID = "cat", s.Raw.Path, s.Raw.UID, s.Raw.GID
		return
	}
	s.Dir = fileSetup{Mode: g.dirMode(), UID: g.pick(g.ids.owners), GID: g.pick(g.ids.fileGroups)}
	if g.chance(10) {
		s.Dir.ACL = g.acl()
	}
	s.Probe = "cat"
	if _, ok := s.Loc.Probes["self"]; ok && g.chance(50) {
		s.Probe = "self"
	}
	s.File.UID, s.File.GID = g.pick(g.ids.owners), g.pick(g.ids.fileGroups)
	s.File.Label, s.File.Xattr = g.xattr(s.State)
	if g.chance(8) {
		s.File.ACL = g.acl()
	}
	s.Path, s.Cwd = s.Loc.Probes[s.Probe], "/"
	switch {
	case s.Loc.Loader != "":
		s.Loader = g.loader()
	case g.chance(20):
		g.scripts(s)
	}
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
// coincide, sets within what the launcher can reach from the bounding
// set it starts with.
func (g *generator) state(bounding model.Set) cred.State {
	var p cred.State
	p.UID, p.EUID, p.SUID = g.three(g.ids.uids)
	p.FSUID = p.EUID
	if g.chance(15) {
		p.FSUID = g.pick(g.ids.uids)
	}
	p.GID, p.EGID, p.SGID = g.three(g.ids.gids)
	p.FSGID = p.EGID
	if g.chance(20) {
		p.FSGID = g.pick(g.ids.gids)
	}
	if g.chance(60) {
		p.Groups = sortedGroups(g.subsetOf(g.ids.groups))
	}
	g.sets(&p, bounding)
	if g.chance(50) {
		p.Securebits = cred.Securebits(g.r.Uint32()) & 0xff
	}
	p.NoNewPrivs = g.chance(25)
	return p
}

func (g *generator) three(pool []uint32) (r, e, s uint32) {
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

// sets draws the five capability sets: bounding within the launcher's,
// inheritable within its inheritable and bounding (capset's rule),
// permitted within its permitted, effective within permitted and ambient
// within permitted ∩ inheritable. The launcher's permitted set is its
// bounding set (it runs as root, or with every capability ambient).
func (g *generator) sets(p *cred.State, bounding model.Set) {
	switch n := g.r.IntN(100); {
	case n < 40:
		p.Bounding = bounding
	case n < 75:
		p.Bounding = bounding &^ sparseSubset(g.r, bounding)
	default:
		p.Bounding = randomSubset(g.r, bounding)
	}
	p.Inheritable = g.someOf(g.start.Inheritable | bounding)
	p.Permitted = g.someOf(bounding)
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

// modes are the permission bits files get: executable by everyone, by
// some classes only, by none.
var modes = []uint32{0o755, 0o755, 0o755, 0o750, 0o700, 0o705, 0o075, 0o070, 0o007, 0o001, 0o010, 0o100, 0o711, 0o745, 0o644, 0o600, 0o000}

func (g *generator) mode() uint32 {
	m := uint32(0o755)
	if g.chance(45) {
		m = modes[g.r.IntN(len(modes))]
	}
	if g.chance(5) {
		m = g.r.Uint32() & 0o777
	}
	if g.chance(35) {
		m |= execve.ModeSetuid
	}
	if g.chance(35) {
		m |= execve.ModeSetgid
	}
	return m
}

// dirModes are the modes of the probes' directory: searchable by all
// most of the time.
var dirModes = []uint32{0o755, 0o711, 0o750, 0o700, 0o705, 0o070, 0o001, 0o644, 0o000}

func (g *generator) dirMode() uint32 {
	if g.chance(75) {
		return 0o755
	}
	return dirModes[g.r.IntN(len(dirModes))]
}

// acl draws a valid POSIX access ACL: the owner, up to two named users,
// the owning group, up to two named groups, a mask, others; named ids in
// increasing order, as the kernel requires.
func (g *generator) acl() []byte {
	perm := func() uint16 { return uint16(g.r.IntN(8)) }
	type entry struct {
		tag  execve.ACLTag
		perm uint16
		id   uint32
	}
	es := []entry{{execve.ACLUserObj, perm(), 0}}
	named := func(tag execve.ACLTag, pool []uint32) {
		for _, id := range sortedGroups(g.subsetOf(pool)) {
			if g.chance(60) {
				es = append(es, entry{tag, perm(), id})
			}
		}
	}
	named(execve.ACLUser, g.ids.uids)
	es = append(es, entry{execve.ACLGroupObj, perm(), 0})
	named(execve.ACLGroup, g.ids.groups)
	es = append(es, entry{execve.ACLMask, perm(), 0}, entry{execve.ACLOther, perm(), 0})
	b := binary.LittleEndian.AppendUint32(nil, 2)
	for _, e := range es {
		id := e.id
		if e.tag != execve.ACLUser && e.tag != execve.ACLGroup {
			id = cred.InvalidID
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(e.tag))
		b = binary.LittleEndian.AppendUint16(b, e.perm)
		b = binary.LittleEndian.AppendUint32(b, id)
	}
	return b
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
	case n < 20+g.rev3:
		f.RootID = g.rootID(p)
		label = "rev3-rootid"
	case n < 30+g.rev3:
		b, _ := capfile.Encode(f)
		binary.LittleEndian.PutUint32(b, binary.LittleEndian.Uint32(b)&^0xff000000|0x03000000)
		return "rev3-rootid0", append(b, 0, 0, 0, 0)
	}
	b, _ := capfile.Encode(f) // only revision 1 is refused
	return label, b
}

// rootID draws a revision-3 rootid: in a user namespace, often the root
// of it or of one above it.
func (g *generator) rootID(p cred.State) uint32 {
	var roots []uint32
	for ns := p.UserNS; ns != nil; ns = ns.Parent {
		if r, ok := ns.RootUID(); ok && r != 0 {
			roots = append(roots, r)
		}
	}
	if len(roots) > 0 && g.chance(60) {
		return g.pick(roots)
	}
	return g.pick(rootIDs)
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

// scripts turns s into a chain of scripts run by the self probe: one to
// seven of them (more than execve.MaxScripts fail with ELOOP), each with
// its own mode, owner and capabilities, and sometimes a first line the
// kernel refuses.
func (g *generator) scripts(s *scenario) {
	n := 1 + g.r.IntN(2)
	if g.chance(25) {
		n = 4 + g.r.IntN(4)
	}
	s.Probe = "self"
	next := s.Loc.Probes["self"]
	for i := n - 1; i >= 0; i-- {
		sc := scriptSetup{Name: fmt.Sprintf("s%d", i), Line: "#!" + next + "\n"}
		sc.Mode, sc.UID, sc.GID = g.mode(), g.pick(g.ids.owners), g.pick(g.ids.fileGroups)
		if g.chance(70) {
			sc.Mode |= 0o111
		}
		if g.chance(30) {
			sc.Label, sc.Xattr = g.xattr(s.State)
		}
		if i == n-1 && g.chance(30) {
			sc.Line = g.oddLine(next)
		}
		s.Scripts = append([]scriptSetup{sc}, s.Scripts...)
		next = s.Loc.Sub + "/" + sc.Name
	}
	s.Path, s.Cwd = "s0", s.Loc.Sub
	if g.chance(50) {
		s.Path = s.Loc.Sub + "/s0"
	}
}

// oddLine is a first line that names interp in a way the kernel treats
// specially.
func (g *generator) oddLine(interp string) string {
	lines := []string{
		"#!" + interp + "\r\n",          // CR kept: ENOENT
		"#!\n",                          // no interpreter: ENOEXEC
		"#!  \t\n",                      // blanks only: ENOEXEC
		"#!   ",                         // no newline, blanks: the working directory
		"#! " + interp + " -x -y\n",     // one argument, "-x -y"
		"#!" + interp,                   // no newline at all
		"#!./self\n",                    // relative: from the working directory
		"#!" + interp + "/\n",           // trailing slash: ENOTDIR
		"#!/nonexistent/interpreter\n",  // ENOENT
		"#!" + strings.Repeat("/", 300), // too long: ENOEXEC
	}
	return lines[g.r.IntN(len(lines))]
}
