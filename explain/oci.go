package explain

import (
	"errors"
	"fmt"

	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
	"fcap/oci"
	"fcap/xattr"
)

// maxGroupFile bounds the container's /etc/group fcap reads.
const maxGroupFile = 1 << 20

// containerFS is a container's filesystem as an FS.
type containerFS struct{ fs *oci.FS }

func (c containerFS) Open(path string) (*xattr.File, string, bool, error) {
	f, err := c.fs.Open(path)
	if err != nil {
		return nil, "", false, err
	}
	return f.File, f.Path, f.Flags.NoSuid, nil
}

// OCI explains what happens when a container's process executes its
// program: config is an OCI runtime config (or its bundle), file the
// program in the container ("" for process.args[0]), runtime the state of
// the runtime that applies the config (root, usually fcap's own state).
// A malformed config is an *oci.ConfigError. A config the runtime refuses
// before exec, or a program its lookup does not find, is a Report whose
// result is the failure.
func OCI(config, file string, runtime cred.State, last model.Cap) (Report, error) {
	cfg, err := oci.Load(config)
	if err != nil {
		return Report{}, err
	}
	fs, err := cfg.OpenFS()
	if err != nil {
		return Report{}, err
	}
	defer fs.Close()
	groups, err := fs.ReadFile("/etc/group", maxGroupFile)
	if err != nil {
		return Report{}, fmt.Errorf("the container's /etc/group: %w", err)
	}
	name := file
	if name == "" && len(cfg.Args()) > 0 {
		name = cfg.Args()[0]
	}
	runtimeParent := Parent{State: runtime, Who: fmt.Sprintf("runc applying %s (with fcap's own credentials)", cfg.Path)}
	proc, err := cfg.Process(runtime, last, groups)
	var rtErr *oci.RuntimeError
	if errors.As(err, &rtErr) {
		return failed(runtimeParent, name, rtErr.Errno, RuleRuntimeRefuses, rtErr.Error()), nil
	}
	if err != nil {
		return Report{}, err
	}
	p := Parent{State: proc.State, Notes: proc.Notes,
		Who: fmt.Sprintf("the container's process (uid %d) as runc 1.1 sets it up from %s", proc.State.UID, cfg.Path)}
	prog, err := fs.Program(file)
	var execErr *oci.ExecError
	if errors.As(err, &execErr) {
		return failed(p, name, execErr.Errno, RuleRuntimeLookup, execErr.Error()), nil
	}
	if err != nil {
		return Report{}, err
	}
	progPath := prog.Path
	prog.Close()
	f, err := InspectIn(containerFS{fs}, progPath)
	if err != nil {
		return Report{}, err
	}
	f.Path = name
	if progPath != name {
		f.Notes = append([]string{fmt.Sprintf("%s is %s in the container", name, progPath)}, f.Notes...)
	}
	return Explain(p, f, last), nil
}

// The rules of a report whose exec never happens.
const (
	RuleRuntimeRefuses = "runtime-refuses" // the runtime cannot apply the config
	RuleRuntimeLookup  = "runtime-lookup"  // the runtime's lookup of the program fails
	RuleSystemdLocate  = "systemd-locate"  // systemd cannot locate the program
)

// StoppedBeforeExec reports whether the runtime failed before exec, so
// that nothing about the file applies.
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

// failed is a report whose exec never happens: the runtime fails first.
func failed(p Parent, name, errno, rule, detail string) Report {
	return Report{Parent: p, File: File{Path: name, Exec: name},
		Result: execve.Result{Err: errno, Rules: []execve.Rule{{Name: rule, Detail: detail}}}}
}
