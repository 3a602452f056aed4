package explain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
	"fcap/systemd"
)

// Unit explains what happens when a systemd service's process executes
// its ExecStart= program (or file, on the host): unit is the .service
// file, manager the state of the service manager the process starts from
// (systemd.Manager), db the user database. A unit systemd cannot load, or
// one fcap does not model, is a *systemd.UnitError (or wraps
// systemd.ErrHidden); a service systemd would fail to start before it
// looks for the program is a *systemd.StartError; a program it cannot
// locate is a report whose exec fails.
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
	p := serviceParent(u, e, cmd, svc, note)
	var se *systemd.StartError
	if errors.As(err, &se) && se.Errno != "" {
		detail := se.Error()
		if cmd.Prefix.IgnoreFailure {
			detail += `; the "-" prefix makes systemd skip the command and go on`
		}
		return stopped(p, cmd.Path, se.Errno, RuleSystemdLocate, detail, last), nil
	}
	if err != nil {
		return Report{}, err
	}
	fs, err := serviceFS(svc)
	if err != nil {
		return Report{}, err
	}
	defer fs.Close()
	pr, err := Inspect(fs, prog)
	if err != nil {
		return Report{}, err
	}
	return Explain(p, pr, last)
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

// serviceParent is the service's process; note says how the command was
// chosen.
func serviceParent(u *systemd.Unit, e *systemd.Exec, cmd systemd.Command, svc systemd.Service, note string) Parent {
	user := e.User
	if user == "" || cmd.Prefix.FullyPrivileged || cmd.Prefix.NoSetuid {
		user = "root"
	}
	subject := fmt.Sprintf("the process of %s (User=%s)", u.Name, user)
	who := Who{Kind: "service", User: subject, Text: fmt.Sprintf("%s as systemd 252 sets it up for ExecStart=%s%s (line %d)",
		subject, cmd.Prefix, cmd.Path, cmd.Line)}
	p := Parent{State: svc.State, Who: who, Notes: append(append([]string(nil), e.Notes...), svc.Notes...), Root: "/", Cwd: "/"}
	if note != "" {
		p.Notes = append([]string{note}, p.Notes...)
	}
	return p
}

// serviceFS is the host's filesystem as the service sees it: the mount
// points systemd remounts nosuid are nosuid.
func serviceFS(svc systemd.Service) (*FS, error) {
	fs, err := HostFS("/")
	if err != nil || len(svc.NoSuidMounts) == 0 {
		return fs, err
	}
	fs.Mounts = func(p string) (host.MountFlags, bool) {
		if _, ok := svc.NoSuidAt(p); !ok {
			return host.MountFlags{}, false
		}
		fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return host.MountFlags{}, false
		}
		defer unix.Close(fd)
		mf, err := host.Mount(fd)
		mf.NoSuid = true
		return mf, err == nil
	}
	return fs, nil
}
