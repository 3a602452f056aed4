package cred

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// InvalidID is the id no process or file can have ((uid_t)-1): the
// kernel's INVALID_UID, and what an id that has no mapping becomes.
const InvalidID = 1<<32 - 1

// maxExtents is the most lines a uid_map or gid_map may have.
const maxExtents = 340

// IDRange maps Count consecutive ids: Inside, Inside+1, ... in the
// namespace are Outside, Outside+1, ... in the initial namespace (the
// kernel's own ids, which /proc shows to a reader in the initial
// namespace).
type IDRange struct {
	Inside, Outside, Count uint32
}

// IDMap is a namespace's uid_map or gid_map.
type IDMap []IDRange

// UserNS is a user namespace below the initial one, as its maps describe
// it. A nil *UserNS is the initial namespace, where every valid id maps
// to itself.
type UserNS struct {
	UIDs, GIDs IDMap
	// Parent is the namespace it was created in; nil is the initial one.
	Parent *UserNS
}

// Inside returns the id the kernel id kid has in the map's namespace, and
// whether it has one.
func (m IDMap) Inside(kid uint32) (uint32, bool) {
	for _, r := range m {
		if kid >= r.Outside && kid-r.Outside < r.Count {
			return r.Inside + (kid - r.Outside), true
		}
	}
	return 0, false
}

// Outside returns the kernel id of the namespace's id, and whether it is
// mapped.
func (m IDMap) Outside(id uint32) (uint32, bool) {
	for _, r := range m {
		if id >= r.Inside && id-r.Inside < r.Count {
			return r.Outside + (id - r.Inside), true
		}
	}
	return 0, false
}

// String writes the map as ParseIDMap reads it ("0:1000:1,1:100000:65536").
func (m IDMap) String() string {
	parts := make([]string, len(m))
	for i, r := range m {
		parts[i] = fmt.Sprintf("%d:%d:%d", r.Inside, r.Outside, r.Count)
	}
	return strings.Join(parts, ",")
}

// UID returns the id kernel uid kid has in ns (itself in the initial
// namespace), and whether it is mapped there.
func (ns *UserNS) UID(kid uint32) (uint32, bool) {
	if ns == nil {
		return kid, kid != InvalidID
	}
	return ns.UIDs.Inside(kid)
}

// GID is UID for group ids.
func (ns *UserNS) GID(kid uint32) (uint32, bool) {
	if ns == nil {
		return kid, kid != InvalidID
	}
	return ns.GIDs.Inside(kid)
}

// KernelUID returns the kernel uid of uid id of ns (itself in the
// initial namespace), and whether ns maps it.
func (ns *UserNS) KernelUID(id uint32) (uint32, bool) {
	if ns == nil {
		return id, id != InvalidID
	}
	return ns.UIDs.Outside(id)
}

// KernelGID is KernelUID for group ids.
func (ns *UserNS) KernelGID(id uint32) (uint32, bool) {
	if ns == nil {
		return id, id != InvalidID
	}
	return ns.GIDs.Outside(id)
}

// RootUID returns the kernel uid of the namespace's root (uid 0 inside),
// and false when nobody is root there (0 is not mapped).
func (ns *UserNS) RootUID() (uint32, bool) {
	return ns.KernelUID(0)
}

// Depth is how many namespaces lie between ns and the initial one, ns
// included: 0 for the initial namespace.
func (ns *UserNS) Depth() int {
	n := 0
	for ; ns != nil; ns = ns.Parent {
		n++
	}
	return n
}

// OwnsRootID reports whether a file capability's rootid (a kernel uid)
// applies to a process in ns: it must be the root of ns or of a
// namespace above it; the initial namespace's root is uid 0, so a
// rootid of 0 (revision 2) applies everywhere (commoncap.c,
// rootid_owns_currentns).
func (ns *UserNS) OwnsRootID(rootid uint32) bool {
	for ; ns != nil; ns = ns.Parent {
		if in, ok := ns.UIDs.Inside(rootid); ok && in == 0 {
			return true
		}
	}
	return rootid == 0
}

// ParseIDMap reads a uid or gid map written as INSIDE:OUTSIDE:COUNT
// ranges separated by commas ("0:1000:1,1:100000:65536"), or as the
// lines of /proc/PID/uid_map ("0 1000 1"). It checks the map as the
// kernel does when it is written (see IDMap.Check).
func ParseIDMap(s string) (IDMap, error) {
	var m IDMap
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		f := strings.FieldsFunc(part, func(r rune) bool { return r == ':' || r == ' ' || r == '\t' })
		if len(f) != 3 {
			return nil, fmt.Errorf("id map range %q: want INSIDE:OUTSIDE:COUNT", strings.TrimSpace(part))
		}
		var v [3]uint32
		for i, w := range f {
			n, err := strconv.ParseUint(w, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("id map range %q: %q is not a number", strings.TrimSpace(part), w)
			}
			v[i] = uint32(n)
		}
		m = append(m, IDRange{Inside: v[0], Outside: v[1], Count: v[2]})
	}
	if len(m) == 0 {
		return nil, errors.New("empty id map")
	}
	return m, m.Check()
}

// Check applies the kernel's rules for a map (kernel/user_namespace.c,
// map_write): 1 to 340 ranges, none empty, none reaching the invalid id
// 4294967295 on either side, and no two overlapping inside or outside.
func (m IDMap) Check() error {
	if len(m) == 0 || len(m) > maxExtents {
		return fmt.Errorf("id map has %d ranges (want 1 to %d)", len(m), maxExtents)
	}
	for i, r := range m {
		if r.Count == 0 {
			return fmt.Errorf("id map range %d:%d:%d is empty", r.Inside, r.Outside, r.Count)
		}
		if uint64(r.Inside)+uint64(r.Count) > InvalidID || uint64(r.Outside)+uint64(r.Count) > InvalidID {
			return fmt.Errorf("id map range %d:%d:%d reaches past id 4294967294", r.Inside, r.Outside, r.Count)
		}
		for _, o := range m[:i] {
			if overlap(r.Inside, r.Count, o.Inside, o.Count) || overlap(r.Outside, r.Count, o.Outside, o.Count) {
				return fmt.Errorf("id map ranges %d:%d:%d and %d:%d:%d overlap", o.Inside, o.Outside, o.Count, r.Inside, r.Outside, r.Count)
			}
		}
	}
	return nil
}

func overlap(a, n, b, m uint32) bool {
	return uint64(a) < uint64(b)+uint64(m) && uint64(b) < uint64(a)+uint64(n)
}

// check verifies every map of ns and that each range of a namespace
// lies within one range of the namespace above it, as the kernel
// requires when a map is written.
func (ns *UserNS) check() error {
	for ; ns != nil; ns = ns.Parent {
		for _, x := range []struct {
			kind  string
			m, up IDMap
		}{{"uid", ns.UIDs, ns.Parent.uids()}, {"gid", ns.GIDs, ns.Parent.gids()}} {
			if err := x.m.Check(); err != nil {
				return fmt.Errorf("%s map: %w", x.kind, err)
			}
			for _, r := range x.m {
				if x.up != nil && !x.up.covers(r.Outside, r.Count) {
					return fmt.Errorf("%s map range %d:%d:%d is not mapped in the namespace above", x.kind, r.Inside, r.Outside, r.Count)
				}
			}
		}
	}
	return nil
}

// uids and gids are the maps of ns, nil for the initial namespace (which
// maps everything).
func (ns *UserNS) uids() IDMap {
	if ns == nil {
		return nil
	}
	return ns.UIDs
}

func (ns *UserNS) gids() IDMap {
	if ns == nil {
		return nil
	}
	return ns.GIDs
}

// covers reports whether kernel ids first..first+n-1 lie in one range.
func (m IDMap) covers(first, n uint32) bool {
	for _, r := range m {
		if first >= r.Outside && uint64(first)+uint64(n) <= uint64(r.Outside)+uint64(r.Count) {
			return true
		}
	}
	return false
}
