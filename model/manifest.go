package model

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// MaxManifestLine is the longest manifest line ParseManifest accepts, in
// bytes, not counting the newline. Longer lines are errors, so a manifest
// of any size is read with a bounded buffer.
const MaxManifestLine = 64 << 10

// maxRootID is the largest rootid a revision-3 value may carry (set's
// --rootid bound: 2^32-1 is the kernel's "no mapping").
const maxRootID = 1<<32 - 2

// ManifestEntry is one `PATH CAPS` line of a manifest.
type ManifestEntry struct {
	File string // the manifest's name, as given to ParseManifest
	Line int    // 1-based line number
	Path string // the path exactly as written
	// Text is the capability text as written, without a [rootid=N]
	// suffix; empty for a bare PATH line.
	Text string
	// None is true when the file must have no security.capability
	// attribute: a bare `PATH`, `PATH -`, `PATH =`, or any text that
	// grants nothing.
	None bool
	// Caps is the value the file must hold when None is false: revision
	// 2, or 3 when the line ends in [rootid=N] with N > 0.
	Caps FileCaps
}

// ManifestError is a problem with one manifest line.
type ManifestError struct {
	File   string
	Line   int
	Reason string
	Err    error // the underlying error, e.g. a *TextError; may be nil
}

// Error formats the error as `FILE:LINE: REASON`, the form compilers use.
func (e *ManifestError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// Unwrap returns the underlying error.
func (e *ManifestError) Unwrap() error { return e.Err }

// ParseManifest reads a manifest — the lines `fcap get -r` prints — from
// r and calls fn once per entry, in order, as it reads. name is used in
// errors. last is the running kernel's last capability (see ParseText).
//
// Each line is `PATH`, or `PATH CAPS`: the path ends at the first space
// or tab and the rest of the line is libcap text, which may itself
// contain spaces (`/x cap_chown=i cap_net_raw+p`). An optional
// ` [rootid=N]` suffix (what `fcap get -n` prints) asks for a namespaced
// value. `PATH`, `PATH -` and `PATH =` (getcap's form for an empty set)
// all mean "no capabilities". Blank lines and lines whose first
// non-blank byte is '#' are skipped; leading blanks and a trailing
// carriage return are ignored.
//
// The first bad line stops the parse with a *ManifestError; a path that
// appears twice (compared after filepath.Clean) is one. An error from fn
// stops the parse and is returned as it is. Memory use is bounded by
// MaxManifestLine, plus, for the duplicate check, a 128-bit hash and a
// line number per distinct path (about 40 bytes each, whatever the
// path's length).
func ParseManifest(r io.Reader, name string, last Cap, fn func(ManifestEntry) error) error {
	return ParseManifestSeen(r, name, last, NewPathSet(), fn)
}

// ParseManifestSeen is ParseManifest with a caller-owned set of the paths
// already seen, so that several manifests can be checked for a path they
// share: a path already in seen is a duplicate. A nil seen skips the
// duplicate check (for a second pass over a manifest already checked),
// which keeps memory flat however many entries it has.
func ParseManifestSeen(r io.Reader, name string, last Cap, seen *PathSet, fn func(ManifestEntry) error) error {
	br := bufio.NewReaderSize(r, MaxManifestLine+1)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return &ManifestError{File: name, Line: n, Reason: fmt.Sprintf("line longer than %d bytes", MaxManifestLine)}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(line) > 0 {
			if ferr := parseManifestLine(line, name, n, last, seen, fn); ferr != nil {
				return ferr
			}
		}
		if err != nil {
			return nil
		}
	}
}

// parseManifestLine handles one raw line, newline included.
func parseManifestLine(raw []byte, name string, n int, last Cap, seen *PathSet, fn func(ManifestEntry) error) error {
	raw = bytes.TrimSuffix(raw, []byte("\n"))
	raw = bytes.TrimSuffix(raw, []byte("\r"))
	raw = bytes.TrimLeft(raw, " \t")
	if len(raw) == 0 || raw[0] == '#' {
		return nil
	}
	e, reason, err := parseEntry(string(raw), last)
	if reason != "" {
		return &ManifestError{File: name, Line: n, Reason: reason, Err: err}
	}
	e.File, e.Line = name, n
	if seen == nil {
		return fn(e)
	}
	if firstFile, firstLine, dup := seen.Add(e.Path, name, n); dup {
		return &ManifestError{File: name, Line: n, Reason: duplicateReason(e.Path, name, firstFile, firstLine)}
	}
	return fn(e)
}

// duplicateReason explains a path listed twice.
func duplicateReason(path, file, firstFile string, firstLine int) string {
	where := "line " + strconv.Itoa(firstLine)
	if firstFile != file {
		where = firstFile + ":" + strconv.Itoa(firstLine)
	}
	return fmt.Sprintf("duplicate path %q (first listed on %s)", path, where)
}

// parseEntry parses one entry line (not blank, not a comment, no
// newline). It returns a reason, and the underlying error if any, when
// the line is invalid; File and Line are left for the caller to fill.
func parseEntry(line string, last Cap) (e ManifestEntry, reason string, err error) {
	path, text := line, ""
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		path, text = line[:i], line[i+1:]
	}
	if i := strings.IndexByte(path, 0); i >= 0 {
		return e, fmt.Sprintf("NUL byte in path at offset %d", i), nil
	}
	e.Path = path
	text, rootID, reason := cutRootID(text)
	if reason != "" {
		return e, reason, nil
	}
	e.Text = text
	switch t := strings.Trim(text, " \t\n\v\f\r"); t {
	case "", "-", "=":
		e.None = true
		return e, "", nil
	}
	caps, err := ParseText(text, last)
	if err != nil {
		return e, err.Error(), err
	}
	e.Caps, err = caps.ToFile(rootID)
	if err != nil {
		return e, fmt.Sprintf("capability text %q cannot be stored in a file: %s", text, err), err
	}
	e.None = e.Caps.Permitted == 0 && e.Caps.Inheritable == 0
	return e, "", nil
}

// cutRootID removes a trailing ` [rootid=N]` from text.
func cutRootID(text string) (rest string, rootID uint32, reason string) {
	trimmed := strings.TrimRight(text, " \t")
	i := strings.LastIndex(trimmed, "[rootid=")
	if i < 0 || !strings.HasSuffix(trimmed, "]") {
		return text, 0, ""
	}
	num := trimmed[i+len("[rootid=") : len(trimmed)-1]
	v, err := strconv.ParseUint(num, 10, 32)
	if err != nil || v > maxRootID {
		return text, 0, fmt.Sprintf("invalid rootid %q (want a decimal number 0-%d)", num, uint64(maxRootID))
	}
	return trimmed[:i], uint32(v), ""
}

// PathSet remembers the paths of manifest entries to find duplicates. It
// stores a 128-bit hash of each cleaned path and where it was first seen,
// not the path itself, so its size does not grow with path length.
type PathSet struct {
	seed1, seed2 maphash.Seed
	seen         map[[2]uint64]pathSeen
	files        []string
}

// pathSeen is where a path was first listed.
type pathSeen struct {
	file uint32 // index into PathSet.files
	line uint32
}

// NewPathSet returns an empty PathSet.
func NewPathSet() *PathSet {
	return &PathSet{seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed(), seen: map[[2]uint64]pathSeen{}}
}

// Add records path as listed at file:line. If the path (compared after
// filepath.Clean) was already listed, it reports dup and where it was
// first listed instead.
func (s *PathSet) Add(path, file string, line int) (firstFile string, firstLine int, dup bool) {
	clean := filepath.Clean(path)
	key := [2]uint64{maphash.String(s.seed1, clean), maphash.String(s.seed2, clean)}
	if at, ok := s.seen[key]; ok {
		return s.files[at.file], int(at.line), true
	}
	if len(s.files) == 0 || s.files[len(s.files)-1] != file {
		s.files = append(s.files, file)
	}
	s.seen[key] = pathSeen{file: uint32(len(s.files) - 1), line: uint32(line)}
	return "", 0, false
}

// Len returns the number of distinct paths recorded.
func (s *PathSet) Len() int { return len(s.seen) }
