package xattr

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"

	"golang.org/x/sys/unix"
)

// This file reads one directory: getdents64 into a buffer, the names of its
// regular files and subdirectories copied into one arena, sorted so that a
// depth-first walk yields paths in byte order.

// Entry types kept in a listing; everything else is dropped.
const (
	typFile uint8 = unix.DT_REG
	typDir  uint8 = unix.DT_DIR
)

// direntBuf is the getdents64 buffer of one worker: large enough that most
// directories are read by one call plus the one that returns 0.
const direntBuf = 256 << 10

// dent is one entry of a listing: its name is names[off:off+n], followed by
// a NUL so that it can be passed to the kernel as it is.
type dent struct {
	off uint32
	n   uint8
	typ uint8
}

// dirNode is one directory of the walk: its descriptor, its sorted listing,
// and the work in flight on it.
type dirNode struct {
	path  string
	fd    int // -1 once closed
	dev   uint64
	names []byte
	ents  []dent
	// bstart[k] is the index in ents of the first file of batch k.
	bstart []int32
	nfiles int
	// err is reported in place of the directory; skip leaves it out
	// silently (another or a pseudo filesystem).
	err  error
	skip bool

	// Work on this directory, touched by the task that lists it and then
	// only by the consumer.
	batches   []*batchTask // created, not yet consumed, in order
	nextBatch int          // the next batch to create
	kids      []*listTask  // subdirectories requested, not yet consumed
	kidCursor int          // index in ents after the last requested subdirectory
}

// name returns the name of e as a string.
func (d *dirNode) name(e dent) string {
	return string(d.names[e.off : e.off+uint32(e.n)])
}

// nameBytes returns the name of e without its NUL.
func (d *dirNode) nameBytes(e dent) []byte {
	return d.names[e.off : e.off+uint32(e.n)]
}

// size is what the listing holds in memory, for the read-ahead budget.
func (d *dirNode) size() int64 {
	return int64(len(d.names) + 8*len(d.ents) + 4*len(d.bstart) + len(d.path))
}

// joinPath names a child of dir the way nftw does ("/" + "usr" is "/usr").
func joinPath(dir, name string) string {
	if len(dir) > 0 && dir[len(dir)-1] == '/' {
		return dir + name
	}
	return dir + "/" + name
}

// list reads the whole directory d.fd, keeps its regular files and
// subdirectories, sorts them, and cuts the files into batches.
func (s *walkScratch) list(d *dirNode) error {
	if s.dbuf == nil {
		s.dbuf = make([]byte, direntBuf)
	}
	for {
		n, err := getdentsRetry(d.fd, s.dbuf)
		if err != nil {
			return err
		}
		if n <= 0 {
			break
		}
		d.add(s.dbuf[:n])
	}
	slices.SortFunc(d.ents, d.compare)
	d.cutBatches()
	return nil
}

// Offsets in a struct linux_dirent64.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

// add appends the records of one getdents64 call.
func (d *dirNode) add(buf []byte) {
	need, count := 0, 0
	forEachDirent(buf, func(name []byte, typ uint8) {
		need += len(name) + 1
		count++
	})
	d.names = slices.Grow(d.names, need)
	d.ents = slices.Grow(d.ents, count)
	forEachDirent(buf, func(name []byte, typ uint8) {
		if typ == unix.DT_UNKNOWN {
			typ = d.typeOf(name)
		}
		if typ != typFile && typ != typDir {
			return
		}
		d.ents = append(d.ents, dent{off: uint32(len(d.names)), n: uint8(len(name)), typ: typ})
		d.names = append(d.names, name...)
		d.names = append(d.names, 0)
	})
}

// forEachDirent calls fn for each record but "." and ".." whose type is a
// regular file, a directory or unknown.
func forEachDirent(buf []byte, fn func(name []byte, typ uint8)) {
	for len(buf) >= direntName {
		reclen := int(binary.NativeEndian.Uint16(buf[direntReclen:]))
		if reclen < direntName || reclen > len(buf) {
			return
		}
		rec := buf[:reclen]
		buf = buf[reclen:]
		typ := rec[direntType]
		if typ != typFile && typ != typDir && typ != unix.DT_UNKNOWN {
			continue
		}
		name := rec[direntName:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if isDots(name) || len(name) > 255 {
			continue
		}
		fn(name, typ)
	}
}

func isDots(name []byte) bool {
	return len(name) == 1 && name[0] == '.' || len(name) == 2 && name[0] == '.' && name[1] == '.'
}

// typeOf stats an entry whose type getdents64 did not give (DT_UNKNOWN).
func (d *dirNode) typeOf(name []byte) uint8 {
	var st unix.Stat_t
	if fstatatNoFollow(d.fd, string(name), &st) != nil {
		return unix.DT_UNKNOWN
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return typFile
	case unix.S_IFDIR:
		return typDir
	}
	return unix.DT_UNKNOWN
}

// compare orders entries as their full paths sort: a directory compares
// as its name followed by "/", so "a-b" < "a/x" < "a0".
func (d *dirNode) compare(a, b dent) int {
	x, y := d.nameBytes(a), d.nameBytes(b)
	n := min(len(x), len(y))
	if c := bytes.Compare(x[:n], y[:n]); c != 0 {
		return c
	}
	return cmp.Compare(keyAt(x, a.typ, n), keyAt(y, b.typ, n))
}

// keyAt is byte i of an entry's sort key, -1 past its end.
func keyAt(name []byte, typ uint8, i int) int {
	switch {
	case i < len(name):
		return int(name[i])
	case i == len(name) && typ == typDir:
		return '/'
	}
	return -1
}

// batchSize is how many files one task probes.
const batchSize = 64

// cutBatches records where each batch of files starts in ents.
func (d *dirNode) cutBatches() {
	d.nfiles = 0
	for i, e := range d.ents {
		if e.typ != typFile {
			continue
		}
		if d.nfiles%batchSize == 0 {
			d.bstart = append(d.bstart, int32(i))
		}
		d.nfiles++
	}
}

// batchEnd is the index in ents just past batch k.
func (d *dirNode) batchEnd(k int) int {
	if k+1 < len(d.bstart) {
		return int(d.bstart[k+1])
	}
	return len(d.ents)
}
