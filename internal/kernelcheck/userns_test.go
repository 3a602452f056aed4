//go:build linux

package kernelcheck

import (
	"flag"
	"slices"
	"testing"

	"fcap/model"
	"fcap/model/cred"
)

var flagNSN = flag.Int("kernelcheck.nsn", 300, "number of random user-namespace scenarios to run")

// TestKernelMatchesModelInUserNamespaces runs scenarios whose parent is
// in a user namespace (one or two levels below the initial one) with
// random uid and gid maps: who is root there, which revision-3 rootids
// apply (the namespace's root, the root of the one above, others that
// do not), set-id owners that are not mapped, capabilities that cannot
// override permissions on unmapped owners.
func TestKernelMatchesModelInUserNamespaces(t *testing.T) {
	_, lastCap := requireHost(t)
	h, r := newHarness(t, lastCap)
	all := model.UpTo(lastCap)
	g := &generator{r: r, lastCap: lastCap, locs: h.fix.locs, rev3: 35,
		// In a new namespace the launcher has every capability, all
		// raised as ambient (so inheritable too), and a full bounding set.
		start: cred.State{Inheritable: all, Permitted: all, Bounding: all}}
	h.draw = func() *scenario {
		ns := g.namespace()
		g.ids = poolsFor(ns)
		s := &scenario{State: g.state(all)}
		s.State.UserNS = ns
		g.fill(s)
		return s
	}
	h.run(*flagNSN)
}

// namespace draws a chain of one or two user namespaces, maps in kernel
// ids.
func (g *generator) namespace() *cred.UserNS {
	ns := &cred.UserNS{UIDs: g.idMap(), GIDs: g.idMap()}
	if g.chance(25) {
		ns = &cred.UserNS{Parent: ns, UIDs: g.nestedMap(ns.UIDs), GIDs: g.nestedMap(ns.GIDs)}
	}
	return ns
}

// idMap draws a first-level map: root mapped to some host uid (host root
// itself sometimes) plus a range of subordinate ids, an identity range,
// one range from 100000, or no root at all.
func (g *generator) idMap() cred.IDMap {
	switch g.r.IntN(5) {
	case 0, 1:
		root := g.pick([]uint32{0, 1000, 1001, 65534})
		return cred.IDMap{{Inside: 0, Outside: root, Count: 1}, {Inside: 1, Outside: 100000, Count: 65536}}
	case 2:
		return cred.IDMap{{Inside: 0, Outside: 0, Count: 2000}}
	case 3:
		return cred.IDMap{{Inside: 0, Outside: 100000, Count: 65536}}
	}
	return cred.IDMap{{Inside: 1, Outside: 100000, Count: 999}, {Inside: 1000, Outside: 1000, Count: 1}}[:1+g.r.IntN(2)]
}

// nestedMap draws the map of a namespace inside one with map up (both
// in kernel ids): root is one of up's ids, then a range of them.
func (g *generator) nestedMap(up cred.IDMap) cred.IDMap {
	big := up[0]
	for _, r := range up {
		if r.Count > big.Count {
			big = r
		}
	}
	if big.Count < 600 {
		return cred.IDMap{{Inside: 0, Outside: big.Outside, Count: 1}}
	}
	root := big.Outside + uint32(g.r.IntN(5))
	m := cred.IDMap{{Inside: 0, Outside: root, Count: 1}, {Inside: 1, Outside: big.Outside + 10, Count: 500}}
	if g.chance(20) {
		m = m[1:] // no root
	}
	return m
}

// poolsFor makes the id pools of a scenario in ns: the parent's ids are
// ids ns maps; file owners and groups are those, the roots of the
// chain, and ids nobody in it maps.
func poolsFor(ns *cred.UserNS) idPools {
	mapped := func(kernel func(uint32) (uint32, bool)) []uint32 {
		var out []uint32
		for _, in := range []uint32{0, 1, 2, 3, 500, 1000, 65534} {
			if k, ok := kernel(in); ok && !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
		return out
	}
	uids, gids := mapped(ns.KernelUID), mapped(ns.KernelGID)
	foreign := []uint32{0, 5, 1000, 65534, 200000}
	var roots []uint32
	for n := ns; n != nil; n = n.Parent {
		if r, ok := n.RootUID(); ok {
			roots = append(roots, r)
		}
	}
	return idPools{
		uids: uids, gids: gids, groups: gids,
		owners:     append(append(slices.Clone(uids), roots...), foreign...),
		fileGroups: append(slices.Clone(gids), foreign...),
	}
}
