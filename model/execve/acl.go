package execve

import (
	"encoding/binary"
	"fmt"
	"strings"

	"fcap/model/cred"
)

// ACL is a POSIX access ACL, the system.posix_acl_access attribute, in
// the order the kernel keeps its entries.
type ACL []ACLEntry

// ACLEntry is one entry of an ACL.
type ACLEntry struct {
	Tag ACLTag
	// Perm holds read (4), write (2) and execute (1).
	Perm uint16
	// ID is the user or group of an ACLUser or ACLGroup entry.
	ID uint32
}

// ACLTag says whom an entry is for.
type ACLTag uint16

// The tags of <linux/posix_acl.h>.
const (
	ACLUserObj  ACLTag = 0x01
	ACLUser     ACLTag = 0x02
	ACLGroupObj ACLTag = 0x04
	ACLGroup    ACLTag = 0x08
	ACLMask     ACLTag = 0x10
	ACLOther    ACLTag = 0x20
)

// aclVersion is the version word of the attribute's value.
const aclVersion = 2

// ParseACL decodes a system.posix_acl_access value: a little-endian
// version word (2), then 8-byte entries (tag, perm: 16 bits; id: 32 bits).
func ParseACL(b []byte) (ACL, error) {
	if len(b) < 4 || (len(b)-4)%8 != 0 {
		return nil, fmt.Errorf("ACL of %d bytes: want 4 + 8 per entry", len(b))
	}
	if v := binary.LittleEndian.Uint32(b); v != aclVersion {
		return nil, fmt.Errorf("ACL version %d, want %d", v, aclVersion)
	}
	var a ACL
	for i := 4; i < len(b); i += 8 {
		e := ACLEntry{Tag: ACLTag(binary.LittleEndian.Uint16(b[i:])), Perm: binary.LittleEndian.Uint16(b[i+2:]), ID: binary.LittleEndian.Uint32(b[i+4:])}
		switch e.Tag {
		case ACLUserObj, ACLUser, ACLGroupObj, ACLGroup, ACLMask, ACLOther:
		default:
			return nil, fmt.Errorf("ACL entry with unknown tag 0x%x", uint16(e.Tag))
		}
		a = append(a, e)
	}
	return a, nil
}

// String writes the ACL as getfacl's short form does
// ("u::rwx,u:1000:r-x,g::r-x,m::r-x,o::---").
func (a ACL) String() string {
	parts := make([]string, len(a))
	for i, e := range a {
		var who string
		switch e.Tag {
		case ACLUserObj:
			who = "u:"
		case ACLUser:
			who = fmt.Sprintf("u:%d", e.ID)
		case ACLGroupObj:
			who = "g:"
		case ACLGroup:
			who = fmt.Sprintf("g:%d", e.ID)
		case ACLMask:
			who = "m:"
		case ACLOther:
			who = "o:"
		}
		parts[i] = who + ":" + rwx(e.Perm)
	}
	return strings.Join(parts, ",")
}

func rwx(p uint16) string {
	b := []byte("---")
	for i, c := range "rwx" {
		if p&(4>>i) != 0 {
			b[i] = byte(c)
		}
	}
	return string(b)
}

// check is the kernel's posix_acl_permission for a process that does
// not own the file: it returns whether the ACL grants want, and which
// entry decided.
func (a ACL) check(p cred.State, gid uint32, want uint16) (bool, string) {
	found := false
	for i, e := range a {
		switch e.Tag {
		case ACLUserObj:
			// The owner never gets here: the mode's owner bits decide.
		case ACLUser:
			if e.ID == p.FSUID {
				return a.masked(i, want)
			}
		case ACLGroupObj, ACLGroup:
			g := gid
			if e.Tag == ACLGroup {
				g = e.ID
			}
			if p.InGroup(g) {
				found = true
				if e.Perm&want == want {
					return a.masked(i, want)
				}
			}
		case ACLOther:
			if found {
				return false, "ACL: a matching group entry lacks the permission"
			}
			return e.Perm&want == want, "ACL entry o::" + rwx(e.Perm)
		}
	}
	return false, "ACL without an other entry"
}

// masked applies the mask entry (if any) to the entry at i that matched.
func (a ACL) masked(i int, want uint16) (bool, string) {
	e := a[i]
	what := "ACL entry " + ACL{e}.String()
	for _, m := range a[i+1:] {
		if m.Tag == ACLMask {
			return e.Perm&m.Perm&want == want, what + " with mask m::" + rwx(m.Perm)
		}
	}
	return e.Perm&want == want, what
}
