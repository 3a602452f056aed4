package launch

import (
	"fmt"

	"golang.org/x/sys/unix"
	"kernel.org/pub/linux/libs/security/libcap/cap"

	"fcap/host"
)

// NotExecutableError is a program the target user may not execute.
type NotExecutableError struct {
	Path string
	UID  uint32
	Err  error
}

func (e *NotExecutableError) Error() string {
	return fmt.Sprintf("%s: not executable as uid %d: %v", e.Path, e.UID, e.Err)
}

func (e *NotExecutableError) Unwrap() error { return e.Err }

// rehearse makes the whole change of credentials on a thread of its
// own (a cap.FuncLauncher callback: the cap package then changes only
// that thread, which the Go runtime ends afterwards), checks that the
// thread reached p.Parent, and asks the kernel whether that thread may
// execute the program (faccessat AT_EACCESS uses the effective ids,
// groups and capabilities exec uses). fcap's other threads are left
// alone.
func (p *Plan) rehearse() error {
	l := cap.FuncLauncher(func(any) error {
		if err := p.apply(); err != nil {
			return err
		}
		if err := p.verifyThread(); err != nil {
			return err
		}
		return p.checkExecutable()
	})
	_, err := l.Launch(nil)
	return err
}

// verifyThread checks that the calling thread is in p.Parent.
func (p *Plan) verifyThread() error {
	got, err := host.ReadThreadStatus(0)
	if err != nil {
		return err
	}
	if got.Securebits, err = host.SelfSecurebits(); err != nil {
		return err
	}
	return p.compare("the rehearsal thread", got)
}

// checkExecutable asks the kernel whether the calling thread may
// execute the program and, for a script, its interpreter.
func (p *Plan) checkExecutable() error {
	paths := []string{p.Path}
	if exec := p.Report.Decider().Lookup.Resolved; exec != p.Path {
		paths = append(paths, exec) // a script's interpreter, or a symlink's target
	}
	for _, path := range paths {
		if err := unix.Faccessat(unix.AT_FDCWD, path, unix.X_OK, unix.AT_EACCESS); err != nil {
			return &NotExecutableError{Path: path, UID: p.Parent.EUID, Err: err}
		}
	}
	return nil
}
