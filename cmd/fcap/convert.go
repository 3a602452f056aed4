package main

import (
	"errors"
	"fmt"
	"io"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"fcap/capfile"
	"fcap/convert"
	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
	"fcap/xattr"
)

func convertCommand() *cli.Command {
	return &cli.Command{
		Name:      "convert",
		Usage:     "replace the set-user-ID root bit of programs by file capabilities",
		ArgsUsage: "PATH...",
		Description: "For each root-owned set-id program: write the capabilities (from --caps, or\n" +
			"the built-in table of well-known programs such as ping, arping, mtr-packet,\n" +
			"dumpcap, newuidmap), read them back, then clear the set-id bits, all through\n" +
			"one descriptor, so the program works at every instant. Before writing, the\n" +
			"exec of the result by a fresh login of nobody is predicted; if it would not\n" +
			"get the capabilities (bounding set, nosuid mount) nothing is changed.\n" +
			"A file that cannot store capabilities keeps its set-id bit: exit status 3.\n" +
			"Running it again on a converted file changes nothing. --revert sets the\n" +
			"setuid bit again, then removes the capabilities.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "caps", Usage: "the capabilities to give, as `TEXT` (e.g. cap_net_raw=ep), instead of the table's"},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print what would change, write nothing"},
			&cli.BoolFlag{Name: "revert", Usage: "restore the setuid bit, then remove the capabilities"},
			&cli.BoolFlag{Name: "force", Usage: "convert even when refused (a table refusal, other capabilities present, a prediction that unprivileged users would not get the capabilities)"},
		},
		Action: runConvert,
	}
}

// converter carries the options and what every path shares: the kernel's
// last capability and the unprivileged user the result is predicted for.
type converter struct {
	out, errw     io.Writer
	caps          *model.Caps // --caps, parsed
	dryRun, force bool
	last          model.Cap
	nobody        cred.State
	nobodyName    string
}

func runConvert(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("convert", "no PATH given")
	}
	cv, err := newConverter(c)
	if err != nil {
		return err
	}
	op := cv.convert
	if c.Bool("revert") {
		op = cv.revert
	}
	status := exitOK
	for _, path := range c.Args().Slice() {
		status = worseStatus(status, op(path))
	}
	if status != exitOK {
		return &statusError{code: status}
	}
	return nil
}

// worseStatus orders exit statuses: a failure outranks a fallback.
func worseStatus(a, b int) int {
	rank := map[int]int{exitOK: 0, exitFellBack: 1, exitFailed: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func newConverter(c *cli.Context) (*converter, error) {
	last, err := host.LastCap()
	if err != nil {
		return nil, err
	}
	cv := &converter{out: c.App.Writer, errw: c.App.ErrWriter, dryRun: c.Bool("dry-run"),
		force: c.Bool("force"), last: last}
	if c.IsSet("caps") {
		caps, err := model.ParseText(c.String("caps"), last)
		if err != nil {
			return nil, usagef("convert", "--caps: %s", err)
		}
		if _, err := caps.ToFile(0); err != nil {
			return nil, usagef("convert", "--caps %q: %s", c.String("caps"), err)
		}
		cv.caps = &caps
	}
	self, err := host.ReadStatus(0)
	if err != nil {
		return nil, err
	}
	cv.nobody, cv.nobodyName = nobodyLogin(self.Bounding)
	return cv, nil
}

// nobodyLogin is a fresh login of the user nobody (uid 65534 when the
// user database does not know it): no capabilities, the given bounding
// set.
func nobodyLogin(bounding model.Set) (cred.State, string) {
	uid, gid, name := uint32(65534), uint32(65534), "nobody"
	if u, err := user.Lookup("nobody"); err == nil {
		if n, err := strconv.ParseUint(u.Uid, 10, 32); err == nil {
			uid = uint32(n)
		}
		if n, err := strconv.ParseUint(u.Gid, 10, 32); err == nil {
			gid = uint32(n)
		}
	}
	p := cred.State{Bounding: bounding}
	p.UID, p.EUID, p.SUID, p.FSUID = uid, uid, uid, uid
	p.GID, p.EGID, p.SGID, p.FSGID = gid, gid, gid, gid
	return p, fmt.Sprintf("a fresh login of %s (uid %d)", name, uid)
}

// fail prints a failure for path and returns exitFailed.
func (cv *converter) fail(path string, err error) int {
	var xe *xattr.Error
	if errors.As(err, &xe) && xe.Path == path {
		fmt.Fprintf(cv.errw, "fcap: %s\n", err)
	} else {
		fmt.Fprintf(cv.errw, "fcap: convert %s: %s\n", path, err)
	}
	return exitFailed
}

// wanted returns the capabilities to give the program at path: --caps,
// or the table's. A program the table refuses is refused unless --force.
func (cv *converter) wanted(path string) (model.FileCaps, error) {
	name := filepath.Base(path)
	e, known := convert.Lookup(name)
	if known && e.Refused() && !cv.force {
		return model.FileCaps{}, fmt.Errorf("refused: %s %s (it is not a candidate for file capabilities; --force --caps TEXT converts it anyway)", name, e.Reason)
	}
	caps := cv.caps
	if caps == nil {
		if !known || e.Refused() {
			return model.FileCaps{}, fmt.Errorf("no built-in capabilities for a program called %q: say which it needs with --caps, e.g. --caps cap_net_raw=ep", name)
		}
		parsed, err := model.ParseText(e.Caps, cv.last)
		if err != nil {
			return model.FileCaps{}, fmt.Errorf("built-in table entry %q: %w", e.Caps, err)
		}
		caps = &parsed
	}
	return caps.ToFile(0)
}

func (cv *converter) text(fc model.FileCaps) string { return fc.Caps().Format(cv.last) }

// convert replaces the set-id bits of one file by capabilities and
// returns its exit status.
func (cv *converter) convert(path string) int {
	f, err := xattr.Open(path)
	if err != nil {
		return cv.fail(path, err)
	}
	defer f.Close()
	want, err := cv.wanted(path)
	if err != nil {
		return cv.fail(path, err)
	}
	have, ok, err := current(f)
	if err != nil {
		return cv.fail(path, err)
	}
	same := ok && have.SameCaps(want)
	if done, status := cv.checkConvertible(f, have, ok, want); done {
		return status
	}
	if !cv.predictionOK(f, want) {
		return exitFailed
	}
	from := execve.DescribeSetID(f.Stat.Mode, f.Stat.Uid, f.Stat.Gid)
	if cv.dryRun {
		fmt.Fprintf(cv.out, "%s: would convert: %s → %s\n", path, from, cv.text(want))
		return exitOK
	}
	if !same {
		if status := cv.writeCaps(f, want, have, ok); status != exitOK {
			return status
		}
	}
	if err := cv.clearSetID(f, want); err != nil {
		fmt.Fprintf(cv.errw, "fcap: convert %s: %s; the file still works: it keeps %s and has %s\n", path, err, from, cv.text(want))
		return exitFailed
	}
	fmt.Fprintf(cv.out, "%s: converted: %s → %s\n", path, from, cv.text(want))
	return exitOK
}

// checkConvertible decides whether f can be converted to want. When it
// cannot (or is already converted) it reports so and returns done with
// the exit status.
func (cv *converter) checkConvertible(f *xattr.File, have model.FileCaps, ok bool, want model.FileCaps) (done bool, status int) {
	mode := f.Stat.Mode & 0o7777
	switch {
	case execve.SetIDBits(mode) == 0 && ok && have.SameCaps(want):
		fmt.Fprintf(cv.out, "%s: already converted (%s)\n", f.Path, cv.text(want))
		return true, exitOK
	case execve.SetIDBits(mode) == 0 && ok:
		return true, cv.fail(f.Path, fmt.Errorf("not set-id (mode %04o) and has %s, not %s: nothing to convert (fcap set changes capabilities)", mode, cv.text(have), cv.text(want)))
	case execve.SetIDBits(mode) == 0:
		return true, cv.fail(f.Path, fmt.Errorf("not a set-user-ID or set-group-ID program (mode %04o): nothing to convert", mode))
	case f.Stat.Uid != 0:
		return true, cv.fail(f.Path, fmt.Errorf("owned by uid %d, not root: its set-id bit gives that user's identity, which capabilities cannot replace", f.Stat.Uid))
	case ok && !have.SameCaps(want) && !cv.force:
		return true, cv.fail(f.Path, fmt.Errorf("already has capabilities %s; --force replaces them with %s", cv.text(have), cv.text(want)))
	}
	return false, exitOK
}

// predictionOK predicts the exec of the converted file by an unprivileged
// user. When that user would not get the capabilities it prints the
// prediction and, without --force, reports false.
func (cv *converter) predictionOK(f *xattr.File, want model.FileCaps) bool {
	t := execve.Target{Caps: &want, Mode: f.Stat.Mode & 0o7777 &^ execve.SetIDBits(f.Stat.Mode),
		UID: f.Stat.Uid, GID: f.Stat.Gid}
	nosuid, err := host.NoSuid(f.Fd())
	if err != nil {
		cv.fail(f.Path, err)
		return false
	}
	t.NoSuid = nosuid
	r := execve.Predict(cv.nobody, t, cv.last)
	missing := cv.missing(want, r)
	if r.Err == "" && missing == 0 {
		return true
	}
	verb := "refused"
	if cv.force {
		verb = "warning (--force: converting anyway)"
	}
	fmt.Fprintf(cv.errw, "fcap: convert %s: %s: an unprivileged user would not get %s from %s\n", f.Path, verb, missing.Names(), cv.text(want))
	cv.printPrediction(r)
	return cv.force
}

// missing returns the capabilities of want the child does not get: in
// permitted, and in effective when want has the effective bit.
func (cv *converter) missing(want model.FileCaps, r execve.Result) model.Set {
	need := want.Permitted & model.UpTo(cv.last)
	if r.Err != "" {
		return need
	}
	miss := need &^ r.Child.Permitted
	if want.Effective {
		miss |= need &^ r.Child.Effective
	}
	return miss
}

func (cv *converter) printPrediction(r execve.Result) {
	fmt.Fprintf(cv.errw, "  prediction for %s, bounding set %s:\n", cv.nobodyName, cv.nobody.Bounding.Describe(cv.last))
	for _, rule := range r.Rules {
		fmt.Fprintf(cv.errw, "    %s: %s\n", rule.Name, rule.Detail)
	}
	if r.Err != "" {
		fmt.Fprintf(cv.errw, "    result: exec fails with %s\n", r.Err)
		return
	}
	fmt.Fprintf(cv.errw, "    result: permitted %s, effective %s\n", r.Child.Permitted.Describe(cv.last), r.Child.Effective.Describe(cv.last))
}

// writeCaps writes want through f and reads it back. On failure the
// file keeps its set-id bit (and its previous capabilities): exitFellBack.
func (cv *converter) writeCaps(f *xattr.File, want, prev model.FileCaps, hadPrev bool) int {
	value, err := capfile.Encode(want)
	if err == nil {
		err = f.Set(value)
	}
	if err == nil {
		err = readBack(f, want, value)
		if err != nil {
			err = errors.Join(err, cv.restore(f, prev, hadPrev))
		}
	}
	if err != nil {
		from := execve.DescribeSetID(f.Stat.Mode, f.Stat.Uid, f.Stat.Gid)
		fmt.Fprintf(cv.errw, "fcap: convert %s: fell back: the capabilities could not be written (%s); it keeps %s\n", f.Path, oneLine(err), from)
		return exitFellBack
	}
	return exitOK
}

// restore puts back the capabilities f had before a failed write.
func (cv *converter) restore(f *xattr.File, prev model.FileCaps, hadPrev bool) error {
	if !hadPrev {
		_, err := f.Remove()
		return err
	}
	value, err := capfile.Encode(prev)
	if err == nil {
		err = f.Set(value)
	}
	return err
}

// clearSetID clears the set-id bits through f, then checks with fstat
// that they are gone and that the capabilities are still there.
func (cv *converter) clearSetID(f *xattr.File, want model.FileCaps) error {
	mode := f.Stat.Mode & 0o7777
	if err := f.Chmod(mode &^ execve.SetIDBits(mode)); err != nil {
		return fmt.Errorf("clearing the set-id bits: %w", err)
	}
	if err := f.Restat(); err != nil {
		return err
	}
	if execve.SetIDBits(f.Stat.Mode) != 0 {
		return fmt.Errorf("mode is still %04o after clearing the set-id bits", f.Stat.Mode&0o7777)
	}
	value, err := capfile.Encode(want)
	if err != nil {
		return err
	}
	return readBack(f, want, value)
}

// oneLine joins the lines of an error's text.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// revert gives a converted file its setuid bit back, then removes its
// capabilities, and returns its exit status.
func (cv *converter) revert(path string) int {
	f, err := xattr.Open(path)
	if err != nil {
		return cv.fail(path, err)
	}
	defer f.Close()
	if f.Stat.Uid != 0 {
		return cv.fail(path, fmt.Errorf("owned by uid %d, not root: --revert sets a setuid root bit on root-owned files only", f.Stat.Uid))
	}
	have, ok, err := current(f)
	if err != nil {
		return cv.fail(path, err)
	}
	mode := f.Stat.Mode & 0o7777
	switch {
	case !ok && mode&execve.ModeSetuid != 0:
		fmt.Fprintf(cv.out, "%s: already reverted (setuid root)\n", path)
		return exitOK
	case !ok:
		return cv.fail(path, fmt.Errorf("has neither capabilities nor the setuid bit (mode %04o): nothing to revert", mode))
	}
	if err := cv.checkRevertible(path, have); err != nil {
		return cv.fail(path, err)
	}
	if cv.dryRun {
		fmt.Fprintf(cv.out, "%s: would revert: %s → setuid root\n", path, cv.text(have))
		return exitOK
	}
	return cv.doRevert(f, have)
}

// checkRevertible refuses, unless --force, to make a file setuid root
// when its capabilities are not the ones convert would have written.
func (cv *converter) checkRevertible(path string, have model.FileCaps) error {
	if cv.force {
		return nil
	}
	want, err := cv.wanted(path)
	if err != nil {
		return fmt.Errorf("%w (or --force to make it setuid root anyway)", err)
	}
	if !have.SameCaps(want) {
		return fmt.Errorf("has %s, not %s that convert writes: refusing to make it setuid root (--caps names what was written; --force reverts anyway)", cv.text(have), cv.text(want))
	}
	return nil
}

// doRevert sets the setuid bit first, so the program keeps working,
// then removes the capabilities.
func (cv *converter) doRevert(f *xattr.File, have model.FileCaps) int {
	mode := f.Stat.Mode & 0o7777
	if mode&execve.ModeSetuid == 0 {
		if err := f.Chmod(mode | execve.ModeSetuid); err != nil {
			return cv.fail(f.Path, fmt.Errorf("setting the setuid bit: %w; nothing changed", err))
		}
		if f.Stat.Mode&execve.ModeSetuid == 0 {
			return cv.fail(f.Path, fmt.Errorf("mode is %04o after setting the setuid bit; the capabilities are kept", f.Stat.Mode&0o7777))
		}
	}
	if _, err := f.Remove(); err != nil {
		return cv.fail(f.Path, fmt.Errorf("%w; it is setuid root and still has %s (for non-root callers only those capabilities apply)", err, cv.text(have)))
	}
	if _, ok, err := current(f); err != nil || ok {
		return cv.fail(f.Path, fmt.Errorf("capabilities still present after removing them (%v)", err))
	}
	fmt.Fprintf(cv.out, "%s: reverted: %s → setuid root\n", f.Path, cv.text(have))
	return exitOK
}
