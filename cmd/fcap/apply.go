package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"fcap/capfile"
	"fcap/host"
	"fcap/manifest"
	"fcap/model"
	"fcap/xattr"
)

func applyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "make files' capabilities match manifests of 'PATH CAPS' lines",
		ArgsUsage: "MANIFEST...",
		Description: "A manifest holds what 'fcap get -r' prints: 'PATH CAPS' lines, '#' comments\n" +
			"and blank lines; 'PATH', 'PATH -' and 'PATH =' mean no capabilities. MANIFEST\n" +
			"may be - for standard input. Every manifest is checked whole first: a bad\n" +
			"line is reported as FILE:LINE and nothing from that manifest is applied.\n" +
			"Only files that differ are written, each change is printed, and every write\n" +
			"is read back. Exit 0 when done, 1 on a failure (or drift with --check), 2 on\n" +
			"a usage error, 3 when --fallback-setuid set a setuid bit. See docs/APPLY.md.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "change nothing: print 'PATH: has X, want Y' for each difference and exit 1 if there is one"},
			&cli.StringFlag{Name: "root", Usage: "resolve every path beneath `DIR` as if it were /, never leading out of it; symlinks on the way are refused"},
			&cli.BoolFlag{Name: "root-symlinks", Usage: "with --root, resolve symlinks inside DIR instead of refusing them (they still cannot lead out)"},
			&cli.BoolFlag{Name: "fallback-setuid", Usage: "where the filesystem cannot store capabilities, set the setuid bit of a root-owned file instead (exit 3)"},
		},
		Action: runApply,
	}
}

// applier holds one apply run's settings and outcome.
type applier struct {
	out, errw io.Writer
	last      model.Cap
	check     bool
	fallback  bool
	root      *xattr.Root
	// failed: an entry or manifest failed; drift: --check found a
	// difference; fellBack: a setuid bit stands in for capabilities.
	failed, drift, fellBack bool
}

func runApply(c *cli.Context) error {
	args := c.Args().Slice()
	if err := checkApplyArgs(c, args); err != nil {
		return err
	}
	a, err := newApplier(c)
	if err != nil {
		return err
	}
	if a.root != nil {
		defer a.root.Close()
	}
	srcs := a.openManifests(args, c.App.Reader)
	defer closeManifests(srcs)
	a.validate(srcs)
	for _, s := range srcs {
		if s.ok {
			a.applyManifest(s)
		}
	}
	return a.status()
}

// checkApplyArgs rejects bad argument combinations as usage errors.
func checkApplyArgs(c *cli.Context, args []string) error {
	if len(args) == 0 {
		return usagef("apply", "no MANIFEST given")
	}
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
		}
	}
	switch {
	case stdin > 1:
		return usagef("apply", "standard input (-) given more than once")
	case c.IsSet("root") && c.String("root") == "":
		return usagef("apply", "--root needs a directory")
	case c.Bool("root-symlinks") && !c.IsSet("root"):
		return usagef("apply", "--root-symlinks needs --root")
	}
	return nil
}

func newApplier(c *cli.Context) (*applier, error) {
	last, err := host.LastCap()
	if err != nil {
		return nil, err
	}
	a := &applier{out: c.App.Writer, errw: c.App.ErrWriter, last: last,
		check: c.Bool("check"), fallback: c.Bool("fallback-setuid")}
	if dir := c.String("root"); dir != "" {
		a.root, err = xattr.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		a.root.FollowSymlinks = c.Bool("root-symlinks")
	}
	return a, nil
}

// status turns the outcome into run's exit status: failures and drift
// (1) outrank a setuid fallback (3).
func (a *applier) status() error {
	switch {
	case a.failed || a.drift:
		return errFailed
	case a.fellBack:
		return errFellBack
	}
	return nil
}

func (a *applier) fail(err error) {
	a.failed = true
	fmt.Fprintf(a.errw, "fcap: %s\n", err)
}

// manifestSource is one MANIFEST argument, open and rewindable.
type manifestSource struct {
	name    string // as printed in errors
	f       *os.File
	entries int  // counted by the validating pass
	ok      bool // validated; to be applied
	size    int64
	mtime   unix.Timespec
}

// openManifests opens every argument; one that cannot be opened is
// reported and left out.
func (a *applier) openManifests(args []string, stdin io.Reader) []*manifestSource {
	var srcs []*manifestSource
	for _, arg := range args {
		s, err := openManifest(arg, stdin)
		if err != nil {
			a.fail(err)
			continue
		}
		srcs = append(srcs, s)
	}
	return srcs
}

func closeManifests(srcs []*manifestSource) {
	for _, s := range srcs {
		s.f.Close()
	}
}

// openManifest opens a manifest so that it can be read twice: a regular
// file is read in place; standard input, a pipe or a FIFO is first
// copied to an unlinked temporary file, so memory stays bounded.
func openManifest(arg string, stdin io.Reader) (*manifestSource, error) {
	if arg == "-" {
		f, err := spool(stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return &manifestSource{name: "<stdin>", f: f}, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, fmt.Errorf("open manifest: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		return &manifestSource{name: arg, f: f}, nil
	}
	defer f.Close()
	tmp, err := spool(f)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", arg, err)
	}
	return &manifestSource{name: arg, f: tmp}, nil
}

// spool copies r to a temporary file that is already unlinked.
func spool(r io.Reader) (*os.File, error) {
	tmp, err := os.CreateTemp("", "fcap-apply-*")
	if err != nil {
		return nil, err
	}
	os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return nil, err
	}
	return tmp, nil
}

// rewind seeks back to the start of the manifest.
func (s *manifestSource) rewind() error {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read manifest %s: %w", s.name, err)
	}
	return nil
}

// stamp records or compares the manifest's size and modification time,
// so a manifest edited between the two passes is noticed.
func (s *manifestSource) stamp(compare bool) (same bool, err error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(s.f.Fd()), &st); err != nil {
		return false, fmt.Errorf("stat manifest %s: %w", s.name, err)
	}
	same = st.Size == s.size && st.Mtim == s.mtime
	if !compare {
		s.size, s.mtime = st.Size, st.Mtim
	}
	return same, nil
}

// validate parses every manifest whole, applying nothing, and marks the
// good ones. A path may appear in only one of them: duplicates are found
// in memory that does not grow with the manifests (manifest.DupFinder), with
// a second read only when the filter has suspects.
func (a *applier) validate(srcs []*manifestSource) {
	var size int64
	for _, s := range srcs {
		if fi, err := s.f.Stat(); err == nil {
			size += fi.Size()
		}
	}
	dups := manifest.NewDupFinder(size)
	for _, s := range srcs {
		if err := a.validateOne(s, dups); err != nil {
			a.refuse(s, err)
			continue
		}
		s.ok = true
	}
	if dups.Suspects() > 0 {
		a.confirmDuplicates(srcs, dups)
	}
}

// refuse reports a manifest that will not be applied.
func (a *applier) refuse(s *manifestSource, err error) {
	a.fail(err)
	if errors.As(err, new(*manifest.Error)) {
		fmt.Fprintf(a.errw, "fcap: %s: nothing applied from this manifest\n", s.name)
	}
	s.ok = false
}

func (a *applier) validateOne(s *manifestSource, dups *manifest.DupFinder) error {
	if err := s.rewind(); err != nil {
		return err
	}
	err := manifest.Parse(s.f, s.name, a.last, func(e manifest.Entry) error {
		s.entries++
		dups.Note(e.Path)
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.stamp(false)
	return err
}

// confirmDuplicates reads the good manifests again to tell the filter's
// suspects from real duplicates; a manifest with one is refused.
func (a *applier) confirmDuplicates(srcs []*manifestSource, dups *manifest.DupFinder) {
	for _, s := range srcs {
		if !s.ok {
			continue
		}
		if err := s.rewind(); err != nil {
			a.refuse(s, err)
			continue
		}
		err := manifest.Parse(s.f, s.name, a.last, func(e manifest.Entry) error {
			if ff, fl, dup := dups.Check(e.Path, e.File, e.Line); dup {
				return manifest.DuplicateError(e.Path, e.File, e.Line, ff, fl)
			}
			return nil
		})
		if err != nil {
			a.refuse(s, err)
		}
	}
}

// applyManifest is the second pass: it parses the manifest again and
// brings each file in line as it goes.
func (a *applier) applyManifest(s *manifestSource) {
	if same, err := s.stamp(true); err != nil || !same {
		a.fail(changedError(s, err))
		return
	}
	if err := s.rewind(); err != nil {
		a.fail(err)
		return
	}
	n := 0
	// Duplicates were found by validate; no second path set.
	err := manifest.Parse(s.f, s.name, a.last, func(e manifest.Entry) error {
		n++
		if err := a.entry(e); err != nil {
			a.fail(err)
		}
		return nil
	})
	if err != nil || n != s.entries {
		a.fail(changedError(s, err))
	}
}

// changedError reports a manifest that changed between the two passes.
func changedError(s *manifestSource, err error) error {
	if err != nil {
		return fmt.Errorf("manifest %s changed while it was being applied: %w", s.name, err)
	}
	return fmt.Errorf("manifest %s changed while it was being applied", s.name)
}

// open opens a manifest path, beneath --root when one was given.
func (a *applier) open(path string) (*xattr.File, error) {
	if a.root != nil {
		return a.root.Open(path)
	}
	return xattr.Open(path)
}

// entry brings one file in line with its manifest entry, or with
// --check reports how it differs.
func (a *applier) entry(e manifest.Entry) error {
	f, err := a.open(e.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	have, ok, err := current(f)
	if err != nil && a.check {
		return err
	}
	was := a.haveText(have, ok, err)
	if err == nil && matches(e, have, ok) {
		return nil
	}
	switch {
	case a.check:
		return a.reportDrift(f, e, ok, was)
	case e.None:
		return a.remove(f, e, was)
	}
	return a.set(f, e, was)
}

// matches reports whether the file's current value is what e wants.
func matches(e manifest.Entry, have model.FileCaps, ok bool) bool {
	if e.None {
		return !ok
	}
	return ok && have.SameCaps(e.Caps)
}

// haveText describes a file's current value for messages.
func (a *applier) haveText(have model.FileCaps, ok bool, err error) string {
	switch {
	case err != nil:
		return "an unreadable value"
	case !ok:
		return "none"
	}
	return a.capsText(have)
}

// capsText prints a value as `fcap get -n` does.
func (a *applier) capsText(fc model.FileCaps) string {
	return fc.Format(a.last)
}

// wantText describes what an entry asks for.
func (a *applier) wantText(e manifest.Entry) string {
	if e.None {
		return "none"
	}
	return a.capsText(e.Caps)
}

// reportDrift prints `PATH: has X, want Y`. A root-owned setuid file on
// a filesystem that cannot store capabilities counts, with
// --fallback-setuid, as already fallen back rather than as drift.
func (a *applier) reportDrift(f *xattr.File, e manifest.Entry, ok bool, was string) error {
	if a.fallback && !e.None && !ok && fsRefusesCaps(f) &&
		f.Stat.Uid == 0 && f.Stat.Mode&unix.S_ISUID != 0 {
		a.warnFallback(e)
		return nil
	}
	a.drift = true
	fmt.Fprintf(a.out, "%s: has %s, want %s\n", e.Path, was, a.wantText(e))
	return nil
}

// remove deletes the file's capabilities and checks they are gone.
func (a *applier) remove(f *xattr.File, e manifest.Entry, was string) error {
	if _, err := f.Remove(); err != nil {
		return err
	}
	if _, ok, err := current(f); err != nil || ok {
		return fmt.Errorf("remove %s: the capabilities are still there after removal", e.Path)
	}
	fmt.Fprintf(a.out, "%s: removed (was %s)\n", e.Path, was)
	return nil
}

// set writes e's value and reads it back.
func (a *applier) set(f *xattr.File, e manifest.Entry, was string) error {
	value, err := capfile.Encode(e.Caps)
	if err != nil {
		return fmt.Errorf("set %s: %w", e.Path, err)
	}
	if err := f.Set(value); err != nil {
		if a.fallback && xattr.IsKind(err, xattr.NotSupported) {
			return a.fallBack(f, e, err)
		}
		return err
	}
	if err := readBack(f, e.Caps, value); err != nil {
		return fmt.Errorf("set %s: %w", e.Path, err)
	}
	fmt.Fprintf(a.out, "%s: set %s (was %s)\n", e.Path, a.capsText(e.Caps), was)
	return nil
}

// fallBack sets the setuid bit of a root-owned file whose filesystem
// cannot store capabilities; cause is the failed write.
func (a *applier) fallBack(f *xattr.File, e manifest.Entry, cause error) error {
	if f.Stat.Uid != 0 {
		return fmt.Errorf("%w; not setting the setuid bit instead: the file is owned by uid %d, not root", cause, f.Stat.Uid)
	}
	perm := f.Stat.Mode & 0o7777
	if perm&unix.S_ISUID == 0 {
		if err := f.Chmod(perm | unix.S_ISUID); err != nil {
			return err
		}
		fmt.Fprintf(a.out, "%s: set the setuid bit, mode %04o (was %04o)\n", e.Path, perm|unix.S_ISUID, perm)
	}
	a.warnFallback(e)
	return nil
}

// warnFallback tells that a setuid bit stands in for e's capabilities.
func (a *applier) warnFallback(e manifest.Entry) {
	a.fellBack = true
	fmt.Fprintf(a.errw, "fcap: warning: %s: the filesystem cannot store %s; the setuid bit stands in for it (the program runs with all of root's privileges)\n",
		e.Path, a.capsText(e.Caps))
}

// fsRefusesCaps reports whether the file's filesystem cannot store
// capabilities at all (getxattr fails with ENOTSUP), as opposed to the
// file simply having none.
func fsRefusesCaps(f *xattr.File) bool {
	_, err := unix.Getxattr("/proc/self/fd/"+strconv.Itoa(f.Fd()), xattr.Name, nil)
	return errors.Is(err, unix.ENOTSUP)
}
