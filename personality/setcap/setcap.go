// Package setcap is fcap invoked as setcap: it takes libcap 2.66's
// setcap arguments and gives the same output, messages and exit statuses,
// but never follows a symlink and acts only on the O_PATH descriptor
// package xattr opens. docs/COMPAT.md lists every difference.
package setcap

import (
	"errors"
	"fcap/host"
	"fcap/model"
	"fcap/personality"
	"fcap/xattr"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// setcapUsage is setcap 2.66's usage text, byte for byte.
const setcapUsage = "usage: setcap [-h] [-q] [-v] [-n <rootid>] (-r|-|<caps>) <filename> [ ... (-r|-|<capsN>) <filenameN> ]\n" +
	"\n" +
	" Note <filename> must be a regular (non-symlink) file.\n" +
	" -r          remove capability from file\n" +
	" -           read capability text from stdin\n" +
	" <capsN>     cap_from_text(3) formatted file capability\n" +
	" [ Note: capsh --suggest=\"something...\" might help you pick. ]\n" +
	" -h          this message and exit status 0\n" +
	" -q          quietly\n" +
	" -v          validate supplied capability matches file\n" +
	" -n <rootid> write a user namespace (!= 0) limited capability\n" +
	" --license   display the license info\n"

// setcapNote is what setcap prints before the error when a failed text
// has effective bits that are not exactly permitted ∪ inheritable.
const setcapNote = "NOTE: Under Linux, effective file capabilities must either be empty, or\n" +
	"      exactly match the union of selected permitted and inheritable bits.\n"

// maxStdinCaps is setcap's buffer for `-`: at most this much is read.
const maxStdinCaps = 2048

// Options are what a setcap run needs from outside.
type Options struct {
	Stdin io.Reader
	// Version is fcap's, for --license.
	Version string
}

// run is the state of one setcap invocation. Options are sticky: they
// apply to every later (caps, file) pair.
type run struct {
	Options
	argv0         string
	emit          func(personality.Event)
	quiet, verify bool
	rootid        uint32
	triedSetfcap  bool
	last          model.Cap
}

// Run runs setcap with args (args[0] is the name it was invoked as),
// calling emit for each piece of output, and returns the exit status.
// Pairs are applied in order; the first failure ends the run with status
// 1, leaving earlier pairs applied.
func Run(args []string, opt Options, emit func(personality.Event)) int {
	s := &run{Options: opt, argv0: args[0], emit: emit}
	if len(args) < 2 {
		return s.usage(1)
	}
	last, err := host.LastCap()
	if err != nil {
		s.stderr("fatal error: %s\n", err)
		return 1
	}
	s.last = last
	rest := args[1:]
	for len(rest) > 0 {
		used, status, done := s.step(rest[0], rest[1:])
		if done {
			return status
		}
		rest = rest[1+used:]
	}
	return 0
}

// usage prints setcap's usage on stderr and returns status.
func (s *run) usage(status int) int {
	s.emit(personality.Event{Stderr: setcapUsage})
	return status
}

// stderr reports a message on standard error.
func (s *run) stderr(format string, a ...any) {
	s.emit(personality.Event{Stderr: fmt.Sprintf(format, a...)})
}

// step handles one argument: an option, or a caps argument with its file.
// It returns how many of the following arguments it used, and whether the
// run is over with status.
func (s *run) step(arg string, rest []string) (used, status int, done bool) {
	switch arg {
	case "-q":
		s.quiet = true
		return 0, 0, false
	case "--license":
		s.emit(personality.Event{Stdout: personality.License(s.argv0, s.Version, "setcap")})
		return 0, 0, true
	case "-h":
		return 0, s.usage(0), true
	case "-v":
		s.verify = true
		return 0, 0, false
	case "-n":
		return s.rootidOption(rest)
	}
	caps, status, ok := s.capsArg(arg)
	if !ok {
		return 0, status, true
	}
	if len(rest) == 0 {
		return 0, s.usage(1), true
	}
	if status := s.apply(caps, rest[0]); status != 0 {
		return 1, status, true
	}
	return 1, 0, false
}

// rootidOption handles -n ROOTID, with setcap's messages for a missing or
// bad value.
func (s *run) rootidOption(rest []string) (used, status int, done bool) {
	if len(rest) == 0 {
		s.stderr("%s", "usage: .. -n <rootid> .. - rootid!=0 file caps")
		return 0, 1, true
	}
	id, ok := parseSetcapRootID(rest[0])
	if !ok {
		s.stderr("bad ns rootid: want positive integer, got \"%s\"\n", rest[0])
		return 0, 1, true
	}
	s.rootid = id
	return 1, 0, false
}

// parseSetcapRootID accepts what setcap 2.66 accepts: a non-empty text not
// starting with '-' that strtoul(3) (base 0) reads completely as a nonzero
// number. Like setcap, it keeps the low 32 bits, so 4294967296 means 0.
func parseSetcapRootID(s string) (uint32, bool) {
	if s == "" || s[0] == '-' {
		return 0, false
	}
	v, rest := strtoul(s)
	if rest != "" || v == 0 {
		return 0, false
	}
	return uint32(v), true
}

// strtoul reads a number as C's strtoul(s, &end, 0) does on a 64-bit
// system and returns it with the unread rest of s.
func strtoul(s string) (uint64, string) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg, t = t[0] == '-', t[1:]
	}
	base, digits := 10, t
	switch {
	case len(t) > 2 && (t[:2] == "0x" || t[:2] == "0X") && isBaseDigit(t[2], 16):
		base, digits = 16, t[2:]
	case len(t) > 0 && t[0] == '0':
		base = 8
	}
	n := 0
	for n < len(digits) && isBaseDigit(digits[n], base) {
		n++
	}
	if n == 0 {
		return 0, s
	}
	v, err := strconv.ParseUint(digits[:n], base, 64)
	if err != nil {
		return ^uint64(0), digits[n:]
	}
	if neg {
		v = -v
	}
	return v, digits[n:]
}

// isBaseDigit reports whether c is a digit in base (8, 10 or 16).
func isBaseDigit(c byte, base int) bool {
	d := base
	switch {
	case '0' <= c && c <= '9':
		d = int(c - '0')
	case 'a' <= c && c <= 'f':
		d = int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		d = int(c-'A') + 10
	}
	return d < base
}

// capsArg turns a caps argument into capabilities: nil for -r, the text
// on standard input for -, else the argument itself. ok is false when the
// run is over with status.
func (s *run) capsArg(arg string) (caps *model.Caps, status int, ok bool) {
	if arg == "-r" {
		return nil, 0, true
	}
	text := arg
	if arg == "-" {
		t, status, ok := s.readStdinCaps()
		if !ok {
			return nil, status, false
		}
		text = t
	}
	c, err := model.ParseText(text, s.last)
	if err != nil {
		s.stderr("%s", "fatal error: Invalid argument\n")
		return nil, s.usage(1), false
	}
	return &c, 0, true
}

// readStdinCaps reads caps text as setcap does: read(2) calls into a
// 2048-byte buffer until end of file or a read that starts with a newline.
// On a pipe the first `-` takes everything, so a later one finds nothing.
func (s *run) readStdinCaps() (string, int, bool) {
	if !s.quiet {
		s.stderr("Please enter caps for file [empty line to end]:\n")
	}
	buf := make([]byte, maxStdinCaps)
	n := 0
	for n < len(buf) {
		j, err := s.Stdin.Read(buf[n:])
		if j == 0 && err != nil && !errors.Is(err, io.EOF) {
			s.stderr("%s", "\n[Error - aborting]\n")
			return "", 1, false
		}
		if j == 0 || buf[n] == '\n' {
			break
		}
		n += j
	}
	if n == 0 {
		return "", s.usage(1), false
	}
	text, _, _ := strings.Cut(string(buf[:n]), "\x00")
	return text, 0, true
}

// apply sets, removes (caps nil) or, with -v, verifies one file.
func (s *run) apply(caps *model.Caps, path string) int {
	if s.verify {
		return s.check(caps, path)
	}
	if !s.triedSetfcap {
		if !mayRaiseSetfcap() {
			s.stderr("%s", "unable to set CAP_SETFCAP effective capability: Operation not permitted\n")
			return 1
		}
		s.triedSetfcap = true
	}
	err := s.write(caps, path)
	if err == nil {
		return 0
	}
	ev := personality.Event{Path: path, Err: err, Stderr: writeMessage(path, caps == nil, err)}
	if caps != nil && setcapNoteApplies(*caps) {
		ev.Stderr = setcapNote + ev.Stderr
	}
	s.emit(ev)
	return 1
}

// setcapNoteApplies reproduces setcap's test for printing setcapNote: it
// scans capabilities upwards to the first whose effective bit differs from
// permitted|inheritable, and answers whether an effective bit was seen by
// then.
func setcapNoteApplies(c model.Caps) bool {
	seen := false
	for n := model.Cap(0); n <= model.MaxCap; n++ {
		e := c.Effective.Has(n)
		seen = seen || e
		if (c.Permitted | c.Inheritable).Has(n) != e {
			return seen
		}
	}
	return false
}

// mayRaiseSetfcap reports whether CAP_SETFCAP is in the permitted set,
// which is what setcap needs to raise it.
func mayRaiseSetfcap() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return true // cannot tell: let the write report any failure
	}
	return data[model.CapSetfcap/32].Permitted&(1<<(model.CapSetfcap%32)) != 0
}

// write opens path without following a symlink and writes or removes its
// capabilities through the descriptor. A removal of nothing is ENODATA.
func (s *run) write(caps *model.Caps, path string) error {
	f, err := xattr.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if caps == nil {
		removed, err := f.Remove()
		if err == nil && !removed {
			return unix.ENODATA
		}
		return err
	}
	want, err := caps.ToFile(s.rootid)
	if err != nil {
		return unix.EINVAL
	}
	_, err = f.SetCaps(want)
	return err
}

// writeMessage is setcap's message for a failed write.
func writeMessage(path string, remove bool, err error) string {
	switch personality.Errno(err) {
	case unix.EINVAL:
		return fmt.Sprintf("Invalid file '%s' for capability operation\n", path)
	case unix.ENODATA:
		if remove {
			return fmt.Sprintf("File '%s' has no capablity to remove\n", path)
		}
	}
	return fmt.Sprintf("Failed to set capabilities on file '%s': %s\n", path, personality.Strerror(err))
}

// check is setcap -v: compare without writing. A file that cannot be read
// compares as the empty set, as in setcap; a symlink is refused.
func (s *run) check(caps *model.Caps, path string) int {
	var want model.Caps
	if caps != nil {
		want = *caps
	}
	have, rootid, err := verifyCaps(path)
	if err != nil {
		s.emit(personality.Event{Path: path, Err: err, Stderr: writeMessage(path, false, err)})
		return 1
	}
	d := model.DiffLetters(have, want)
	if d == "" && rootid == s.rootid {
		if !s.quiet {
			s.emit(personality.Event{Path: path, Stdout: path + ": OK\n"})
		}
		return 0
	}
	if !s.quiet {
		out := fmt.Sprintf("%s differs in [%s]\n", path, d)
		if rootid != s.rootid {
			out = fmt.Sprintf("nsowner[got=%d, want=%d],", int32(rootid), int32(s.rootid)) + out
		}
		s.emit(personality.Event{Path: path, Stdout: out})
	}
	return 1
}

// verifyCaps reads what setcap -v compares against. A symlink is an
// error (EINVAL), and so is a path fcap refuses to resolve (through
// another user's symlinked directory: reading it as "no capabilities"
// would report a difference that is not there); anything else unreadable
// has no capabilities, as in setcap.
func verifyCaps(path string) (model.Caps, uint32, error) {
	f, err := xattr.Open(path)
	switch {
	case xattr.IsKind(err, xattr.Symlink):
		return model.Caps{}, 0, unix.EINVAL
	case xattr.IsKind(err, xattr.UntrustedPath):
		return model.Caps{}, 0, err
	}
	if err != nil {
		return model.Caps{}, 0, nil
	}
	defer f.Close()
	fc, ok, err := f.Caps()
	if err != nil || !ok {
		return model.Caps{}, 0, nil
	}
	return fc.Caps(), fc.RootID, nil
}
