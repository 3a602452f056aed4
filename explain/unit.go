package explain

import (
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
	prog, err := e.Program(cmd, os.Stat)
	if err != nil {
		return Report{}, err
	}
	if err := e.CheckProgram(cmd, prog); err != nil {
		return Report{}, err
	}
	svc, err := e.Start(cmd, manager, db, last)
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
	if svc.NoSuid && !f.Target.NoSuid {
		f.Target.NoSuid = true
		f.Notes = append(f.Notes, "the service's mount namespace makes its mount nosuid")
	}
	return Explain(p, f, last), nil
}

func unitWho(u *systemd.Unit, e *systemd.Exec, cmd systemd.Command) string {
	user := e.User
	if user == "" || cmd.Prefix.FullyPrivileged || cmd.Prefix.NoSetuid {
		user = "root"
	}
	return fmt.Sprintf("the process of %s (User=%s) as systemd 252 sets it up for ExecStart=%s%s (line %d)",
		u.Name, user, cmd.Prefix, cmd.Path, cmd.Line)
}
