package ocicheck

import (
	"errors"
	"strings"

	"fcap/capfile"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
	"fcap/oci"
	"fcap/xattr"
)

// packagePredictor predicts with package oci and execve.Predict.
type packagePredictor struct {
	runtime cred.State
	lastCap model.Cap
}

func (p packagePredictor) predict(configPath string) (outcome, error) {
	cfg, err := oci.Load(configPath)
	if err != nil {
		return outcome{}, err
	}
	fs, err := cfg.OpenFS()
	if err != nil {
		return outcome{}, err
	}
	defer fs.Close()
	groups, err := fs.ReadFile("/etc/group", 1<<20)
	if err != nil {
		return outcome{}, err
	}
	proc, err := cfg.Process(p.runtime, p.lastCap, groups)
	var rtErr *oci.RuntimeError
	if errors.As(err, &rtErr) {
		return outcome{Kind: "refused", Detail: rtErr.Error()}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	f, err := fs.Program("")
	var execErr *oci.ExecError
	if errors.As(err, &execErr) {
		return outcome{Kind: "exec", Errno: execErr.Errno, Detail: execErr.Error()}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	defer f.Close()
	if f.Flags.NoExec {
		// Stand-in for the permission model: a noexec mount refuses exec.
		return outcome{Kind: "exec", Errno: "EACCES", Detail: f.Path + " is on a noexec mount",
			Facts: []string{"mount " + f.Mount + " " + f.Flags.String()}}, nil
	}
	target, err := execTarget(f)
	if err != nil {
		return outcome{}, err
	}
	r := execve.Predict(proc.State, target, p.lastCap)
	facts := facts(proc, f, r)
	if r.Err != "" {
		return outcome{Kind: "exec", Errno: r.Err, Detail: lastRule(r), Facts: facts}, nil
	}
	return outcome{Kind: "ok", State: r.Child, Secure: r.Secure, Facts: facts}, nil
}

// facts names what a prediction went through, for the coverage counts.
func facts(proc oci.Process, f *oci.File, r execve.Result) []string {
	out := []string{"mount " + f.Mount + " " + f.Flags.String()}
	for _, n := range proc.Notes {
		out = append(out, "note "+strings.Fields(n)[0])
	}
	for _, rule := range r.Rules {
		out = append(out, "rule "+rule.Name)
	}
	return out
}

// execTarget reads what exec learns about the program's file.
func execTarget(f *oci.File) (execve.Target, error) {
	t := execve.Target{Mode: f.Stat.Mode & 0o7777, UID: f.Stat.Uid, GID: f.Stat.Gid, NoSuid: f.Flags.NoSuid}
	v, err := f.Get()
	switch {
	case xattr.IsKind(err, xattr.Unreadable):
		t.CapsInvalid = true
	case err != nil:
		return t, err
	case v != nil:
		fc, err := capfile.DecodeForExec(v)
		if err != nil {
			t.CapsInvalid = true
		} else {
			t.Caps = &fc
		}
	}
	return t, nil
}

func lastRule(r execve.Result) string {
	if len(r.Rules) == 0 {
		return ""
	}
	return r.Rules[len(r.Rules)-1].Detail
}
