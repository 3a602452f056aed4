package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"

	"fcap/explain"
	"fcap/model"
	"fcap/model/cred"
)

// Plan is a validated launch: who the program runs as, what it keeps,
// the state fcap puts itself in right before exec (Parent) and what the
// execve model predicts for the program (Result). Building one changes
// nothing.
type Plan struct {
	Identity   Identity
	Kept       Kept
	Securebits cred.Securebits
	// DropBounding says the bounding set shrinks to the kept capabilities.
	DropBounding bool
	NoNewPrivs   bool

	// Path is the program fcap executes (found in PATH for a bare name),
	// Argv and Env what it gets.
	Path string
	Argv []string
	Env  []string

	// Self is fcap's state before the launch, Parent its state right
	// before exec.
	Self    cred.State
	Parent  cred.State
	LastCap model.Cap
	// Report is explain's prediction of the exec of Path from Parent:
	// the file exec judges, the program's state, the rules that apply.
	// Its notes and warnings include the launch's own.
	Report explain.Report

	prog explain.Program
}

// PlanError is a launch fcap refuses before changing anything.
type PlanError struct {
	Err error
}

func (e *PlanError) Error() string { return e.Err.Error() }
func (e *PlanError) Unwrap() error { return e.Err }

// ErrElevated refuses a launch by an fcap that its own exec made more
// privileged than its caller (a set-user-ID bit or file capabilities on
// the fcap binary): fcap run has no policy saying who may become whom, so
// it acts only for callers that already hold the privileges it uses.
var ErrElevated = errors.New("fcap was given privileges its caller does not have (set-user-ID or file capabilities on the fcap binary): " +
	"fcap run has no policy on who may become whom, so it runs only for callers that hold the privileges themselves (a root shell, a service manager, a container runtime)")

// New validates intent against fcap's own process and the kernel and
// returns the plan. It rehearses the whole change of credentials on a
// thread that is thrown away afterwards, and there checks that the
// target user may execute the program; nothing else changes. Errors
// are *PlanError values.
func New(in Intent) (*Plan, error) {
	facts, err := ReadFacts()
	if err != nil {
		return nil, &PlanError{Err: err}
	}
	p, err := Compute(in, facts)
	if err != nil {
		return nil, err
	}
	if err := p.rehearse(); err != nil {
		return nil, &PlanError{Err: err}
	}
	return p, nil
}

// Compute builds the plan from intent and facts without rehearsing it:
// it reads the user and group databases and the program's file only.
func Compute(in Intent, facts Facts) (*Plan, error) {
	if facts.Elevated {
		return nil, &PlanError{Err: ErrElevated}
	}
	p := &Plan{Self: facts.Self, LastCap: facts.LastCap, NoNewPrivs: in.NoNewPrivs || facts.Self.NoNewPrivs,
		Securebits: in.securebits(), DropBounding: !in.KeepBounding}
	steps := []func(*Intent) error{p.resolveCaps, p.resolveIdentity, p.checkOwnCaps, p.resolveProgram, p.predict}
	for _, step := range steps {
		if err := step(&in); err != nil {
			return nil, &PlanError{Err: err}
		}
	}
	p.explain()
	return p, nil
}

func (p *Plan) resolveCaps(in *Intent) (err error) {
	p.Kept, err = ParseKept(in.Caps, in.Adjust, p.LastCap)
	return err
}

func (p *Plan) resolveIdentity(in *Intent) (err error) {
	p.Identity, err = resolveIdentity(in, p.Self)
	return err
}

// resolveProgram finds the program and reads the file exec judges.
func (p *Plan) resolveProgram(in *Intent) error {
	if in.Program == "" {
		return errors.New("no program to run")
	}
	path, err := exec.LookPath(in.Program)
	if err != nil {
		return fmt.Errorf("program %s: %w", in.Program, unwrapExecError(err))
	}
	p.Path = path
	p.Argv = append([]string{in.Program}, in.Args...)
	p.Env = in.Env
	if p.Env == nil {
		p.Env = os.Environ()
	}
	fs, err := explain.HostFS(workingDir())
	if err != nil {
		return fmt.Errorf("program %s: %w", in.Program, err)
	}
	defer fs.Close()
	if p.prog, err = explain.Inspect(fs, path); err != nil {
		return fmt.Errorf("program %s: %w", in.Program, err)
	}
	return nil
}

// workingDir is fcap's working directory, where a relative program path
// starts; "" (the root) when it cannot be read.
func workingDir() string {
	wd, _ := os.Getwd()
	return wd
}

// unwrapExecError drops os/exec's repetition of the name.
func unwrapExecError(err error) error {
	var e *exec.Error
	if errors.As(err, &e) {
		return e.Err
	}
	return err
}

// predict computes the state right before exec and runs the execve
// model on it; an exec the model says fails is refused.
func (p *Plan) predict(*Intent) error {
	p.Parent = p.parentState()
	who := explain.Who{Text: "fcap right before it executes the program", User: explain.UserName(p.Parent.UID, p.Parent.UserNS)}
	var err error
	if p.Report, err = explain.Explain(explain.Parent{State: p.Parent, Who: who}, p.prog, p.LastCap); err != nil {
		return err
	}
	if r := p.Report.Result; r.Err != "" {
		return &ExecFailsError{Path: p.Report.Decider().Path, Errno: r.Err, Why: r.Why}
	}
	return nil
}

// ExecFailsError is a launch whose exec the model says fails: Why is
// the rule that decides it.
type ExecFailsError struct {
	Path, Errno, Why string
}

func (e *ExecFailsError) Error() string {
	return fmt.Sprintf("%s: exec would fail with %s: %s", e.Path, e.Errno, e.Why)
}

// parentState is fcap's state once the launch has changed it, right
// before exec: the kept capabilities are permitted, effective,
// inheritable and ambient, the inheritable-only ones inheritable.
func (p *Plan) parentState() cred.State {
	s, id := p.Self, p.Identity
	if id.ChangeUID {
		s.UID, s.EUID, s.SUID, s.FSUID = id.UID, id.UID, id.UID, id.UID
	}
	if id.ChangeGID || id.ChangeGroups {
		s.GID, s.EGID, s.SGID, s.FSGID = id.GID, id.GID, id.GID, id.GID
	}
	s.Groups = id.Groups
	s.Inheritable = p.Kept.Inheritable
	s.Permitted, s.Effective, s.Ambient = p.Kept.Ambient, p.Kept.Ambient, p.Kept.Ambient
	if p.DropBounding {
		s.Bounding &= p.Kept.All()
	}
	s.Securebits = p.Securebits
	s.NoNewPrivs = p.NoNewPrivs
	return s
}
