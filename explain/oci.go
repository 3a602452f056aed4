package explain

import (
	"errors"
	"fmt"

	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
	"fcap/oci"
)

// maxGroupFile bounds the container's /etc/group fcap reads.
const maxGroupFile = 1 << 20

// The rules of a report whose exec never happens.
const (
	RuleRuntimeRefuses = "runtime-refuses" // the runtime cannot apply the config
	RuleRuntimeLookup  = "runtime-lookup"  // the runtime's lookup of the program fails
	RuleSystemdLocate  = "systemd-locate"  // systemd cannot locate the program
)

// StoppedBeforeExec reports whether the runtime or systemd failed before
// exec, so that nothing about the file applies.
func (r Report) StoppedBeforeExec() bool {
	if len(r.Result.Rules) != 1 {
		return false
	}
	switch r.Result.Rules[0].Name {
	case RuleRuntimeRefuses, RuleRuntimeLookup, RuleSystemdLocate:
		return true
	}
	return false
}

// stopped is a report whose exec never happens: the runtime or systemd
// fails first, with errno.
func stopped(p Parent, name, errno, rule, detail string, last model.Cap) Report {
	prog := Program{Program: execve.Program{Steps: []execve.Step{{Path: name}}}}
	return Report{Parent: p, Program: prog, Last: last,
		Result:  execve.Result{Err: errno, Why: detail, Rules: []execve.Rule{{Name: rule, Detail: detail}}},
		Verdict: fmt.Sprintf("exec fails with %s: %s", errno, detail)}
}

// OCI explains what happens when a container's process executes its
// program: config is an OCI runtime config (or its bundle), file the
// program in the container ("" for process.args[0]), runtime the state of
// the runtime that applies the config (root with every capability of the
// bounding set, as systemd.Manager makes it).
// The parent is the container's process as runc 1.1 sets it up; the
// program is looked up in the container's filesystem (its rootfs and the
// config's mounts), which nothing leads out of. A malformed config is an
// *oci.ConfigError. A config the runtime refuses before exec, or a
// program its lookup cannot find, is a report whose exec fails.
func OCI(config, file string, runtime cred.State, last model.Cap) (Report, error) {
	cfg, err := oci.Load(config)
	if err != nil {
		return Report{}, err
	}
	ofs, err := cfg.OpenFS()
	if err != nil {
		return Report{}, err
	}
	defer ofs.Close()
	name := file
	if name == "" && len(cfg.Args()) > 0 {
		name = cfg.Args()[0]
	}
	p, rep, err := containerParent(cfg, ofs, name, runtime, last)
	if err != nil || rep != nil {
		return derefReport(rep), err
	}
	prog, err := ofs.Program(file)
	var execErr *oci.ExecError
	if errors.As(err, &execErr) {
		return stopped(p, name, execErr.Errno, RuleRuntimeLookup, execErr.Error(), last), nil
	}
	if err != nil {
		return Report{}, err
	}
	execPath := prog.Exec
	prog.Close()
	efs, err := containerFS(ofs)
	if err != nil {
		return Report{}, err
	}
	defer efs.Close()
	pr, err := Inspect(efs, execPath)
	if err != nil {
		return Report{}, err
	}
	if execPath != name {
		pr.Notes = append([]string{fmt.Sprintf("runc executes %s for %s (the PATH of process.env)", execPath, name)}, pr.Notes...)
	}
	return Explain(p, pr, last)
}

func derefReport(r *Report) Report {
	if r == nil {
		return Report{}
	}
	return *r
}

// containerParent is the container's process; a config the runtime
// refuses is a stopped report instead.
func containerParent(cfg *oci.Config, ofs *oci.FS, name string, runtime cred.State, last model.Cap) (Parent, *Report, error) {
	groups, err := ofs.ReadFile("/etc/group", maxGroupFile)
	if err != nil {
		return Parent{}, nil, fmt.Errorf("the container's /etc/group: %w", err)
	}
	proc, err := cfg.Process(runtime, last, groups)
	var rtErr *oci.RuntimeError
	if errors.As(err, &rtErr) {
		who := Who{Kind: "container", User: "runc", Text: fmt.Sprintf("runc (root) applying %s", cfg.Path)}
		r := stopped(Parent{State: runtime, Who: who}, name, rtErr.Errno, RuleRuntimeRefuses, rtErr.Error(), last)
		return Parent{}, &r, nil
	}
	if err != nil {
		return Parent{}, nil, err
	}
	user := fmt.Sprintf("the container's process (uid %d)", proc.State.UID)
	who := Who{Kind: "container", User: user, Text: fmt.Sprintf("%s as runc 1.1 sets it up from %s", user, cfg.Path)}
	return Parent{State: proc.State, Who: who, Notes: proc.Notes, Root: cfg.Rootfs, Cwd: ofs.Cwd()}, nil, nil
}

// containerFS is the container's filesystem as exec inside it walks it:
// the rootfs as the root, the config's mounts through FS.Bind, and their
// flags through FS.Mounts.
func containerFS(ofs *oci.FS) (*FS, error) {
	fs, err := OpenFS(ofs.Root(), "/")
	if err != nil {
		return nil, err
	}
	fs.Name = "the container"
	fs.Bind = ofs.Bind
	fs.Mounts = func(p string) (host.MountFlags, bool) {
		f, ok := ofs.FlagsAt(p)
		return host.MountFlags{NoSuid: f.NoSuid, NoExec: f.NoExec}, ok
	}
	if err := fs.Chdir(ofs.Cwd()); err != nil {
		fs.Close()
		return nil, err
	}
	return fs, nil
}
