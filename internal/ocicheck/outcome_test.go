package ocicheck

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"fcap/model/cred"
	"fcap/model/procstatus"
)

// outcome is what happens to a container: the runtime refuses the config
// before exec ("refused"), exec fails with Errno ("exec"), or the program
// runs with State ("ok").
type outcome struct {
	Kind   string
	Errno  string
	State  cred.State
	Secure bool
	Detail string   // the runtime's message or the prediction's reason
	Facts  []string // what the prediction went through (rules, mount flags)
}

func (o outcome) kind() string {
	if o.Kind == "exec" {
		return "exec " + o.Errno
	}
	return o.Kind
}

func (o outcome) String() string {
	if o.Kind != "ok" {
		return fmt.Sprintf("%s (%s)", o.kind(), o.Detail)
	}
	s := o.State
	return fmt.Sprintf("ok: uid %d/%d/%d/%d gid %d/%d/%d/%d groups %v inh %s prm %s eff %s amb %s bnd %s secbits %#x nnp %v secure %v",
		s.UID, s.EUID, s.SUID, s.FSUID, s.GID, s.EGID, s.SGID, s.FSGID, s.Groups,
		s.Inheritable.Hex(), s.Permitted.Hex(), s.Effective.Hex(), s.Ambient.Hex(), s.Bounding.Hex(),
		uint32(s.Securebits), s.NoNewPrivs, o.Secure)
}

// differences lists how got differs from o.
func (o outcome) differences(got outcome) []string {
	if o.kind() != got.kind() {
		return []string{fmt.Sprintf("outcome: predicted %s, runc %s", o.kind(), got.kind())}
	}
	if o.Kind != "ok" {
		return nil
	}
	var d []string
	a, b := o.State, got.State
	cmp := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			d = append(d, fmt.Sprintf("%s: predicted %v, runc %v", name, x, y))
		}
	}
	cmp("uids", []uint32{a.UID, a.EUID, a.SUID, a.FSUID}, []uint32{b.UID, b.EUID, b.SUID, b.FSUID})
	cmp("gids", []uint32{a.GID, a.EGID, a.SGID, a.FSGID}, []uint32{b.GID, b.EGID, b.SGID, b.FSGID})
	cmp("groups", a.Groups, b.Groups)
	cmp("AT_SECURE", o.Secure, got.Secure)
	cmp("inheritable", a.Inheritable.Hex(), b.Inheritable.Hex())
	cmp("permitted", a.Permitted.Hex(), b.Permitted.Hex())
	cmp("effective", a.Effective.Hex(), b.Effective.Hex())
	cmp("ambient", a.Ambient.Hex(), b.Ambient.Hex())
	cmp("bounding", a.Bounding.Hex(), b.Bounding.Hex())
	cmp("securebits", uint32(a.Securebits), uint32(b.Securebits))
	cmp("no_new_privs", a.NoNewPrivs, b.NoNewPrivs)
	return d
}

// runRunc runs the bundle as container id and reads what happened.
func runRunc(ctx context.Context, bundle, id string) (outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "runc", "run", "--bundle", bundle, id)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	exec.Command("runc", "delete", "-f", id).Run()
	if ctx.Err() != nil {
		return outcome{}, fmt.Errorf("runc run: %v", ctx.Err())
	}
	if runErr == nil {
		return parseProbe(stdout.Bytes())
	}
	msg := strings.TrimSpace(stderr.String())
	return classify(msg)
}

// classify reads runc's error message (containers.md: runc prints the
// exec's errno text, or "unable to apply caps" before any exec).
func classify(msg string) (outcome, error) {
	o := outcome{Detail: lastLine(msg)}
	switch {
	case strings.Contains(msg, "unable to apply caps"), strings.Contains(msg, "unable to setup user"):
		o.Kind = "refused"
	case strings.Contains(msg, "operation not permitted"):
		o.Kind, o.Errno = "exec", "EPERM"
	case strings.Contains(msg, "permission denied"):
		o.Kind, o.Errno = "exec", "EACCES"
	case strings.Contains(msg, "no such file or directory"), strings.Contains(msg, "not found in $PATH"):
		o.Kind, o.Errno = "exec", "ENOENT"
	case strings.Contains(msg, "invalid argument"):
		o.Kind, o.Errno = "exec", "EINVAL"
	default:
		return o, fmt.Errorf("runc failed with an unknown message: %s", msg)
	}
	return o, nil
}

func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}

// parseProbe reads the probe's output: /proc/self/status, then
// "Securebits:" and "AtSecure:" lines.
func parseProbe(out []byte) (outcome, error) {
	s, err := procstatus.Parse(out)
	if err != nil {
		return outcome{}, fmt.Errorf("probe output: %w\n%s", err, out)
	}
	bits, err := extraField(out, "Securebits")
	if err != nil {
		return outcome{}, err
	}
	secure, err := extraField(out, "AtSecure")
	if err != nil {
		return outcome{}, err
	}
	s.Securebits = cred.Securebits(bits)
	s.Groups = slices.Clip(s.Groups)
	return outcome{Kind: "ok", State: s, Secure: secure != 0}, nil
}

func extraField(out []byte, name string) (uint64, error) {
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 10, 32)
		}
	}
	return 0, fmt.Errorf("probe output has no %s line:\n%s", name, out)
}
