package main

// fcap as libcap 2.66's setcap and getcap: when the binary is invoked under
// one of those names (a symlink made by `fcap install-compat`), it accepts
// the same arguments and prints the same bytes with the same exit statuses,
// but it still never follows a symlink and acts only on the O_PATH
// descriptor package xattr opens. docs/COMPAT.md lists every difference.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"fcap/capfile"
	"fcap/host"
	"fcap/model"
	"fcap/xattr"
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

// getcapUsage is getcap 2.66's usage text, byte for byte.
const getcapUsage = "usage: getcap [-h] [-l] [-n] [-r] [-v] <filename> [<filename> ...]\n" +
	"\n" +
	"\tdisplays the capabilities on the queried file(s).\n"

// setcapNote is what setcap prints before the error when a failed text
// has effective bits that are not exactly permitted ∪ inheritable.
const setcapNote = "NOTE: Under Linux, effective file capabilities must either be empty, or\n" +
	"      exactly match the union of selected permitted and inheritable bits.\n"

// maxStdinCaps is setcap's buffer for `-`: at most this much is read.
const maxStdinCaps = 2048

// compatLicense answers --license (setcap) and -l (getcap). fcap holds no
// libcap code, so it does not repeat libcap's copyright line.
func compatLicense(w io.Writer, argv0, name string) {
	fmt.Fprintf(w, "%s: fcap %s acting as %s; it contains no libcap code.\n", argv0, version, name)
}

// stdioBuffered buffers w as C's stdio buffers stdout, so that output
// interleaves with the unbuffered stderr as the output of libcap's
// programs does when both go to one file: a terminal is written at once, anything else in
// blocks of st_blksize bytes (at most BUFSIZ, 8192) and at exit.
func stdioBuffered(w io.Writer) (io.Writer, func()) {
	f, ok := w.(*os.File)
	if !ok || isTerminal(f) {
		return w, func() {}
	}
	size := 8192
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) == nil {
		if bs := int64(st.Blksize); bs > 0 && bs < int64(size) {
			size = int(bs)
		}
	}
	b := bufio.NewWriterSize(w, size)
	return b, func() { b.Flush() }
}

// setcapRun is the state of one setcap invocation. Options are sticky:
// they apply to every later (caps, file) pair.
type setcapRun struct {
	argv0          string
	stdin          io.Reader
	stdout, stderr io.Writer
	quiet, verify  bool
	rootid         uint32
	triedSetfcap   bool
	last           model.Cap
}

// setcapMain runs fcap as setcap. Pairs are applied in order; the first
// failure ends the run with status 1, leaving earlier pairs applied.
func setcapMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stdout, flush := stdioBuffered(stdout)
	defer flush()
	s := &setcapRun{argv0: args[0], stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) < 2 {
		return s.usage(1)
	}
	last, err := host.LastCap()
	if err != nil {
		fmt.Fprintf(stderr, "fatal error: %s\n", err)
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
func (s *setcapRun) usage(status int) int {
	fmt.Fprint(s.stderr, setcapUsage)
	return status
}

// step handles one argument: an option, or a caps argument with its file.
// It returns how many of the following arguments it used, and whether the
// run is over with status.
func (s *setcapRun) step(arg string, rest []string) (used, status int, done bool) {
	switch arg {
	case "-q":
		s.quiet = true
		return 0, 0, false
	case "--license":
		compatLicense(s.stdout, s.argv0, "setcap")
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
func (s *setcapRun) rootidOption(rest []string) (used, status int, done bool) {
	if len(rest) == 0 {
		fmt.Fprint(s.stderr, "usage: .. -n <rootid> .. - rootid!=0 file caps")
		return 0, 1, true
	}
	id, ok := parseSetcapRootID(rest[0])
	if !ok {
		fmt.Fprintf(s.stderr, "bad ns rootid: want positive integer, got \"%s\"\n", rest[0])
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
func (s *setcapRun) capsArg(arg string) (caps *model.Caps, status int, ok bool) {
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
		fmt.Fprint(s.stderr, "fatal error: Invalid argument\n")
		return nil, s.usage(1), false
	}
	return &c, 0, true
}

// readStdinCaps reads caps text as setcap does: read(2) calls into a
// 2048-byte buffer until end of file or a read that starts with a newline.
// On a pipe the first `-` takes everything, so a later one finds nothing.
func (s *setcapRun) readStdinCaps() (string, int, bool) {
	if !s.quiet {
		fmt.Fprint(s.stderr, "Please enter caps for file [empty line to end]:\n")
	}
	buf := make([]byte, maxStdinCaps)
	n := 0
	for n < len(buf) {
		j, err := s.stdin.Read(buf[n:])
		if j == 0 && err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprint(s.stderr, "\n[Error - aborting]\n")
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
func (s *setcapRun) apply(caps *model.Caps, path string) int {
	if s.verify {
		return s.check(caps, path)
	}
	if !s.triedSetfcap {
		if !mayRaiseSetfcap() {
			fmt.Fprint(s.stderr, "unable to set CAP_SETFCAP effective capability: Operation not permitted\n")
			return 1
		}
		s.triedSetfcap = true
	}
	err := s.write(caps, path)
	if err == nil {
		return 0
	}
	if caps != nil && setcapNoteApplies(*caps) {
		fmt.Fprint(s.stderr, setcapNote)
	}
	s.reportWrite(path, caps == nil, err)
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
func (s *setcapRun) write(caps *model.Caps, path string) error {
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
	value, err := capfile.Encode(want)
	if err != nil {
		return unix.EINVAL
	}
	return writeChecked(f, want, value)
}

// reportWrite prints setcap's message for a failed write.
func (s *setcapRun) reportWrite(path string, remove bool, err error) {
	switch errnoOf(err) {
	case unix.EINVAL:
		fmt.Fprintf(s.stderr, "Invalid file '%s' for capability operation\n", path)
	case unix.ENODATA:
		if remove {
			fmt.Fprintf(s.stderr, "File '%s' has no capablity to remove\n", path)
			return
		}
		fallthrough
	default:
		fmt.Fprintf(s.stderr, "Failed to set capabilities on file '%s': %s\n", path, strerror(err))
	}
}

// check is setcap -v: compare without writing. A file that cannot be read
// compares as the empty set, as in setcap; a symlink is refused.
func (s *setcapRun) check(caps *model.Caps, path string) int {
	var want model.Caps
	if caps != nil {
		want = *caps
	}
	have, rootid, err := verifyCaps(path)
	if err != nil {
		s.reportWrite(path, false, err)
		return 1
	}
	d := diffLetters(have, want)
	if d == "" && rootid == s.rootid {
		if !s.quiet {
			fmt.Fprintf(s.stdout, "%s: OK\n", path)
		}
		return 0
	}
	if !s.quiet {
		if rootid != s.rootid {
			fmt.Fprintf(s.stdout, "nsowner[got=%d, want=%d],", int32(rootid), int32(s.rootid))
		}
		fmt.Fprintf(s.stdout, "%s differs in [%s]\n", path, d)
	}
	return 1
}

// verifyCaps reads what setcap -v compares against. Only a symlink is an
// error (EINVAL); anything else unreadable has no capabilities.
func verifyCaps(path string) (model.Caps, uint32, error) {
	f, err := xattr.Open(path)
	if xattr.IsKind(err, xattr.Symlink) {
		return model.Caps{}, 0, unix.EINVAL
	}
	if err != nil {
		return model.Caps{}, 0, nil
	}
	defer f.Close()
	fc, ok, err := current(f)
	if err != nil || !ok {
		return model.Caps{}, 0, nil
	}
	return fc.Caps(), fc.RootID, nil
}

// errnoOf finds the errno behind err; a path fcap refuses (symlink or not
// a regular file) is EINVAL, as libcap reports it. It is 0 when unknown.
func errnoOf(err error) unix.Errno {
	if xattr.IsKind(err, xattr.Symlink) || xattr.IsKind(err, xattr.NotRegular) {
		return unix.EINVAL
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return 0
}

// strerror is glibc's strerror(3) text for err's errno, or fcap's own
// text when there is none.
func strerror(err error) string {
	errno := errnoOf(err)
	if errno == 0 {
		return err.Error()
	}
	s := errno.Error()
	if strings.HasPrefix(s, "errno ") {
		return "Unknown error " + strconv.Itoa(int(errno))
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// getcapRun is the state of one getcap invocation.
type getcapRun struct {
	argv0                      string
	stdout, stderr             io.Writer
	recursive, verbose, rootid bool
	last                       model.Cap
}

// getcapMain runs fcap as getcap. Problems are reported on stderr but
// only a usage error changes the exit status.
func getcapMain(args []string, stdout, stderr io.Writer) int {
	stdout, flush := stdioBuffered(stdout)
	defer flush()
	g := &getcapRun{argv0: args[0], stdout: stdout, stderr: stderr}
	files, status, done := g.options(args[1:])
	if done {
		return status
	}
	if len(files) == 0 {
		return g.usage(false)
	}
	last, err := host.LastCap()
	if err != nil {
		fmt.Fprintf(stderr, "%s\n", err)
		return 1
	}
	g.last = last
	for _, name := range files {
		g.arg(name)
	}
	return 0
}

// usage prints getcap's usage; ok selects status 0 (-h) or 1.
func (g *getcapRun) usage(ok bool) int {
	fmt.Fprint(g.stderr, getcapUsage)
	if ok {
		return 0
	}
	return 1
}

// options parses args as glibc getopt(3) does with "rvhnl": bundling
// (-rv), options after operands (unless POSIXLY_CORRECT is set), and --
// ending the options.
func (g *getcapRun) options(args []string) (files []string, status int, done bool) {
	posix := os.Getenv("POSIXLY_CORRECT") != ""
	for i, a := range args {
		if a == "--" {
			return append(files, args[i+1:]...), 0, false
		}
		if len(a) < 2 || a[0] != '-' {
			if posix {
				return append(files, args[i:]...), 0, false
			}
			files = append(files, a)
			continue
		}
		for _, c := range []byte(a[1:]) {
			if status, done := g.option(c); done {
				return nil, status, true
			}
		}
	}
	return files, 0, false
}

// option applies one option letter; -h, -l and unknown letters end the
// run.
func (g *getcapRun) option(c byte) (status int, done bool) {
	switch c {
	case 'r':
		g.recursive = true
	case 'v':
		g.verbose = true
	case 'n':
		g.rootid = true
	case 'h':
		return g.usage(true), true
	case 'l':
		compatLicense(g.stdout, g.argv0, "getcap")
		return 0, true
	default:
		fmt.Fprintf(g.stderr, "%s: invalid option -- '%s'\n", g.argv0, []byte{c})
		return g.usage(false), true
	}
	return 0, false
}

// arg reports one command-line argument. Like getcap it looks at the
// path with lstat first: a symlink or a directory (without -r) is not a
// regular file.
func (g *getcapRun) arg(name string) {
	var st unix.Stat_t
	if err := unix.Lstat(name, &st); err != nil {
		fmt.Fprintf(g.stderr, "%s (%s)\n", name, strerror(err))
		return
	}
	switch {
	case g.recursive:
		g.walk(name)
	case st.Mode&unix.S_IFMT == unix.S_IFREG:
		g.file(name)
	default:
		g.notRegular(name)
	}
}

// notRegular reports, with -v only, a path getcap does not read.
func (g *getcapRun) notRegular(path string) {
	if g.verbose {
		fmt.Fprintf(g.stdout, "%s (Not a regular file)\n", path)
	}
}

// file reports a regular file through its O_PATH descriptor.
func (g *getcapRun) file(path string) {
	f, err := xattr.Open(path)
	if xattr.IsKind(err, xattr.Symlink) || xattr.IsKind(err, xattr.NotRegular) {
		g.notRegular(path)
		return
	}
	if err != nil {
		g.failed(path, err)
		return
	}
	defer f.Close()
	value, err := f.Get()
	if err != nil {
		g.failed(path, err)
		return
	}
	g.show(path, value)
}

// failed reports a file whose capabilities could not be read.
func (g *getcapRun) failed(path string, err error) {
	fmt.Fprintf(g.stderr, "Failed to get capabilities of file '%s' (%s)\n", path, strerror(err))
}

// show prints one regular file's value as getcap does.
func (g *getcapRun) show(path string, value []byte) {
	if value == nil {
		if g.verbose {
			fmt.Fprintf(g.stdout, "%s\n", path)
		}
		return
	}
	fc, err := capfile.Decode(value)
	if err != nil {
		g.failed(path, decodeErrno(value))
		return
	}
	line := path + " " + fc.Caps().Format(g.last)
	if g.rootid && fc.RootID != 0 && fc.RootID != ^uint32(0) {
		line += fmt.Sprintf(" [rootid=%d]", int32(fc.RootID))
	}
	fmt.Fprintf(g.stdout, "%s\n", line)
}

// decodeErrno is what libcap's cap_get_file reports for a value it cannot
// read: ERANGE when it is larger than its buffer, else EINVAL.
func decodeErrno(value []byte) error {
	if len(value) > capfile.MaxSize {
		return unix.ERANGE
	}
	return unix.EINVAL
}

// walk is getcap -r, through xattr.Walk. Like nftw(3), it does not follow
// a symlink given as the argument, even with a trailing slash, and names
// entries after the argument with its trailing slashes removed. Walk
// reports regular files only, so below the argument directories, symlinks
// and other non-regular entries are not listed by -v (docs/COMPAT.md).
func (g *getcapRun) walk(name string) {
	root := trimTrailingSlashes(name)
	var st unix.Stat_t
	if unix.Lstat(root, &st) != nil {
		return
	}
	if st.Mode&unix.S_IFMT == unix.S_IFREG {
		g.file(root)
		return
	}
	g.notRegular(root)
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return
	}
	limitWalkMemory()
	_ = xattr.Walk(root, xattr.WalkOptions{OnlyFound: !g.verbose}, func(e xattr.Entry) error {
		g.entry(nftwPath(root, e.Path), e)
		return nil
	})
}

// entry reports one file met by the walk.
func (g *getcapRun) entry(path string, e xattr.Entry) {
	if e.Err == nil {
		g.show(path, e.Value)
		return
	}
	var st unix.Stat_t
	if unix.Lstat(e.Path, &st) == nil && st.Mode&unix.S_IFMT != unix.S_IFREG {
		g.notRegular(path) // an unreadable directory, or a file replaced meanwhile
		return
	}
	g.failed(path, e.Err)
}

// trimTrailingSlashes removes trailing slashes as nftw does, keeping "/".
func trimTrailingSlashes(p string) string {
	t := strings.TrimRight(p, "/")
	if t == "" && p != "" {
		return "/"
	}
	return t
}

// nftwPath names a walked path the way nftw builds it: the root as given
// (trailing slashes removed), then "/" and the path below it.
func nftwPath(root, p string) string {
	rel, err := filepath.Rel(filepath.Clean(root), p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return p
	}
	if rel == "." {
		return root
	}
	if strings.HasSuffix(root, "/") {
		return root + rel
	}
	return root + "/" + rel
}
