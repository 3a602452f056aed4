package tarcap

import (
	"errors"
	"fmt"
	"io"
)

// ext is an extension header (PAX 'x', GNU 'L' or 'K') that precedes an
// entry's own header, with its data padded to whole blocks as read.
type ext struct {
	hdr  block
	data []byte
	size int64 // the data's length without padding
}

// content is the data without its padding.
func (x *ext) content() []byte { return x.data[:x.size] }

// entry is one member of the archive as it was read: its raw headers and
// what readers make of them. Its data has not been read yet.
type entry struct {
	index  int
	offset int64
	exts   []ext
	hdr    block
	gnuExt []block // old GNU sparse extension blocks
	// body holds the data of a global header, read to be checked; nil
	// for other entries, whose data stays in the stream.
	body []byte

	name, link     string
	typ            byte
	size           int64 // bytes of data after the headers, unpadded
	mode, uid, gid int64
	uname, gname   string
	pax            int      // index in exts of the PAX header; -1 for none
	records        []record // the PAX header's records
	caps           caps
}

// caps is what an entry's capability records say.
type caps struct {
	value []byte // the raw value readers restore; nil for none
	found bool   // a capability record is present
	err   error  // the records cannot be read or disagree
}

// reader reads the entries of a tar stream one by one.
type reader struct {
	in    *input
	index int
	// endZeros is the number of zero blocks of the end-of-archive mark
	// read: 2, or 1 when the input ends after one.
	endZeros int
}

func newReader(r io.Reader) *reader { return &reader{in: newInput(r)} }

// errEnd is returned by next at the end of the archive.
var errEnd = errors.New("end of archive")

// fail makes an *Error for the entry being read.
func (e *entry) fail(format string, a ...any) *Error {
	return &Error{Entry: e.label(), Index: e.index, Offset: e.offset, Reason: fmt.Sprintf(format, a...)}
}

// label names the entry in messages: its name once known, else the
// last extension header read.
func (e *entry) label() string {
	if e.name != "" {
		return displayName(e.name)
	}
	if n := len(e.exts); n > 0 {
		return fmt.Sprintf("%s header %q", extKind(e.exts[n-1].hdr.typ()), e.exts[n-1].hdr.name())
	}
	return ""
}

func extKind(t byte) string {
	switch t {
	case typePAX:
		return "PAX"
	case typeGlobal:
		return "global PAX"
	case typeLongName:
		return "GNU long name"
	}
	return "GNU long link"
}

// next reads the headers of the next entry, up to its data. It returns
// errEnd after the end-of-archive mark (or at the end of the input on a
// header boundary, which readers accept as the end too).
func (r *reader) next() (*entry, error) {
	r.index++
	e := &entry{index: r.index, offset: r.in.off, pax: -1}
	for {
		b, err := r.header(e)
		if err != nil {
			return nil, err
		}
		switch b.typ() {
		case typePAX, typeLongName, typeLongLink:
			if err := r.readExt(e, b); err != nil {
				return nil, err
			}
			continue
		case typeGlobal:
			return r.global(e, b)
		case typeSolarisX:
			return nil, e.fail("Solaris extended header ('X'): not supported (readers disagree on it)")
		}
		e.hdr = *b
		if err := r.readGNUSparse(e); err != nil {
			return nil, err
		}
		return e, resolve(e)
	}
}

// header reads one header block and checks it; the end-of-archive mark
// or the end of input before an entry starts is errEnd.
func (r *reader) header(e *entry) (*block, error) {
	var b block
	start := r.in.off
	err := r.in.readFull(b[:])
	switch {
	case errors.Is(err, io.EOF) && len(e.exts) == 0:
		return nil, errEnd
	case err != nil:
		return nil, e.fail("%s", readFailure("a header block", err))
	case b.isZero() && len(e.exts) == 0:
		return nil, r.endMark(e)
	case b.isZero():
		return nil, e.fail("extension headers followed by the end-of-archive mark")
	case !b.checksumOK():
		return nil, e.fail("bad header checksum at byte %d (name field %q): not a tar archive, or a damaged one", start, b.name())
	}
	return &b, nil
}

// endMark checks the block after a zero block: another zero block ends
// the archive; the input may also end there.
func (r *reader) endMark(e *entry) error {
	var b block
	err := r.in.readFull(b[:])
	switch {
	case errors.Is(err, io.EOF):
		r.endZeros = 1
	case err != nil:
		return e.fail("%s", readFailure("the end-of-archive mark", err))
	case !b.isZero():
		return e.fail("a lone zero block before more entries (readers disagree on whether the archive ends there)")
	default:
		r.endZeros = 2
	}
	return errEnd
}

// readExt reads an extension header's data into e.
func (r *reader) readExt(e *entry, b *block) error {
	for _, x := range e.exts {
		if x.hdr.typ() == b.typ() {
			return e.fail("two %s headers for one entry (readers disagree on which applies)", extKind(b.typ()))
		}
	}
	e.exts = append(e.exts, ext{hdr: *b})
	x := &e.exts[len(e.exts)-1]
	data, size, err := r.readSmall(e, b)
	if err != nil {
		return err
	}
	x.data, x.size = data, size
	if b.typ() == typePAX {
		e.pax = len(e.exts) - 1
	}
	return nil
}

// readSmall reads the data of a header whose data is metadata, bounded
// by maxExtension.
func (r *reader) readSmall(e *entry, b *block) ([]byte, int64, error) {
	size, ok := b.size()
	switch {
	case !ok:
		return nil, 0, e.fail("invalid size field %q", b[offSize:offSize+lenSize])
	case size > maxExtension:
		return nil, 0, e.fail("%s header of %d bytes: more than the %d bytes allowed", extKind(b.typ()), size, maxExtension)
	}
	data := make([]byte, blocksFor(size))
	if err := r.in.readFull(data); err != nil {
		return nil, 0, e.fail("%s", readFailure("a "+extKind(b.typ())+" header", err))
	}
	return data, size, nil
}

// global reads a global PAX header, which is an entry of its own.
// Readers differ in how they apply it (archive/tar ignores it, GNU tar
// applies it to every later entry), so one that sets anything this
// package reads is refused.
func (r *reader) global(e *entry, b *block) (*entry, error) {
	if len(e.exts) > 0 {
		return nil, e.fail("global PAX header between an entry's extension headers and its header")
	}
	e.hdr, e.typ = *b, typeGlobal
	data, size, err := r.readSmall(e, b)
	if err != nil {
		return nil, err
	}
	e.body, e.size = data, size
	recs, err := parseRecords(data[:size])
	if err != nil {
		return nil, e.fail("global PAX header: %v", err)
	}
	for _, rec := range recs {
		if globalForbidden(rec.key) {
			return nil, e.fail("global PAX header sets %s for every later entry: not supported (readers disagree on it)", rec.key)
		}
	}
	return e, nil
}

func globalForbidden(key string) bool {
	switch key {
	case keyPath, keyLinkpath, keySize, keyUID, keyGID:
		return true
	}
	return capRecordKind(key) != notCap || len(key) > len(sparsePrefix) && key[:len(sparsePrefix)] == sparsePrefix
}

// readGNUSparse reads the extension blocks of an old GNU sparse header.
func (r *reader) readGNUSparse(e *entry) error {
	if e.hdr.typ() != typeSparse || !e.hdr.isGNU() {
		return nil
	}
	more := e.hdr[offGNUExtended] != 0
	for more {
		if len(e.gnuExt) >= maxExtension/blockSize {
			return e.fail("more than %d old GNU sparse extension blocks", maxExtension/blockSize)
		}
		var b block
		if err := r.in.readFull(b[:]); err != nil {
			return e.fail("%s", readFailure("old GNU sparse extension blocks", err))
		}
		e.gnuExt = append(e.gnuExt, b)
		more = b[offGNUExtExtended] != 0
	}
	return nil
}

// trailer reads what follows the end-of-archive mark to the end of the
// input: only zeros may follow (the padding of the last record). It
// returns their number.
func (r *reader) trailer() (int64, error) {
	var n int64
	for {
		if r.in.start == r.in.end && !r.in.fill() {
			if errors.Is(r.in.err, io.EOF) {
				return n, nil
			}
			return n, fmt.Errorf("read archive: %w", r.in.err)
		}
		chunk := r.in.buf[r.in.start:r.in.end]
		if i := firstNonZero(chunk); i >= 0 {
			return n, &Error{Index: r.index, Offset: r.in.off + int64(i),
				Reason: "data after the end-of-archive mark (readers stop at the mark and ignore it)"}
		}
		r.in.copyN(nil, int64(len(chunk)))
		n += int64(len(chunk))
	}
}

// writeEnd writes the end-of-archive mark as it was read, then n zeros.
func (r *reader) writeEnd(w *output, n int64) {
	for i := 0; i < r.endZeros; i++ {
		w.write(zeroBlock[:])
	}
	for ; n > 0; n -= min(n, blockSize) {
		w.write(zeroBlock[:min(n, blockSize)])
	}
}

func firstNonZero(b []byte) int {
	for i, c := range b {
		if c != 0 {
			return i
		}
	}
	return -1
}

// readFailure says why reading stopped inside part of an entry.
func readFailure(where string, err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "archive truncated in " + where
	}
	return fmt.Sprintf("cannot read %s: %v", where, err)
}

// data passes the entry's data, with its padding, to w (nil: skips it).
// An error writing is left in w.err. The input may end right after the
// data of the last entry, without padding or end-of-archive mark, as
// archive/tar reads it (umoci 0.4 writes such layers).
func (r *reader) data(e *entry, w *output) error {
	if e.body != nil {
		if w != nil {
			w.write(e.body)
		}
		return nil
	}
	n, err := r.in.copyN(w, e.size)
	if err == nil && e.size%blockSize != 0 && !r.in.atEOF() {
		var k int64
		k, err = r.in.copyN(w, blocksFor(e.size)-e.size)
		n += k
	}
	if err != nil && (w == nil || w.err == nil) {
		return e.fail("%s", readFailure(fmt.Sprintf("its data (%d of %d bytes read)", n, blocksFor(e.size)), err))
	}
	return nil
}

// linkMismatch is the error for a hard link whose own capability record
// differs from its target's capabilities; hint ends the reason.
func linkMismatch(e *entry, target []byte, hint string) *Error {
	return e.fail("the hard link's capability record (%s) differs from that of its target %s (%s): GNU tar keeps the target's, containers/storage applies the link's%s",
		describeValue(e.caps.value), displayName(e.link), describeValue(target), hint)
}
