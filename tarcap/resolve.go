package tarcap

import (
	"bytes"
	"strconv"
	"strings"
)

// resolve works out what readers make of an entry's headers: its name,
// link target, type, size, owner and capabilities.
func resolve(e *entry) error {
	if err := e.readPAX(); err != nil {
		return err
	}
	var err error
	if e.name, err = e.pick(e.hdr.name(), typeLongName, keyPath); err != nil {
		return err
	}
	if sparse, ok := e.record(keySparseName); ok {
		e.name = sparse
	}
	if e.link, err = e.pick(e.hdr.linkname(), typeLongLink, keyLinkpath); err != nil {
		return err
	}
	if e.name == "" {
		return e.fail("entry with an empty name")
	}
	e.typ = e.hdr.typ()
	if e.typ == typeRegA && strings.HasSuffix(e.name, "/") {
		e.typ = typeDir
	}
	if err := e.resolveNumbers(); err != nil {
		return err
	}
	e.caps = e.readCaps()
	return nil
}

// readPAX parses the entry's PAX header, refusing repeated keys.
func (e *entry) readPAX() error {
	if e.pax < 0 {
		return nil
	}
	recs, err := parseRecords(e.exts[e.pax].content())
	if err != nil {
		return e.fail("%v", err)
	}
	seen := make(map[string]bool, len(recs))
	for _, r := range recs {
		if seen[r.key] && !repeatable(r.key) {
			return e.fail("PAX record %s given twice (readers disagree on which applies)", r.key)
		}
		seen[r.key] = true
		if (r.key == keyPath || r.key == keyLinkpath) && strings.IndexByte(r.value, 0) >= 0 {
			return e.fail("PAX record %s holds a NUL byte", r.key)
		}
	}
	e.records = recs
	return nil
}

// record is the value of a PAX record of the entry.
func (e *entry) record(key string) (string, bool) {
	for _, r := range e.records {
		if r.key == key {
			return r.value, true
		}
	}
	return "", false
}

// pick chooses a name among the header field, a GNU long name header and
// a PAX record. GNU tar lets the PAX record win and archive/tar the GNU
// header, so the two must agree.
func (e *entry) pick(field string, long byte, key string) (string, error) {
	name := field
	var fromLong string
	haveLong := false
	for i := range e.exts {
		if e.exts[i].hdr.typ() == long {
			fromLong, haveLong = cString(e.exts[i].content()), true
			name = fromLong
		}
	}
	if v, ok := e.record(key); ok {
		if v == "" {
			return "", e.fail("empty PAX record %s (readers disagree on what it means)", key)
		}
		if haveLong && v != fromLong {
			return "", e.fail("PAX record %s %q and GNU long name %q differ (readers disagree on which applies)", key, v, fromLong)
		}
		name = v
	}
	return name, nil
}

// resolveNumbers reads the size, mode and owner, with their PAX
// overrides.
func (e *entry) resolveNumbers() error {
	size, ok := e.hdr.size()
	if !ok {
		return e.fail("invalid size field %q", e.hdr[offSize:offSize+lenSize])
	}
	mode, uid, gid, ok := e.hdr.ids()
	if !ok {
		return e.fail("invalid mode, uid or gid field")
	}
	for _, o := range []struct {
		key string
		dst *int64
	}{{keySize, &size}, {keyUID, &uid}, {keyGID, &gid}} {
		if v, found := e.record(o.key); found {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || v[0] == '+' {
				return e.fail("invalid PAX record %s=%q", o.key, v)
			}
			*o.dst = n
		}
	}
	if size > maxSize {
		return e.fail("size %d is more than any archive holds", size)
	}
	if size != 0 && headerOnly(e.typ) {
		return e.fail("a %s header with %d bytes of data (readers disagree on whether data follows)", typeName(e.typ), size)
	}
	e.size, e.mode, e.uid, e.gid = size, mode, uid, gid
	e.uname, e.gname = e.hdr.owners()
	if v, ok := e.record(keyUname); ok {
		e.uname = v
	}
	if v, ok := e.record(keyGname); ok {
		e.gname = v
	}
	return nil
}

// maxSize bounds an entry's size so that offsets never overflow.
const maxSize = 1 << 60

// headerOnly types have no data.
func headerOnly(t byte) bool {
	switch t {
	case typeLink, typeSymlink, typeChar, typeBlock, typeDir, typeFifo:
		return true
	}
	return false
}

// regular reports whether the entry extracts as a regular file (a hard
// link is a name of one, but not itself one).
func (e *entry) regular() bool {
	switch e.typ {
	case typeReg, typeRegA, typeCont, typeSparse:
		return true
	}
	return false
}

func typeName(t byte) string {
	switch t {
	case typeLink:
		return "hard link"
	case typeSymlink:
		return "symlink"
	case typeChar:
		return "character device"
	case typeBlock:
		return "block device"
	case typeDir:
		return "directory"
	case typeFifo:
		return "FIFO"
	case typeGlobal:
		return "global PAX header"
	}
	return "type " + strconv.QuoteRune(rune(t)) + " entry"
}

// readCaps finds the capability value readers restore: GNU tar and
// archive/tar read the SCHILY record, bsdtar both forms with the last
// one winning; when both are present they must hold the same bytes.
func (e *entry) readCaps() caps {
	var c caps
	for _, r := range e.records {
		kind := capRecordKind(r.key)
		if kind == notCap {
			continue
		}
		v, err := capValue(r, kind)
		if err != nil {
			return caps{found: true, err: e.fail("%v", err)}
		}
		if c.found && !bytes.Equal(c.value, v) {
			return caps{found: true, err: e.fail("capability records %x and %x differ (GNU tar and bsdtar would restore different capabilities)", c.value, v)}
		}
		c.value, c.found = v, true
	}
	return c
}
