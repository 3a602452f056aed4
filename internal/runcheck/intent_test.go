package runcheck

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"fcap/model"
	"fcap/model/cred"
)

// account is a user or group database entry: name and id.
type account struct{ name, id, gid string }

// readDB reads name:x:id[:gid] entries of /etc/passwd or /etc/group.
func readDB(t *testing.T, path string) []account {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("needs %s to draw users and groups: %v", path, err)
	}
	defer f.Close()
	var out []account
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 4 || fields[0] == "" || strings.HasPrefix(fields[0], "#") {
			continue
		}
		out = append(out, account{name: fields[0], id: fields[2], gid: fields[3]})
	}
	return out
}

// intent is one random launch, written both as fcap run options and as
// setpriv options that ask for the same state.
type intent struct {
	fcap, setpriv []string
	text          string // for messages
	// peerDiffers says why setpriv cannot ask for the same state, "" when
	// it can: setpriv keeps the permitted set fcap had (all of root's),
	// where fcap keeps only the kept capabilities; exec shows the
	// difference only for uid 0 without noroot under no_new_privs, whose
	// permitted set is then clamped to the parent's.
	peerDiffers string
	uid0        bool
}

// generator draws intents from the databases and fcap's own bounding set.
type generator struct {
	r             *rand.Rand
	users, groups []account
	bounding      model.Set
}

func newGenerator(t *testing.T, seed uint64, bounding model.Set) *generator {
	return &generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), users: readDB(t, "/etc/passwd"),
		groups: readDB(t, "/etc/group"), bounding: bounding}
}

func (g *generator) intent() intent {
	var in intent
	g.identity(&in)
	g.caps(&in)
	g.lock(&in)
	in.text = strings.Join(in.fcap, " ")
	return in
}

// identity draws the user, group and supplementary groups.
func (g *generator) identity(in *intent) {
	var uid, gid string
	known := g.r.IntN(4) != 0
	if known {
		u := g.users[g.r.IntN(len(g.users))]
		uid, gid = g.pick(u.name, u.id), u.gid
		in.uid0 = u.id == "0"
		in.fcap = append(in.fcap, "--user", uid)
	} else {
		uid, gid = fmt.Sprint(40000+g.r.IntN(20000)), fmt.Sprint(40000+g.r.IntN(20000))
		in.fcap = append(in.fcap, "--user", uid, "--group", gid)
	}
	if known && g.r.IntN(3) == 0 {
		gr := g.groups[g.r.IntN(len(g.groups))]
		gid = g.pick(gr.name, gr.id)
		in.fcap = append(in.fcap, "--group", gid)
	}
	in.setpriv = append(in.setpriv, "--reuid", uid, "--regid", gid)
	switch n := g.r.IntN(4); {
	case n == 0 && known:
		in.setpriv = append(in.setpriv, "--init-groups") // fcap's default with a known user
	case n == 0:
		in.setpriv = append(in.setpriv, "--clear-groups") // fcap's default without one
	case n == 1 && known:
		in.fcap = append(in.fcap, "--init-groups")
		in.setpriv = append(in.setpriv, "--init-groups")
	default:
		list := g.groupList()
		in.fcap = append(in.fcap, "--groups", list)
		if list == "" {
			in.setpriv = append(in.setpriv, "--clear-groups")
		} else {
			in.setpriv = append(in.setpriv, "--groups", list)
		}
	}
}

// pick returns the name or the number of an entry.
func (g *generator) pick(name, id string) string {
	if g.r.IntN(2) == 0 {
		return name
	}
	return id
}

func (g *generator) groupList() string {
	var list []string
	for range g.r.IntN(4) {
		if g.r.IntN(3) == 0 {
			list = append(list, fmt.Sprint(40000+g.r.IntN(20000)))
			continue
		}
		gr := g.groups[g.r.IntN(len(g.groups))]
		list = append(list, g.pick(gr.name, gr.id))
	}
	return strings.Join(list, ",")
}

// caps draws kept (+ep) and inheritable-only (+i) capabilities from the
// bounding set, some of them through --adjust, and the bounding choice.
func (g *generator) caps(in *intent) {
	avail := g.bounding.Caps()
	var amb, inh model.Set
	for range g.r.IntN(5) {
		c := avail[g.r.IntN(len(avail))]
		if g.r.IntN(3) == 0 {
			inh |= model.SetOf(c)
		} else {
			amb |= model.SetOf(c)
		}
	}
	inh &^= amb
	var clauses []string
	if amb != 0 {
		clauses = append(clauses, amb.Names()+"+ep")
	}
	if inh != 0 {
		clauses = append(clauses, inh.Names()+"+i")
	}
	if len(clauses) > 0 || g.r.IntN(2) == 0 {
		in.fcap = append(in.fcap, "--caps", strings.Join(clauses, " "))
	}
	if extra := avail[g.r.IntN(len(avail))]; g.r.IntN(3) == 0 && !(amb | inh).Has(extra) {
		in.fcap = append(in.fcap, "--adjust", "+"+strings.ToUpper(extra.String())+" -"+extra.String())
	}
	if c := avail[g.r.IntN(len(avail))]; g.r.IntN(4) == 0 && !inh.Has(c) {
		amb |= model.SetOf(c)
		in.fcap = append(in.fcap, "--adjust", "+"+strings.TrimPrefix(c.String(), "cap_"))
	}
	in.setpriv = append(in.setpriv, "--inh-caps", setprivCaps(amb|inh), "--ambient-caps", setprivCaps(amb))
	if g.r.IntN(4) == 0 {
		in.fcap = append(in.fcap, "--keep-bounding")
	} else {
		in.setpriv = append(in.setpriv, "--bounding-set", setprivCaps(amb|inh))
	}
}

// setprivCaps writes a set as setpriv wants it: -all,+name,... without
// the cap_ prefix.
func setprivCaps(s model.Set) string {
	out := "-all"
	for _, c := range s.Caps() {
		out += ",+" + strings.TrimPrefix(c.String(), "cap_")
	}
	return out
}

// setprivBits are the securebits setpriv can set, with its names.
var setprivBits = []struct {
	bit  cred.Securebits
	name string
}{
	{cred.SecbitNoroot, "noroot"}, {cred.SecbitNorootLocked, "noroot_locked"},
	{cred.SecbitNoSetuidFixup, "no_setuid_fixup"}, {cred.SecbitNoSetuidFixupLocked, "no_setuid_fixup_locked"},
	{cred.SecbitKeepCapsLocked, "keep_caps_locked"},
}

// lock draws no_new_privs and the securebits: fcap's default (root
// revoked), none, or a random mix of what setpriv can set.
func (g *generator) lock(in *intent) {
	if g.r.IntN(3) == 0 {
		in.fcap = append(in.fcap, "--nnp")
		in.setpriv = append(in.setpriv, "--nnp")
	}
	bits := cred.SecbitNoroot | cred.SecbitNorootLocked | cred.SecbitNoSetuidFixup | cred.SecbitNoSetuidFixupLocked
	switch g.r.IntN(5) {
	case 0:
		bits = 0
		in.fcap = append(in.fcap, "--secbits", "none")
	case 1:
		bits = 0
		for _, b := range setprivBits {
			if g.r.IntN(2) == 0 {
				bits |= b.bit
			}
		}
		in.fcap = append(in.fcap, "--secbits", fmt.Sprint(uint32(bits)))
	}
	if in.uid0 && bits&cred.SecbitNoroot == 0 && slices.Contains(in.fcap, "--nnp") {
		in.peerDiffers = "uid 0 without noroot under no_new_privs: setpriv keeps root's permitted set"
	}
	var names []string
	for _, b := range setprivBits {
		if bits&b.bit != 0 {
			names = append(names, "+"+b.name)
		}
	}
	if len(names) > 0 {
		in.setpriv = append(in.setpriv, "--securebits", strings.Join(names, ","))
	}
}
