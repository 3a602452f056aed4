package explain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"fcap/model"
	"fcap/model/cred"
	"fcap/systemd"
)

// Unit explains what happens when a systemd service's process executes
// its ExecStart= program (or file, on the host): unit is the .service
// file, manager the state of the service manager the process starts from
// (systemd.Manager), db the user database. A unit systemd cannot load, or
// one fcap does not model, is a *systemd.UnitError (or wraps
// systemd.ErrHidden); a service systemd would fail to start is a
// *systemd.StartError.
func Unit(unit, file string, manager cred.State, db systemd.UserDB, last model.Cap) (Report, error) {
	u, err := systemd.Load(unit)
	if err != nil {
		return Report{}, err
	}
	e, err := u.Exec()
	if err != nil {
		return Report{}, err
	}
	if file != "" {
		if file, err = filepath.Abs(file); err != nil {
			return Report{}, err
		}
	}
	cmd, note := e.Command(file, os.Stat)
	svc, prog, err := startAndLocate(e, cmd, manager, db, last)
	var se *systemd.StartError
	if errors.As(err, &se) && se.Errno != "" {
		p := Parent{State: svc.State, Who: unitWho(u, e, cmd), Notes: svc.Notes}
		detail := se.Error()
		if cmd.Prefix.IgnoreFailure {
			detail += `; the "-" prefix makes systemd skip the command and go on`
		}
		return failed(p, cmd.Path, se.Errno, RuleSystemdLocate, detail), nil
	}
	if err != nil {
		return Report{}, err
	}
	p := Parent{State: svc.State, Who: unitWho(u, e, cmd), Notes: append(append([]string(nil), e.Notes...), svc.Notes...)}
	if note != "" {
		p.Notes = append([]string{note}, p.Notes...)
	}
	f, err := Inspect(prog)
	if err != nil {
		return Report{}, err
	}
	if setting, ok := svc.NoSuidAt(f.Exec); ok && !f.Target.NoSuid {
		f.Target.NoSuid = true
		f.Notes = append(f.Notes, fmt.Sprintf("%s is on a mount point of the service's namespace (%s=) that systemd remounts nosuid", f.Exec, setting))
	}
	return Explain(p, f, last), nil
}

// startAndLocate follows systemd's order: the user and group lookups
// fail first (216/GROUP, 217/USER), then the mount namespace is set up
// (fcap refuses a program it hides), then the program is located
// (203/EXEC), then the credentials change (218/CAPABILITIES,
// 213/SECUREBITS).
func startAndLocate(e *systemd.Exec, cmd systemd.Command, manager cred.State, db systemd.UserDB, last model.Cap) (systemd.Service, string, error) {
	svc, startErr := e.Start(cmd, manager, db, last)
	var se *systemd.StartError
	if errors.As(startErr, &se) && (se.Name == "USER" || se.Name == "GROUP") {
		return svc, "", startErr
	}
	if filepath.IsAbs(cmd.Path) {
		if err := e.CheckProgram(cmd, cmd.Path); err != nil {
			return svc, "", err
		}
	}
	prog, err := e.Program(cmd, os.Stat)
	if err == nil {
		err = e.CheckProgram(cmd, prog)
	}
	if err != nil {
		return svc, "", err
	}
	return svc, prog, startErr
}

func unitWho(u *systemd.Unit, e *systemd.Exec, cmd systemd.Command) string {
	user := e.User
	if user == "" || cmd.Prefix.FullyPrivileged || cmd.Prefix.NoSetuid {
		user = "root"
	}
	return fmt.Sprintf("the process of %s (User=%s) as systemd 252 sets it up for ExecStart=%s%s (line %d)",
		u.Name, user, cmd.Prefix, cmd.Path, cmd.Line)
}
