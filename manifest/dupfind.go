package manifest

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"path/filepath"
	"strconv"
)

// DupFinder finds paths listed more than once across manifests in memory
// that does not grow with their size. A first pass Notes every path in a
// Bloom filter of fixed size: a path the filter may already hold becomes
// a suspect. When there are suspects, a second pass Checks every entry
// again and, remembering only the suspects' first locations, reports the
// real duplicates exactly; the filter's false positives cost a little
// memory and never a wrong answer.
type DupFinder struct {
	bits         []uint64
	mask         uint64
	seed1, seed2 maphash.Seed
	suspects     map[[2]uint64]*firstSeen
}

// firstSeen is where a suspect path was first listed.
type firstSeen struct {
	file string
	line int
}

const (
	minFilterBits = 1 << 16
	maxFilterBits = 1 << 27 // 16 MiB
	filterProbes  = 4
)

// NewDupFinder sizes the filter for manifests of about size bytes in all
// (about 16 bits per byte, so ~500 bits per entry for small ones and a
// 16 MiB ceiling for a few hundred MiB and beyond).
func NewDupFinder(size int64) *DupFinder {
	n := uint64(minFilterBits)
	for n < maxFilterBits && int64(n) < size*16 {
		n <<= 1
	}
	return &DupFinder{
		bits: make([]uint64, n/64), mask: n - 1,
		seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed(),
		suspects: map[[2]uint64]*firstSeen{},
	}
}

func (d *DupFinder) key(path string) [2]uint64 {
	clean := filepath.Clean(path)
	return [2]uint64{maphash.String(d.seed1, clean), maphash.String(d.seed2, clean)}
}

// Note records path in the first pass.
func (d *DupFinder) Note(path string) {
	k := d.key(path)
	present := true
	for i := uint64(0); i < filterProbes; i++ {
		bit := (k[0] + i*bits.RotateLeft64(k[1], 1)) & d.mask
		word, m := bit/64, uint64(1)<<(bit%64)
		if d.bits[word]&m == 0 {
			present = false
			d.bits[word] |= m
		}
	}
	if present {
		d.suspects[k] = nil
	}
}

// Suspects is the number of paths that may be listed twice; with none,
// the second pass is not needed.
func (d *DupFinder) Suspects() int { return len(d.suspects) }

// Check is the second pass, over the same entries in the same order: it
// reports whether path was already listed, and where first.
func (d *DupFinder) Check(path, file string, line int) (firstFile string, firstLine int, dup bool) {
	k := d.key(path)
	first, suspect := d.suspects[k]
	switch {
	case !suspect:
		return "", 0, false
	case first == nil:
		d.suspects[k] = &firstSeen{file: file, line: line}
		return "", 0, false
	}
	return first.file, first.line, true
}

// DuplicateError is the error for a path listed twice.
func DuplicateError(path, file string, line int, firstFile string, firstLine int) *Error {
	return &Error{File: file, Line: line, Reason: duplicateReason(path, file, firstFile, firstLine)}
}

// duplicateReason explains a path listed twice.
func duplicateReason(path, file, firstFile string, firstLine int) string {
	where := "line " + strconv.Itoa(firstLine)
	if firstFile != file {
		where = firstFile + ":" + strconv.Itoa(firstLine)
	}
	return fmt.Sprintf("duplicate path %q (first listed on %s)", path, where)
}
