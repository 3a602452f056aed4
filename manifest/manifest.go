// Package manifest reads and writes manifests: lines of `PATH CAPS`, the
// text `fcap get -r` prints and `fcap apply`, `fcap tar apply` and the
// drop-in files under /etc/fcap.d take. Paths are escaped as fstab and
// mtree escape them, only where they must be, so every path a filesystem
// allows round-trips and ordinary paths read as getcap prints them.
package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"fcap/model"
)

// MaxLine is the longest line Parse accepts, in bytes, not counting the
// newline. Longer lines are errors, so a manifest of any size is read
// with a bounded buffer.
const MaxLine = 64 << 10

// Fallback is what an entry asks for when the filesystem cannot store
// capabilities.
type Fallback int

const (
	// NoFallback: the entry fails, as any write that fails.
	NoFallback Fallback = iota
	// FallbackSetuid: a root-owned file gets its setuid bit instead
	// (`[fallback=setuid]`), where setuid would work.
	FallbackSetuid
)

// Entry is one line of a manifest.
type Entry struct {
	File string // the manifest's name, as given to Parse
	Line int    // 1-based line number
	// Path is the path with its escapes decoded: the bytes of the name.
	Path string
	// Text is the capability text as written, without the bracketed
	// options; empty for a bare PATH line.
	Text string
	// None is true when the file must have no security.capability
	// attribute: a bare `PATH`, `PATH -`, `PATH =`, or any text that
	// grants nothing.
	None bool
	// Caps is the value the file must hold when None is false: revision
	// 2, or 3 when the line ends in [rootid=N] with N other than 0.
	Caps model.FileCaps
	// Fallback is the line's [fallback=...] option.
	Fallback Fallback
	// Mode, when HasMode, is the line's [mode=NNNN] option: the
	// permission bits, set-id bits included, that `fcap audit --baseline`
	// expects the file to have (`fcap audit --write-baseline` records
	// them). apply neither checks nor changes modes.
	Mode    uint32
	HasMode bool
	// UID and GID, when HasOwner, are the line's [owner=UID:GID] option,
	// expected by audit as Mode is; apply does not change owners.
	UID, GID uint32
	HasOwner bool
}

// Error is a problem with one manifest line.
type Error struct {
	File   string
	Line   int
	Reason string
	Err    error // the underlying error, e.g. a *model.TextError; may be nil
}

// Error formats the error as `FILE:LINE: REASON`, the form compilers use.
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Parse reads a manifest from r and calls fn once per entry, in order, as
// it reads. name is used in errors. last is the running kernel's last
// capability (see model.ParseText).
//
// Each line is `PATH`, or `PATH CAPS`: the path ends at the first space
// or tab and the rest of the line is libcap text, which may itself
// contain spaces (`/x cap_chown=i cap_net_raw+p`). In the path, `\NNN`
// (three octal digits) stands for the byte NNN, so `\040` is a space and
// `\012` a newline (see Escape); any other backslash is itself. Options
// in brackets may end the line: `[rootid=N]` (what `fcap get -n` and
// `getcap -n` print, N also negative as getcap prints it) asks for a
// namespaced value, `[fallback=setuid]` for the setuid bit where the
// filesystem cannot store capabilities; `[mode=NNNN]` (octal) and
// `[owner=UID:GID]` record a file's expected mode and owner for audit. `PATH`, `PATH -` and `PATH =`
// (getcap's form for an empty set) all mean "no capabilities". Blank
// lines and lines whose first non-blank byte is '#' are skipped; leading
// blanks and a trailing carriage return are ignored.
//
// The first bad line stops the parse with an *Error. An error from fn
// stops the parse and is returned as it is. Memory use is bounded by
// MaxLine. Parse does not look for paths listed twice: see DupFinder.
func Parse(r io.Reader, name string, last model.Cap, fn func(Entry) error) error {
	br := bufio.NewReaderSize(r, MaxLine+1)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return &Error{File: name, Line: n, Reason: fmt.Sprintf("line longer than %d bytes", MaxLine)}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(line) > 0 {
			if ferr := parseLine(line, name, n, last, fn); ferr != nil {
				return ferr
			}
		}
		if err != nil {
			return nil
		}
	}
}

// parseLine handles one raw line, newline included.
func parseLine(raw []byte, name string, n int, last model.Cap, fn func(Entry) error) error {
	raw = bytes.TrimSuffix(raw, []byte("\n"))
	raw = bytes.TrimSuffix(raw, []byte("\r"))
	raw = bytes.TrimLeft(raw, " \t")
	if len(raw) == 0 || raw[0] == '#' {
		return nil
	}
	e, reason, err := ParseLine(string(raw), last)
	if reason != "" {
		return &Error{File: name, Line: n, Reason: reason, Err: err}
	}
	e.File, e.Line = name, n
	return fn(e)
}

// ParseLine parses one entry line (not blank, not a comment, no newline).
// It returns a reason, and the underlying error if any, when the line is
// invalid; File and Line are left for the caller to fill.
func ParseLine(line string, last model.Cap) (e Entry, reason string, err error) {
	path, text := line, ""
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		path, text = line[:i], line[i+1:]
	}
	if e.Path, reason = Unescape(path); reason != "" {
		return e, reason, nil
	}
	var opt options
	if text, opt, reason = cutOptions(text); reason != "" {
		return e, reason, nil
	}
	e.Fallback, e.Mode, e.HasMode, e.UID, e.GID, e.HasOwner = opt.fallback, opt.mode, opt.hasMode, opt.uid, opt.gid, opt.hasOwner
	e.Text = text
	switch t := strings.Trim(text, " \t\n\v\f\r"); t {
	case "", "-", "=":
		e.None = true
		return e, "", nil
	}
	caps, err := model.ParseText(text, last)
	if err != nil {
		return e, err.Error(), err
	}
	e.Caps, err = caps.ToFile(opt.rootID)
	if err != nil {
		return e, fmt.Sprintf("capability text %q cannot be stored in a file: %s", text, err), err
	}
	e.None = e.Caps.Permitted == 0 && e.Caps.Inheritable == 0
	return e, "", nil
}

// options are a line's bracketed options.
type options struct {
	rootID   uint32
	fallback Fallback
	mode     uint32
	hasMode  bool
	uid, gid uint32
	hasOwner bool
}

// cutOptions removes the bracketed options that end text, last first.
func cutOptions(text string) (rest string, opt options, reason string) {
	rest = text
	seen := map[string]bool{}
	for {
		trimmed := strings.TrimRight(rest, " \t")
		i := strings.LastIndexByte(trimmed, '[')
		if i < 0 || !strings.HasSuffix(trimmed, "]") {
			return rest, opt, ""
		}
		key, value, ok := strings.Cut(trimmed[i+1:len(trimmed)-1], "=")
		if !ok || !knownOption(key) {
			return rest, opt, ""
		}
		if seen[key] {
			return rest, options{}, fmt.Sprintf("option [%s=...] given twice", key)
		}
		seen[key] = true
		if reason = opt.set(key, value); reason != "" {
			return rest, options{}, reason
		}
		rest = trimmed[:i]
	}
}

func knownOption(key string) bool {
	switch key {
	case "rootid", "fallback", "mode", "owner":
		return true
	}
	return false
}

// set reads one option's value.
func (o *options) set(key, value string) (reason string) {
	switch key {
	case "rootid":
		o.rootID, reason = parseRootID(value)
	case "fallback":
		o.fallback, reason = parseFallback(value)
	case "mode":
		o.mode, reason = parseMode(value)
		o.hasMode = reason == ""
	case "owner":
		o.uid, o.gid, reason = parseOwner(value)
		o.hasOwner = reason == ""
	}
	return reason
}

// parseMode reads [mode=NNNN]: octal permission bits, set-id and sticky
// bits included (at most 7777).
func parseMode(s string) (uint32, string) {
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o7777 || s == "" || strings.HasPrefix(s, "+") {
		return 0, fmt.Sprintf("invalid mode %q (want octal permission bits, e.g. 4755)", s)
	}
	return uint32(v), ""
}

// parseOwner reads [owner=UID:GID], two decimal ids.
func parseOwner(s string) (uid, gid uint32, reason string) {
	bad := fmt.Sprintf("invalid owner %q (want UID:GID, decimal numbers)", s)
	u, g, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, bad
	}
	uv, err1 := strconv.ParseUint(u, 10, 32)
	gv, err2 := strconv.ParseUint(g, 10, 32)
	if err1 != nil || err2 != nil || strings.HasPrefix(u, "+") || strings.HasPrefix(g, "+") {
		return 0, 0, bad
	}
	return uint32(uv), uint32(gv), ""
}

// parseRootID reads a rootid as `fcap get -n` prints it (0 to 2^32-2) or
// as getcap -n prints it (a signed 32-bit number: -2 is 4294967294).
// 2^32-1 (-1) is the kernel's "no mapping" and is refused.
func parseRootID(s string) (uint32, string) {
	bad := fmt.Sprintf("invalid rootid %q (want a decimal number 0-%d, or negative as getcap -n prints it)", s, uint32(maxRootID))
	if strings.HasPrefix(s, "-") {
		v, err := strconv.ParseInt(s, 10, 32)
		if err != nil || v == -1 || v == 0 {
			return 0, bad
		}
		return uint32(int32(v)), ""
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v > maxRootID || strings.HasPrefix(s, "+") {
		return 0, bad
	}
	return uint32(v), ""
}

// maxRootID is the largest rootid a revision-3 value may carry: 2^32-1
// is the kernel's "no mapping".
const maxRootID = 1<<32 - 2

func parseFallback(s string) (Fallback, string) {
	if s == "setuid" {
		return FallbackSetuid, ""
	}
	return 0, fmt.Sprintf("invalid fallback %q (want [fallback=setuid])", s)
}
