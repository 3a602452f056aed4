package xattr

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file holds a directory of the walk: the names of its regular files
// and subdirectories, copied from getdents64 records into one arena and
// sorted so that a depth-first walk yields paths in byte order.

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

// listing is names copied from getdents64 records into one arena, and the
// regular files among them.
type listing struct {
	names []byte
	files []dent
}

// keep copies name into the arena.
func (l *listing) keep(name []byte, typ uint8) dent {
	e := dent{off: uint32(len(l.names)), n: uint8(len(name)), typ: typ}
	l.names = append(l.names, name...)
	l.names = append(l.names, 0)
	return e
}

// nameOf returns the name of e as a string.
func (l *listing) nameOf(e dent) string {
	return string(l.nameBytes(e))
}

// nameBytes returns the name of e without its NUL.
func (l *listing) nameBytes(e dent) []byte {
	return l.names[e.off : e.off+uint32(e.n)]
}

// compare orders entries as their full paths sort: a directory compares
// as its name followed by "/", so "a-b" < "a/x" < "a0".
func (l *listing) compare(a, b dent) int {
	return compareNames(l.nameBytes(a), a.typ, l.nameBytes(b), b.typ)
}

// dirNode is one directory of the walk: its descriptor while it is needed,
// and what its reader found, which the consumer reports in order.
type dirNode struct {
	parent *dirNode
	name   []byte // in parent, NUL-terminated; nil for the root
	path   string
	fd     int // -1 once closed
	dev    uint64
	// refs counts the uses of fd left: the reader, each subdirectory not
	// yet opened relative to it, and the consumer for deferred files.
	refs  atomic.Int32
	state atomic.Uint32 // dirFree, dirClaimed, dirRead

	// Written by the reader before it marks the directory read. The
	// files are sorted; with OnlyFound, only those with a value or an
	// error.
	err  error // reported in place of the directory
	skip bool  // left out silently (another or a pseudo filesystem)
	listing
	res   []fileRes     // one per file from files[win] on
	stats []unix.Stat_t // likewise, with NeedStat
	win   int           // index in files of res[0]
	kids  []*dirNode    // subdirectories, sorted
	// deferred leaves the files of a large directory to the consumer,
	// which reads them bigDir at a time, so that their results are never
	// all held at once.
	deferred bool
	cost     int64 // bytes counted in walker.ahead
}

// States of a dirNode.
const (
	dirFree    uint32 = iota // waiting for a reader
	dirClaimed               // being read
	dirRead                  // read: the consumer may look at it
)

// fileRes is the attribute value of a file, or the error met reading it.
type fileRes struct {
	val []byte
	err error
}

// size is what d holds for the consumer, for the read-ahead limit.
func (d *dirNode) size() int64 {
	const node = int64(unsafe.Sizeof(dirNode{}))
	return int64(len(d.path)+len(d.names)+8*len(d.files)) + int64(len(d.kids))*(node+8) +
		int64(len(d.res))*int64(unsafe.Sizeof(fileRes{})) + int64(len(d.stats))*int64(unsafe.Sizeof(unix.Stat_t{}))
}

// joinPath names a child of dir the way nftw does ("/" + "usr" is "/usr").
func joinPath(dir, name string) string {
	if len(dir) > 0 && dir[len(dir)-1] == '/' {
		return dir + name
	}
	return dir + "/" + name
}

// Offsets in a struct linux_dirent64.
const (
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

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

// direntCount counts, over getdents64 buffers, what a listing will hold.
// An entry of unknown type counts as both a file and a directory.
type direntCount struct {
	files, dirs, nameBytes int
}

func (c *direntCount) add(buf []byte) {
	forEachDirent(buf, func(name []byte, typ uint8) {
		if typ != typDir {
			c.files++
		}
		if typ != typFile {
			c.dirs++
		}
		c.nameBytes += len(name) + 1
	})
}

// manyFiles reports whether a getdents64 buffer holds enough regular files
// to be shared out among the workers. Most buffers are too short to hold
// that many records, which their length alone tells.
func manyFiles(buf []byte) bool {
	const minRecord = 24 // a 19-byte header, a 1-byte name and its NUL, 8-aligned
	if len(buf) < 2*chunkSize*minRecord {
		return false
	}
	n := 0
	forEachDirent(buf, func(_ []byte, typ uint8) {
		if typ == typFile {
			n++
		}
	})
	return n >= 2*chunkSize
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

// compareNames is compare for names of entries of one directory.
func compareNames(x []byte, xt uint8, y []byte, yt uint8) int {
	n := min(len(x), len(y))
	if c := bytes.Compare(x[:n], y[:n]); c != 0 {
		return c
	}
	return cmp.Compare(keyAt(x, xt, n), keyAt(y, yt, n))
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
