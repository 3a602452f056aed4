package ocicheck

import (
	"fmt"
	"os/user"
	"strings"

	"fcap/capfile"
	"fcap/model"
)

// unitScenario is one random service and its program's file.
type unitScenario struct {
	Name string // fcap-N.service
	Text string // the unit file
	Prog program
	Path string // the program on the host, and in the container
}

func (s *unitScenario) String() string {
	caps := "none"
	if s.Prog.Caps != nil {
		caps = s.Prog.Caps.Caps().Format(model.LastNamed)
	}
	return fmt.Sprintf("  program %s: mode %04o owner %d:%d caps %s\n%s", s.Path, s.Prog.Mode, s.Prog.Owner, s.Prog.Group, caps, indent(s.Text))
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

// unitGenerator draws services around the host's users and groups.
type unitGenerator struct {
	generator
	users, groups []string
	probeDir      string
}

// existing keeps the names the user or group database knows.
func existing(names []string, group bool) []string {
	var out []string
	for _, n := range names {
		var err error
		if group {
			_, err = user.LookupGroup(n)
		} else {
			_, err = user.Lookup(n)
		}
		if err == nil {
			out = append(out, n)
		}
	}
	return out
}

func newUnitGenerator(g generator, probeDir string) *unitGenerator {
	return &unitGenerator{generator: g, probeDir: probeDir,
		users:  append(existing([]string{"daemon", "www-data", "postgres", "nobody"}, false), "root", "0", "65534", "33"),
		groups: append(existing([]string{"adm", "audio", "staff", "users", "ssl-cert", "nogroup"}, true), "root", "0", "50"),
	}
}

func (g *unitGenerator) pickS(from []string) string { return from[g.r.IntN(len(from))] }

func (g *unitGenerator) scenario(i int) *unitScenario {
	s := &unitScenario{Name: fmt.Sprintf("fcap-%d.service", i), Path: fmt.Sprintf("%s/u%d", g.probeDir, i)}
	var b strings.Builder
	b.WriteString(unitHeader + "[Service]\nType=oneshot\n")
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	g.identity(line)
	g.capabilities(line)
	g.hardening(line)
	line("ExecStart=%s%s", g.prefix(), s.Path)
	line("StandardOutput=file:/results/%s.out", s.Name)
	s.Text = b.String()
	g.unitFile(&s.Prog)
	return s
}

func (g *unitGenerator) identity(line func(string, ...any)) {
	if g.chance(70) {
		line("User=%s", g.pickS(g.users))
	}
	if g.chance(25) {
		line("Group=%s", g.pickS(g.groups))
	}
	for range g.r.IntN(3) {
		if g.chance(15) {
			line("SupplementaryGroups=")
			continue
		}
		line("SupplementaryGroups=%s %s", g.pickS(g.groups), g.pickS(g.groups))
	}
	// Names and numeric ids no database entry has: systemd 252 refuses
	// both (217/USER, 216/GROUP).
	if g.chance(3) {
		line("User=%s", g.pickS([]string{"fcap-no-such-user", "4242"}))
	}
	if g.chance(3) {
		line("%s=%s", g.pickS([]string{"Group", "SupplementaryGroups"}), g.pickS([]string{"fcap-no-such-group", "4343"}))
	}
}

// capList writes a random capability list, sometimes inverted, empty or
// with a misspelt name.
func (g *unitGenerator) capList(from model.Set) string {
	var words []string
	for _, c := range g.someOf(from, 15).Caps() {
		w := c.String()
		if g.chance(50) {
			w = strings.ToUpper(w)
		}
		words = append(words, w)
	}
	if g.chance(5) {
		words = append(words, "CAP_NO_SUCH")
	}
	v := strings.Join(words, " ")
	if g.chance(20) {
		v = "~" + v
	}
	return v
}

func (g *unitGenerator) capabilities(line func(string, ...any)) {
	all := model.UpTo(g.lastCap)
	for range g.r.IntN(3) {
		line("CapabilityBoundingSet=%s", g.capList(all))
	}
	for range g.r.IntN(3) {
		line("AmbientCapabilities=%s", g.capList(g.host.Bounding))
	}
	if g.chance(20) {
		bits := []string{"keep-caps", "keep-caps-locked", "no-setuid-fixup", "no-setuid-fixup-locked", "noroot", "noroot-locked"}
		var pick []string
		for _, bit := range bits {
			if g.chance(30) {
				pick = append(pick, bit)
			}
		}
		line("SecureBits=%s", strings.Join(pick, " "))
	}
}

// hardening adds no_new_privs, the settings that imply it (ones whose
// seccomp filters the probe does not trip) and mount namespaces.
func (g *unitGenerator) hardening(line func(string, ...any)) {
	if g.chance(45) {
		line("NoNewPrivileges=%s", g.pickS([]string{"yes", "true", "no", "1"}))
	}
	if g.chance(25) {
		line("%s", g.pickS([]string{"RestrictSUIDSGID=yes", "LockPersonality=yes", "RestrictRealtime=yes", "SystemCallArchitectures=native"}))
	}
	if g.chance(40) {
		line("%s", g.pickS([]string{"ProtectSystem=full", "ProtectSystem=strict", "PrivateTmp=yes", "ProtectHome=read-only",
			"ProtectKernelTunables=yes", "ReadOnlyPaths=" + g.probeDir, "PrivateMounts=yes"}))
	}
}

func (g *unitGenerator) prefix() string {
	switch n := g.r.IntN(100); {
	case n < 12:
		return "+"
	case n < 22:
		return "!"
	case n < 27:
		return "!!"
	case n < 35:
		return "-"
	}
	return ""
}

// unitFile draws the program's caps, mode and owner: usually
// executable by everyone, often only by some classes, so that the
// permission checks (as the service's user) decide too.
func (g *unitGenerator) unitFile(p *program) {
	p.Owner, p.Group, p.Mode = g.pick([]uint32{0, 0, 1, 33, 65534}), g.pick([]uint32{0, 0, 4, 33, 65534}), 0o755
	if g.chance(35) {
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
	fc := model.FileCaps{Permitted: g.someOf(all, 8), Inheritable: g.someOf(all, 6), Effective: g.chance(50), Revision: 2}
	raw, err := capfile.Encode(fc)
	if err != nil {
		panic(err)
	}
	p.Caps, p.Xattr = &fc, raw
}
