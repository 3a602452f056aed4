package ocicheck

import (
	"fmt"
	"math/rand/v2"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"fcap/capfile"
	"fcap/model"
	"fcap/model/cred"
)

// scenario is one random container: its config and its program's file.
type scenario struct {
	UID, GID uint32
	Gids     []uint32
	Caps     [5]model.Set // bounding, effective, inheritable, permitted, ambient
	NNP      bool
	Root     string // a fixture root: "disk" or "nosuid-tmpfs"
	Readonly bool
	// Source is "" when the program lies in the rootfs, else the fixture
	// bind source mounted at /opt/h with Options.
	Source  string
	Options []string
	Name    string // process.args[0]
	Link    string // "": none; else /bin/lN points to the program with this target
	Path    string // PATH in process.env
	Prog    program
}

// program is the probe's file facts.
type program struct {
	Caps  *model.FileCaps
	Xattr []byte
	Mode  uint32
	Owner uint32
	Group uint32
}

var capSetNames = [5]string{"bounding", "effective", "inheritable", "permitted", "ambient"}

func (s *scenario) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  user %d:%d gids %v nnp %v root %s readonly %v\n", s.UID, s.GID, s.Gids, s.NNP, s.Root, s.Readonly)
	for i, n := range capSetNames {
		fmt.Fprintf(&b, "  %-11s %s\n", n, s.Caps[i].Names())
	}
	where := "rootfs"
	if s.Source != "" {
		where = fmt.Sprintf("bind of %s at /opt/h %v", s.Source, s.Options)
	}
	caps := "none"
	if s.Prog.Caps != nil {
		caps = fmt.Sprintf("%s rev %d rootid %d", s.Prog.Caps.Caps().Format(model.LastNamed), s.Prog.Caps.Revision, s.Prog.Caps.RootID)
	}
	fmt.Fprintf(&b, "  program %q (link %q, PATH %q) in %s: mode %04o owner %d:%d caps %s",
		s.Name, s.Link, s.Path, where, s.Prog.Mode, s.Prog.Owner, s.Prog.Group, caps)
	return b.String()
}

// generator draws scenarios around the host's own state.
type generator struct {
	r       *rand.Rand
	lastCap model.Cap
	host    cred.State // the runtime's state: root with the host's bounding set
}

func (g *generator) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g *generator) pick(from []uint32) uint32 { return from[g.r.IntN(len(from))] }

func (g *generator) scenario(i int) *scenario {
	s := &scenario{NNP: g.chance(50), Root: "disk", Readonly: g.chance(50)}
	if g.chance(40) {
		s.Root = "nosuid-tmpfs"
	}
	g.user(s)
	g.caps(s)
	g.place(s, i)
	g.file(s)
	return s
}

func (g *generator) user(s *scenario) {
	s.UID = g.pick([]uint32{0, 0, 0, 1000, 65534, uint32(1 + g.r.IntN(100000))})
	s.GID = g.pick([]uint32{0, 0, 1000, 65534, 50, uint32(1 + g.r.IntN(100000))})
	if g.chance(2) {
		s.UID = 1<<31 + uint32(g.r.IntN(1000))
	}
	for range g.r.IntN(4) {
		s.Gids = append(s.Gids, g.pick([]uint32{0, 4, 50, 1000, 4242, s.GID, uint32(g.r.IntN(100000))}))
	}
}

// caps draws the five sets, mostly ones runc can apply, sometimes not.
func (g *generator) caps(s *scenario) {
	all := model.UpTo(g.lastCap)
	hostX := g.host.Bounding
	outside := all &^ hostX
	bnd := g.someOf(hostX, 50)
	if outside != 0 && g.chance(10) {
		bnd |= g.someOf(outside, 100)
	}
	prm := g.someOf(hostX, 30)
	if outside != 0 && g.chance(4) {
		prm |= g.oneOf(outside)
	}
	eff := g.someOf(prm, 50)
	if g.chance(4) {
		eff |= g.oneOf(all)
	}
	inh := g.someOf(bnd&hostX, 30)
	if g.chance(6) {
		inh |= g.oneOf(all)
	}
	amb := g.someOf(prm&inh, 60)
	if g.chance(30) {
		amb |= g.someOf(all, 5)
	}
	s.Caps = [5]model.Set{bnd, eff, inh, prm, amb}
}

func (g *generator) someOf(s model.Set, percent int) model.Set {
	var out model.Set
	for _, c := range s.Caps() {
		if g.chance(percent) {
			out |= model.SetOf(c)
		}
	}
	return out
}

func (g *generator) oneOf(s model.Set) model.Set {
	caps := s.Caps()
	if len(caps) == 0 {
		return 0
	}
	return model.SetOf(caps[g.r.IntN(len(caps))])
}

// bindOptions are the bind mounts' option lists the scenarios use.
var bindOptions = [][]string{
	{"bind"}, {"rbind"}, {"bind", "nosuid"}, {"rbind", "nosuid", "ro"},
	{"bind", "ro"}, {"rbind", "rprivate", "relatime"}, {"rbind", "rnosuid"},
	{"bind", "suid"}, {"bind", "noexec"},
}

// place decides where the program lies and how args[0] names it.
func (g *generator) place(s *scenario, i int) {
	dir := "/bin"
	s.Path = "/usr/bin:/bin"
	if g.chance(35) {
		s.Source = "disk"
		if g.chance(50) {
			s.Source = "nosuid-tmpfs"
		}
		s.Options = bindOptions[g.r.IntN(len(bindOptions))]
		dir = "/opt/h"
		s.Path = "/usr/bin:/opt/h"
	}
	base := fmt.Sprintf("p%d", i)
	s.Name = dir + "/" + base
	switch {
	case g.chance(20):
		s.Name = base
	case g.chance(15):
		s.Link = g.pick2(dir+"/"+base, "../.."+dir+"/"+base)
		s.Name = fmt.Sprintf("/bin/l%d", i)
	}
}

func (g *generator) pick2(a, b string) string {
	if g.chance(50) {
		return a
	}
	return b
}

// file draws the probe's caps, mode and owner: usually executable by
// everyone, often only by some classes (owner, group, others), so that
// the permission checks decide too.
func (g *generator) file(s *scenario) {
	p := &s.Prog
	p.Owner = g.pick([]uint32{0, 0, s.UID, 1000, 4242})
	groups := append([]uint32{0, s.GID, 50}, s.Gids...)
	p.Group = groups[g.r.IntN(len(groups))]
	p.Mode = 0o755
	if g.chance(40) {
		p.Mode = uint32(g.r.IntN(0o1000))
	}
	switch {
	case g.chance(15):
		p.Mode |= 0o4000
	case g.chance(10):
		p.Mode |= 0o2000
	}
	if g.chance(40) {
		return
	}
	all := model.UpTo(g.lastCap)
	fc := model.FileCaps{Permitted: g.someOf(all, 10), Inheritable: g.someOf(all, 8), Effective: g.chance(50), Revision: 2}
	if g.chance(15) {
		fc.Revision = 3
		if g.chance(30) {
			fc.RootID = 1000
		}
	}
	raw, err := capfile.Encode(fc)
	if err != nil {
		panic(err)
	}
	p.Caps, p.Xattr = &fc, raw
}

// config renders the scenario as a config.json for bundle dir, from the
// template `runc spec` writes.
func (s *scenario) config(base *specs.Spec, rootfs, source string) *specs.Spec {
	c := *base
	proc := *base.Process
	c.Process = &proc
	proc.Terminal = false
	proc.Args = []string{s.Name}
	proc.Env = []string{"PATH=" + s.Path}
	proc.Rlimits = nil
	proc.User = specs.User{UID: s.UID, GID: s.GID, AdditionalGids: s.Gids}
	proc.NoNewPrivileges = s.NNP
	proc.Capabilities = &specs.LinuxCapabilities{
		Bounding: names(s.Caps[0]), Effective: names(s.Caps[1]), Inheritable: names(s.Caps[2]),
		Permitted: names(s.Caps[3]), Ambient: names(s.Caps[4]),
	}
	c.Root = &specs.Root{Path: rootfs, Readonly: s.Readonly}
	c.Mounts = append([]specs.Mount(nil), base.Mounts...)
	if s.Source != "" {
		c.Mounts = append(c.Mounts, specs.Mount{Destination: "/opt/h", Type: "bind", Source: source, Options: s.Options})
	}
	return &c
}

// names writes a set as the runtime spec does (CAP_NET_RAW).
func names(s model.Set) []string {
	out := []string{}
	for _, c := range s.Caps() {
		out = append(out, strings.ToUpper(c.String()))
	}
	return out
}
