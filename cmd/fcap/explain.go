package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"github.com/urfave/cli/v2"

	"fcap/capfile"
	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
	"fcap/xattr"
)

func explainCommand() *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "predict the capabilities and ids a process gets when it executes FILE",
		ArgsUsage: "FILE",
		Description: "Applies the kernel's execve rules to a parent state and a file, and shows\n" +
			"the child's uids, gids and five capability sets (or that exec fails), the\n" +
			"rules that applied and warnings. The parent is, by default, the process\n" +
			"that ran fcap (its securebits are not visible in /proc: assumed 0 unless\n" +
			"--secbits or --self). Capability sets accept a list (cap_net_raw,cap_chown),\n" +
			"all, none or a hex mask (0x2000). --uid and --gid set the real, effective,\n" +
			"saved and filesystem ids; --euid and --egid then override the effective ones.",
		Flags:  explainFlags(),
		Action: runExplain,
	}
}

func explainFlags() []cli.Flag {
	str := func(name, usage string) cli.Flag { return &cli.StringFlag{Name: name, Usage: usage} }
	return []cli.Flag{
		&cli.IntFlag{Name: "pid", Usage: "read the parent state of process `PID`"},
		&cli.BoolFlag{Name: "self", Usage: "use fcap's own state, securebits included"},
		str("user", "a fresh login of `NAME|UID`: its ids and groups, empty sets, the current bounding set"),
		str("uid", "real (and effective, saved, fs) `UID`"), str("euid", "effective `UID`"),
		str("gid", "real (and effective, saved, fs) `GID`"), str("egid", "effective `GID`"),
		str("inh", "inheritable `SET`"), str("prm", "permitted `SET`"), str("eff", "effective `SET`"),
		str("amb", "ambient `SET`"), str("bnd", "bounding `SET`"),
		str("secbits", "securebits: a number or names (noroot,no-setuid-fixup,keep-caps,no-cap-ambient-raise)"),
		&cli.BoolFlag{Name: "nnp", Usage: "the parent has no_new_privs"},
		str("caps", "as if capability `TEXT` were set on the file"),
		&cli.BoolFlag{Name: "no-caps", Usage: "as if the file had no capabilities"},
		&cli.BoolFlag{Name: "setuid", Usage: "as if the file were setuid"},
		&cli.BoolFlag{Name: "no-setuid", Usage: "as if the file were not setuid"},
		str("owner", "as if the file were owned by `UID`"),
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object"},
	}
}

// explanation is everything explain learned and predicted.
type explanation struct {
	File      string
	Parent    cred.State
	Target    execve.Target
	Result    execve.Result
	Notes     []string // facts about inputs (assumptions, script, symlink)
	Warnings  []string
	ParentSrc string
}

func runExplain(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("explain", "want exactly one FILE, got %d", c.NArg())
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	ex := &explanation{File: c.Args().First()}
	if err := ex.loadParent(c, last); err != nil {
		return fmt.Errorf("explain %s: %w", ex.File, err)
	}
	if err := ex.loadTarget(c, last); err != nil {
		return fmt.Errorf("explain %s: %w", ex.File, err)
	}
	ex.Result = execve.Predict(ex.Parent, ex.Target, last)
	ex.Warnings = execve.Warnings(ex.Parent, ex.Target, ex.Result)
	if c.Bool("json") {
		return printExplainJSON(c.App.Writer, ex)
	}
	printExplain(c.App.Writer, ex, last)
	return nil
}

// loadParent reads the parent state and applies the what-if overrides.
func (ex *explanation) loadParent(c *cli.Context, last model.Cap) error {
	var err error
	switch {
	case c.Bool("self"):
		ex.ParentSrc = fmt.Sprintf("fcap itself (pid %d)", os.Getpid())
		if ex.Parent, err = host.ReadStatus(0); err == nil {
			ex.Parent.Securebits, err = host.SelfSecurebits()
		}
	default:
		pid := c.Int("pid")
		if pid == 0 {
			pid = os.Getppid()
		}
		ex.ParentSrc = fmt.Sprintf("pid %d", pid)
		ex.Parent, err = host.ReadStatus(pid)
		if err == nil && !c.IsSet("secbits") {
			ex.Notes = append(ex.Notes, "securebits of "+ex.ParentSrc+" are not visible in /proc: assumed 0 (use --secbits)")
		}
	}
	if err != nil {
		return err
	}
	if name := c.String("user"); name != "" {
		if err := ex.freshLogin(name); err != nil {
			return err
		}
	}
	return applyStateOverrides(c, &ex.Parent, last)
}

// freshLogin replaces the parent by a new login of the named user.
func (ex *explanation) freshLogin(name string) error {
	u, err := lookupUser(name)
	if err != nil {
		return err
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	p := cred.State{Bounding: ex.Parent.Bounding}
	p.UID, p.EUID, p.SUID, p.FSUID = uint32(uid), uint32(uid), uint32(uid), uint32(uid)
	p.GID, p.EGID, p.SGID, p.FSGID = uint32(gid), uint32(gid), uint32(gid), uint32(gid)
	if gids, err := u.GroupIds(); err == nil {
		for _, g := range gids {
			if n, err := strconv.ParseUint(g, 10, 32); err == nil {
				p.Groups = append(p.Groups, uint32(n))
			}
		}
	}
	ex.Parent = p
	ex.ParentSrc = fmt.Sprintf("a fresh login of %s (uid %d)", u.Username, uid)
	return nil
}

func lookupUser(name string) (*user.User, error) {
	if _, err := strconv.ParseUint(name, 10, 32); err == nil {
		if u, err := user.LookupId(name); err == nil {
			return u, nil
		}
		return &user.User{Uid: name, Gid: name, Username: name}, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("--user: %w", err)
	}
	return u, nil
}

// applyStateOverrides applies --uid, --inh and the other what-if flags.
func applyStateOverrides(c *cli.Context, p *cred.State, last model.Cap) error {
	ids := []struct {
		flag string
		set  func(uint32)
	}{
		{"uid", func(v uint32) { p.UID, p.EUID, p.SUID, p.FSUID = v, v, v, v }},
		{"euid", func(v uint32) { p.EUID, p.FSUID = v, v }},
		{"gid", func(v uint32) { p.GID, p.EGID, p.SGID, p.FSGID = v, v, v, v }},
		{"egid", func(v uint32) { p.EGID, p.FSGID = v, v }},
	}
	for _, id := range ids {
		if c.IsSet(id.flag) {
			v, err := strconv.ParseUint(c.String(id.flag), 10, 32)
			if err != nil {
				return usagef("explain", "--%s: %q is not a number", id.flag, c.String(id.flag))
			}
			id.set(uint32(v))
		}
	}
	sets := map[string]*model.Set{"inh": &p.Inheritable, "prm": &p.Permitted, "eff": &p.Effective, "amb": &p.Ambient, "bnd": &p.Bounding}
	for flag, dst := range sets {
		if c.IsSet(flag) {
			v, err := model.ParseSet(c.String(flag), last)
			if err != nil {
				return usagef("explain", "--%s: %s", flag, err)
			}
			*dst = v
		}
	}
	if c.IsSet("secbits") {
		b, err := cred.ParseSecurebits(c.String("secbits"))
		if err != nil {
			return usagef("--secbits", "%s", err)
		}
		p.Securebits = b
	}
	if c.Bool("nnp") {
		p.NoNewPrivs = true
	}
	return nil
}

// loadTarget reads the file side: what exec would run (the interpreter
// of a script), its caps, mode, owner and mount, then the overrides.
func (ex *explanation) loadTarget(c *cli.Context, last model.Cap) error {
	f, err := ex.openExecutable(ex.File)
	if err != nil {
		return err
	}
	defer f.Close()
	t := &ex.Target
	t.Mode, t.UID, t.GID = f.Stat.Mode&0o7777, f.Stat.Uid, f.Stat.Gid
	if t.NoSuid, err = host.NoSuid(f.Fd()); err != nil {
		return err
	}
	if err := readTargetCaps(f, t); err != nil {
		return err
	}
	return applyTargetOverrides(c, t, last)
}

// openExecutable opens what execve would judge: path with its symlinks
// followed, or for a script the interpreter named on its "#!" line (one
// level: the kernel allows more, scripts rarely nest). The "#!" line is
// read through the descriptor fcap checked is a regular file.
func (ex *explanation) openExecutable(path string) (*xattr.File, error) {
	f, err := ex.openResolved(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, execve.ShebangMax)
	n, err := f.ReadHead(head)
	if err != nil {
		f.Close()
		return nil, err
	}
	interp := execve.ParseShebang(head[:n])
	if interp == "" {
		return f, nil
	}
	f.Close()
	ex.Notes = append(ex.Notes, fmt.Sprintf("%s is a script: exec is decided by its interpreter %s (the script's own capabilities and set-id bits are ignored)", f.Path, interp))
	return ex.openResolved(interp)
}

// openResolved follows symlinks as exec does, noting it, then opens the
// target with xattr.Open.
func (ex *explanation) openResolved(path string) (*xattr.File, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	if real != path {
		ex.Notes = append(ex.Notes, fmt.Sprintf("%s is a symlink: exec runs %s", path, real))
	}
	return xattr.Open(real)
}

func readTargetCaps(f *xattr.File, t *execve.Target) error {
	v, err := f.Get()
	switch {
	case xattr.IsKind(err, xattr.Unreadable):
		t.CapsInvalid = true
		return nil
	case err != nil:
		return err
	case v == nil:
		return nil
	}
	fc, err := capfile.DecodeForExec(v)
	if err != nil {
		t.CapsInvalid = true
		return nil
	}
	t.Caps = &fc
	return nil
}

func applyTargetOverrides(c *cli.Context, t *execve.Target, last model.Cap) error {
	if c.IsSet("caps") {
		caps, err := model.ParseText(c.String("caps"), last)
		if err != nil {
			return err
		}
		fc, err := caps.ToFile(0)
		if err != nil {
			return fmt.Errorf("--caps: %w", err)
		}
		t.Caps, t.CapsInvalid = &fc, false
	}
	if c.Bool("no-caps") {
		t.Caps, t.CapsInvalid = nil, false
	}
	if c.Bool("setuid") {
		t.Mode |= execve.ModeSetuid
	}
	if c.Bool("no-setuid") {
		t.Mode &^= execve.ModeSetuid
	}
	if c.IsSet("owner") {
		v, err := strconv.ParseUint(c.String("owner"), 10, 32)
		if err != nil {
			return usagef("--owner", "%q is not a number", c.String("owner"))
		}
		t.UID = uint32(v)
	}
	return nil
}
