package convert

import (
	"errors"
	"fmt"
	"path/filepath"

	"fcap/explain"
	"fcap/host"
	"fcap/model"
	"fcap/model/execve"
	"fcap/xattr"
)

// Options say how to convert.
type Options struct {
	// Caps, when set, are the capabilities to give instead of the
	// table's. Revert does not use it: the record says what was written.
	Caps *model.FileCaps
	// DryRun reports what would change and writes nothing.
	DryRun bool
	// Force converts what is refused (a table refusal, other
	// capabilities present, a prediction that unprivileged users would
	// not get the capabilities) and reverts without a record.
	Force bool
	// Unprivileged is the user the result is predicted for (Convert).
	Unprivileged explain.Parent
	Last         model.Cap
}

// Outcome is what happened to one path.
type Outcome int

// The outcomes.
const (
	Failed           Outcome = iota // Err says why; the file is as it was unless Err says otherwise
	Converted                       // capabilities written, set-id bits cleared
	WouldConvert                    // DryRun
	AlreadyConverted                // nothing to do
	FellBack                        // the capabilities could not be written: the file keeps its set-id bits
	Reverted                        // the recorded mode restored, the capabilities removed
	WouldRevert                     // DryRun
	AlreadyReverted                 // nothing to do
)

// Result is the outcome for one path.
type Result struct {
	Path    string
	Outcome Outcome
	// From describes the set-id identity ("setuid root") before a
	// conversion or after a revert.
	From string
	// Caps are the capabilities given (or removed by a revert).
	Caps model.FileCaps
	// Prediction is the predicted exec by Options.Unprivileged when it
	// would not get Caps (Missing); with Force the conversion goes on.
	Prediction *execve.Result
	Missing    model.Set
	// Warning is something the caller should say even on success.
	Warning string
	Err     error
}

// Convert replaces the set-id bits of the program at path by
// capabilities.
func Convert(path string, opt Options) Result {
	res := Result{Path: path}
	f, err := xattr.Open(path)
	if err != nil {
		return res.fail(err)
	}
	defer f.Close()
	if res.Caps, err = wanted(path, opt); err != nil {
		return res.fail(err)
	}
	have, ok, err := f.Caps()
	if err != nil {
		return res.fail(err)
	}
	if done := res.checkConvertible(f, have, ok, opt); done {
		return res
	}
	if !res.predict(f, opt) {
		return res
	}
	res.From = execve.DescribeSetID(f.Stat.Mode, f.Stat.Uid, f.Stat.Gid)
	if opt.DryRun {
		res.Outcome = WouldConvert
		return res
	}
	return res.write(f, have, ok, opt.Last)
}

func (r Result) fail(err error) Result {
	r.Outcome, r.Err = Failed, err
	return r
}

// wanted returns the capabilities to give the program at path: the
// option's, or the table's. A program the table refuses is refused
// unless Force.
func wanted(path string, opt Options) (model.FileCaps, error) {
	name := filepath.Base(path)
	e, known := Lookup(name)
	if known && e.Refused() && !opt.Force {
		return model.FileCaps{}, fmt.Errorf("refused: %s %s (it is not a candidate for file capabilities; --force --caps TEXT converts it anyway)", name, e.Reason)
	}
	if opt.Caps != nil {
		return *opt.Caps, nil
	}
	if !known || e.Refused() {
		return model.FileCaps{}, fmt.Errorf("no built-in capabilities for a program called %q: say which it needs with --caps, e.g. --caps cap_net_raw=ep", name)
	}
	caps, err := model.ParseText(e.Caps, opt.Last)
	if err != nil {
		return model.FileCaps{}, fmt.Errorf("built-in table entry %q: %w", e.Caps, err)
	}
	return caps.ToFile(0)
}

// checkConvertible decides whether f can be converted. When it cannot
// (or is already converted) it fills in the outcome and reports done.
func (r *Result) checkConvertible(f *xattr.File, have model.FileCaps, ok bool, opt Options) (done bool) {
	mode := f.Stat.Mode & 0o7777
	text := func(fc model.FileCaps) string { return fc.Caps().Format(opt.Last) }
	var err error
	switch {
	case execve.SetIDBits(mode) == 0 && ok && have.SameCaps(r.Caps):
		r.Outcome = AlreadyConverted
		return true
	case execve.SetIDBits(mode) == 0 && ok:
		err = fmt.Errorf("not set-id (mode %04o) and has %s, not %s: nothing to convert (fcap set changes capabilities)", mode, text(have), text(r.Caps))
	case execve.SetIDBits(mode) == 0:
		err = fmt.Errorf("not a set-user-ID or set-group-ID program (mode %04o): nothing to convert", mode)
	case f.Stat.Uid != 0:
		err = fmt.Errorf("owned by uid %d, not root: its set-id bit gives that user's identity, which capabilities cannot replace", f.Stat.Uid)
	case ok && !have.SameCaps(r.Caps) && !opt.Force:
		err = fmt.Errorf("already has capabilities %s; --force replaces them with %s", text(have), text(r.Caps))
	default:
		return false
	}
	*r = r.fail(err)
	return true
}

// predict runs the exec of the converted file by an unprivileged user.
// When that user would not get the capabilities it records the
// prediction and, without Force, fails.
func (r *Result) predict(f *xattr.File, opt Options) bool {
	t := execve.Target{Caps: &r.Caps, Mode: f.Stat.Mode & 0o7777 &^ execve.SetIDBits(f.Stat.Mode),
		UID: f.Stat.Uid, GID: f.Stat.Gid}
	var err error
	if t.NoSuid, err = host.NoSuid(f.Fd()); err != nil {
		*r = r.fail(err)
		return false
	}
	p := execve.Predict(opt.Unprivileged.State, t, opt.Last)
	r.Missing = missing(r.Caps, p, opt.Last)
	if p.Err == "" && r.Missing == 0 {
		return true
	}
	r.Prediction = &p
	if opt.Force {
		return true
	}
	*r = r.fail(ErrUnprivilegedWouldNotGet)
	return false
}

// ErrUnprivilegedWouldNotGet refuses a conversion whose result would not
// work for an unprivileged user (Result.Prediction says why).
var ErrUnprivilegedWouldNotGet = errors.New("refused: an unprivileged user would not get the capabilities")

// missing returns the capabilities of want the child does not get: in
// permitted, and in effective when want has the effective bit.
func missing(want model.FileCaps, r execve.Result, last model.Cap) model.Set {
	need := want.Permitted & model.UpTo(last)
	if r.Err != "" {
		return need
	}
	miss := need &^ r.Child.Permitted
	if want.Effective {
		miss |= need &^ r.Child.Effective
	}
	return miss
}

// Unprivileged is the user conversions are predicted for: a fresh login
// of nobody (uid 65534 when the user database does not know it) with
// fcap's own bounding set.
func Unprivileged() (explain.Parent, error) {
	self, err := host.ReadStatus(0)
	if err != nil {
		return explain.Parent{}, err
	}
	p, err := explain.Login("nobody", self.Bounding)
	if err != nil {
		return explain.Login("65534", self.Bounding)
	}
	return p, nil
}
