//go:build linux

package kernelcheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"fcap/capfile"
	"fcap/explain"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
)

const aclXattr = "system.posix_acl_access"

// prepare gives the sub directory, the probe and the scripts their
// owners, modes, ACLs and capabilities.
func prepare(s *scenario) error {
	if s.Raw != nil {
		if err := unix.Chmod(s.Raw.Path, s.File.Mode); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
		return nil
	}
	if err := setFile(s.Loc.Sub, s.Dir); err != nil {
		return err
	}
	if err := setFile(s.Loc.Probes[s.Probe], s.File); err != nil {
		return err
	}
	if s.Loader != nil {
		if err := prepareLoader(s.Loc, s.Loader); err != nil {
			return err
		}
	}
	for _, sc := range s.Scripts {
		p := filepath.Join(s.Loc.Sub, sc.Name)
		if err := os.WriteFile(p, []byte(sc.Line), 0o700); err != nil {
			return err
		}
		if err := setFile(p, sc.fileSetup); err != nil {
			return err
		}
	}
	return nil
}

// setFile sets owner, mode, capabilities and ACL, in that order: chown
// clears set-id bits and capabilities.
func setFile(p string, f fileSetup) error {
	if err := unix.Removexattr(p, capXattr); err != nil && !errors.Is(err, unix.ENODATA) {
		return fmt.Errorf("removexattr %s: %w", p, err)
	}
	if err := unix.Chown(p, int(f.UID), int(f.GID)); err != nil {
		return fmt.Errorf("chown %s: %w", p, err)
	}
	if err := unix.Chmod(p, f.Mode); err != nil {
		return fmt.Errorf("chmod %s: %w", p, err)
	}
	if f.Xattr != nil {
		if err := unix.Setxattr(p, capXattr, f.Xattr, 0); err != nil {
			return fmt.Errorf("setxattr %s %x: %w", p, f.Xattr, err)
		}
	}
	if f.ACL == nil {
		if err := unix.Removexattr(p, aclXattr); err != nil && !errors.Is(err, unix.ENODATA) {
			return fmt.Errorf("removing the ACL of %s: %w", p, err)
		}
		return nil
	}
	if err := unix.Setxattr(p, aclXattr, f.ACL, 0); err != nil {
		return fmt.Errorf("setting the ACL of %s: %w", p, err)
	}
	return nil
}

// predict is what fcap predicts: the program as explain gathers it from
// the files, run by the parent. exact is the prediction with the raw
// value of an ext4 preset, which getxattr does not show fcap.
func predict(s *scenario, last model.Cap) (gathered, exact execve.Result, err error) {
	fs, err := explain.HostFS(s.Cwd)
	if err != nil {
		return gathered, exact, err
	}
	defer fs.Close()
	prog, err := explain.Inspect(fs, s.Path)
	if err != nil {
		return gathered, exact, err
	}
	if err := s.State.Check(last); err != nil {
		return gathered, exact, fmt.Errorf("the generator drew an impossible state: %w", err)
	}
	gathered = execve.Run(s.State, prog.Program, last)
	if s.Raw == nil {
		return gathered, gathered, nil
	}
	t := &prog.Steps[prog.Decider()].File
	t.Caps, t.CapsProblem = execTarget(s.Raw.Value, true)
	return gathered, execve.Run(s.State, prog.Program, last), nil
}

// admits reports whether the model's gathered result allows the
// kernel's outcome: equal, or among the possible ones when undetermined.
func admits(gathered execve.Result, k kernelResult) bool {
	if !gathered.Undetermined() {
		return gathered.Err == k.Err
	}
	for _, o := range gathered.Possible {
		if o.Err == k.Err {
			return true
		}
	}
	return false
}

// inside converts a state of kernel ids to the ids its namespace sees,
// for the launcher; every id must be mapped.
func inside(p cred.State) (cred.State, error) {
	ns := p.UserNS
	if ns == nil {
		return p, nil
	}
	var err error
	conv := func(id uint32, m func(uint32) (uint32, bool)) uint32 {
		v, ok := m(id)
		if !ok && err == nil {
			err = fmt.Errorf("id %d is not mapped in the namespace", id)
		}
		return v
	}
	q := p
	q.UserNS = nil
	for _, x := range []*uint32{&q.UID, &q.EUID, &q.SUID, &q.FSUID} {
		*x = conv(*x, ns.UID)
	}
	for _, x := range []*uint32{&q.GID, &q.EGID, &q.SGID, &q.FSGID} {
		*x = conv(*x, ns.GID)
	}
	q.Groups = nil
	for _, g := range p.Groups {
		q.Groups = append(q.Groups, conv(g, ns.GID))
	}
	return q, err
}

// outside converts a state the probe saw in namespace ns back to
// kernel ids; ids it shows as 65534 that ns does not map stay 65534.
func outside(p cred.State, ns *cred.UserNS) cred.State {
	if ns == nil {
		return p
	}
	conv := func(id uint32, m func(uint32) (uint32, bool)) uint32 {
		if v, ok := m(id); ok {
			return v
		}
		return id
	}
	for _, x := range []*uint32{&p.UID, &p.EUID, &p.SUID, &p.FSUID} {
		*x = conv(*x, ns.KernelUID)
	}
	for _, x := range []*uint32{&p.GID, &p.EGID, &p.SGID, &p.FSGID} {
		*x = conv(*x, ns.KernelGID)
	}
	groups := p.Groups
	p.Groups = nil
	for _, g := range groups {
		p.Groups = append(p.Groups, conv(g, ns.KernelGID))
	}
	p.UserNS = ns
	return p
}

// execTarget decodes a security.capability value the way exec reads it:
// unknown flag bits are ignored, a value longer than 24 bytes makes exec
// fail with ERANGE, other format errors with EINVAL.
func execTarget(value []byte, present bool) (*model.FileCaps, execve.CapsProblem) {
	if !present {
		return nil, execve.CapsOK
	}
	f, err := capfile.DecodeForExec(value)
	switch {
	case err != nil && len(value) > capfile.MaxSize:
		return nil, execve.CapsTooLong
	case err != nil:
		return nil, execve.CapsMalformed
	}
	return &f, execve.CapsOK
}
