package tarcap

import (
	"bytes"
	"fmt"
	"path"

	"fcap/capfile"
	"fcap/model"
)

// same reports whether the records already give target (nil: none).
func (c caps) same(target []byte) bool {
	if target == nil || !c.found {
		return target == nil && !c.found
	}
	return c.err == nil && sameCaps(c.value, target)
}

// sameCaps reports whether two values grant the same capabilities once
// extracted. A revision-1 or malformed value is the same only as the
// same bytes: the kernel refuses to store it, so extraction loses it.
func sameCaps(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	fa, errA := capfile.Decode(a)
	fb, errB := capfile.Decode(b)
	if errA != nil || errB != nil || fa.Revision == 1 || fb.Revision == 1 {
		return bytes.Equal(a, b)
	}
	return fa.SameCaps(fb)
}

// describeValue prints a value for messages, as `fcap get -n` does.
func describeValue(v []byte) string {
	if v == nil {
		return "none"
	}
	fc, err := capfile.Decode(v)
	if err != nil {
		return fmt.Sprintf("invalid value %x", v)
	}
	return fc.Format(model.LastNamed)
}

// setCaps rewrites the entry's PAX header so that it carries target
// (nil: no capability record). Other records keep their order; the new
// record takes the place of the first capability record, or goes last.
// A PAX header left with no records is dropped; an entry without one
// gets a new one just before its own header.
func (e *entry) setCaps(target []byte) error {
	recs := make([]record, 0, len(e.records)+1)
	placed := target == nil
	for _, r := range e.records {
		if capRecordKind(r.key) == notCap {
			recs = append(recs, r)
			continue
		}
		if !placed {
			recs = append(recs, record{key: KeySchily, value: string(target)})
			placed = true
		}
	}
	if !placed {
		recs = append(recs, record{key: KeySchily, value: string(target)})
	}
	e.records = recs
	switch {
	case e.pax >= 0 && len(recs) == 0:
		e.exts = append(e.exts[:e.pax], e.exts[e.pax+1:]...)
		e.pax = -1
		return nil
	case e.pax < 0 && len(recs) == 0:
		return nil
	case e.pax < 0:
		e.exts = append(e.exts, ext{hdr: newPAXHeader(&e.hdr, e.name)})
		e.pax = len(e.exts) - 1
	}
	if err := e.exts[e.pax].setData(formatRecords(recs)); err != nil {
		return e.fail("%v", err)
	}
	return nil
}

// setData replaces an extension header's data, fixing its size and
// checksum.
func (x *ext) setData(data []byte) error {
	if len(data) > maxExtension {
		return fmt.Errorf("PAX header would grow to %d bytes", len(data))
	}
	x.size = int64(len(data))
	x.data = make([]byte, blocksFor(x.size))
	copy(x.data, data)
	x.hdr.setSize(x.size)
	x.hdr.setChecksum()
	return nil
}

// newPAXHeader makes the header block of a new PAX header for an entry,
// as GNU tar names them (DIR/PaxHeaders/BASE), with the entry's
// modification time. Readers look only at its type and size.
func newPAXHeader(main *block, name string) block {
	var b block
	dir, base := path.Split(Key(name))
	hname := dir + "PaxHeaders/" + base
	if len(hname) > lenName {
		hname = hname[:lenName]
	}
	copy(b[offName:], hname)
	copy(b[offMode:], "0000644\x00")
	copy(b[offUID:], "0000000\x00")
	copy(b[offGID:], "0000000\x00")
	copy(b[offMtime:offMtime+lenMtime], main[offMtime:offMtime+lenMtime])
	b[offType] = typePAX
	copy(b[offMagic:], magicUSTAR)
	copy(b[offMagic+6:], "00")
	return b
}
