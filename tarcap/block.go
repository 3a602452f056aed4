package tarcap

import (
	"bytes"
	"strconv"
)

// blockSize is the unit of a tar stream.
const blockSize = 512

// block is one 512-byte header block.
type block [blockSize]byte

// Offsets and sizes of the header fields this package reads or writes
// (ustar, with the GNU and star variants where they differ).
const (
	offName     = 0
	lenName     = 100
	offMode     = 100
	offUID      = 108
	offGID      = 116
	offSize     = 124
	lenSize     = 12
	offMtime    = 136
	lenMtime    = 12
	offChksum   = 148
	lenChksum   = 8
	offType     = 156
	offLinkname = 157
	offMagic    = 257
	offUname    = 265
	offGname    = 297
	lenOwner    = 32
	offPrefix   = 345
	lenPrefix   = 155
	lenStarPfx  = 131 // star keeps atime and ctime after a shorter prefix
	offStarTail = 508

	// Old GNU sparse headers: a flag saying extension blocks follow, and
	// the same flag at the end of each extension block.
	offGNUExtended    = 482
	offGNUExtExtended = 504
)

// Entry types this package treats specially.
const (
	typeReg      = '0'
	typeRegA     = 0 // pre-POSIX regular file
	typeLink     = '1'
	typeSymlink  = '2'
	typeChar     = '3'
	typeBlock    = '4'
	typeDir      = '5'
	typeFifo     = '6'
	typeCont     = '7'
	typePAX      = 'x'
	typeGlobal   = 'g'
	typeLongName = 'L'
	typeLongLink = 'K'
	typeSparse   = 'S'
	typeSolarisX = 'X'
)

var (
	magicUSTAR = []byte("ustar\x00")
	magicGNU   = []byte("ustar  \x00")
	tailStar   = []byte("tar\x00")
	zeroBlock  block
)

// isZero reports whether b is all zeros: part of the end-of-archive mark.
func (b *block) isZero() bool { return *b == zeroBlock }

// typ is the entry's type flag.
func (b *block) typ() byte { return b[offType] }

// checksumOK reports whether the stored checksum matches the block, as
// either the unsigned or the signed sum of its bytes with the checksum
// field counted as spaces (both kinds of writer exist).
func (b *block) checksumOK() bool {
	stored, ok := parseOctal(b[offChksum : offChksum+lenChksum])
	if !ok {
		return false
	}
	unsigned, signed := b.sums()
	return stored == unsigned || stored == signed
}

func (b *block) sums() (unsigned, signed int64) {
	for i, c := range b {
		if i >= offChksum && i < offChksum+lenChksum {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return unsigned, signed
}

// setChecksum stores the block's unsigned checksum as GNU tar writes it:
// six octal digits, NUL, space.
func (b *block) setChecksum() {
	unsigned, _ := b.sums()
	field := b[offChksum : offChksum+lenChksum]
	copy(field, []byte(padOctal(unsigned, 6)))
	field[6], field[7] = 0, ' '
}

// setSize stores n in the size field as eleven octal digits and a NUL.
func (b *block) setSize(n int64) {
	copy(b[offSize:offSize+lenSize], padOctal(n, lenSize-1)+"\x00")
}

// padOctal writes n in octal, zero-padded to width digits.
func padOctal(n int64, width int) string {
	s := strconv.FormatInt(n, 8)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// size reads the size field.
func (b *block) size() (int64, bool) { return parseNumber(b[offSize : offSize+lenSize]) }

// ids reads the mode, uid and gid fields.
func (b *block) ids() (mode, uid, gid int64, ok bool) {
	mode, ok1 := parseNumber(b[offMode : offMode+8])
	uid, ok2 := parseNumber(b[offUID : offUID+8])
	gid, ok3 := parseNumber(b[offGID : offGID+8])
	return mode, uid, gid, ok1 && ok2 && ok3
}

// owners reads the user and group name fields.
func (b *block) owners() (uname, gname string) {
	return cString(b[offUname : offUname+lenOwner]), cString(b[offGname : offGname+lenOwner])
}

// isGNU reports an old-GNU header, which has no name prefix.
func (b *block) isGNU() bool { return bytes.Equal(b[offMagic:offMagic+8], magicGNU) }

// name is the entry's name as the header alone gives it: for ustar (and
// star) the prefix, a slash and the name.
func (b *block) name() string {
	name := cString(b[offName : offName+lenName])
	if !bytes.Equal(b[offMagic:offMagic+6], magicUSTAR) {
		return name
	}
	n := lenPrefix
	if bytes.Equal(b[offStarTail:], tailStar) {
		n = lenStarPfx
	}
	if prefix := cString(b[offPrefix : offPrefix+n]); prefix != "" {
		return prefix + "/" + name
	}
	return name
}

// linkname is the link target the header alone gives.
func (b *block) linkname() string { return cString(b[offLinkname : offLinkname+lenName]) }

// cString is b up to its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// parseNumber reads a numeric field: octal digits (blanks and NULs
// around them allowed), or GNU's base-256 form when the first byte has
// its top bit set. Negative and overlong values are refused.
func parseNumber(f []byte) (int64, bool) {
	if len(f) > 0 && f[0]&0x80 != 0 {
		return parseBase256(f)
	}
	return parseOctal(f)
}

func parseBase256(f []byte) (int64, bool) {
	if f[0] != 0x80 {
		return 0, false // 0xff: negative
	}
	var n int64
	for _, c := range f[1:] {
		if n>>55 != 0 {
			return 0, false
		}
		n = n<<8 | int64(c)
	}
	return n, true
}

func parseOctal(f []byte) (int64, bool) {
	f = bytes.Trim(f, " \x00")
	if len(f) == 0 {
		return 0, true
	}
	var n int64
	for _, c := range f {
		if c < '0' || c > '7' || n>>59 != 0 {
			return 0, false
		}
		n = n<<3 | int64(c-'0')
	}
	return n, true
}

// blocksFor is the number of bytes size occupies on tape, padded to
// whole blocks.
func blocksFor(size int64) int64 {
	return (size + blockSize - 1) / blockSize * blockSize
}
