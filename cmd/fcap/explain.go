package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/urfave/cli/v2"

	"fcap/explain"
	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
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

func runExplain(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("explain", "want exactly one FILE, got %d", c.NArg())
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	whatIf, err := parentWhatIf(c, last)
	if err != nil {
		return err
	}
	fileIf, err := fileWhatIf(c, last)
	if err != nil {
		return err
	}
	p, err := loadParent(c)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	whatIf.Apply(&p.State)
	f, err := explain.Inspect(c.Args().First())
	if err != nil {
		return fmt.Errorf("explain %s: %w", c.Args().First(), err)
	}
	fileIf.Apply(&f.Target)
	r := explain.Explain(p, f, last)
	if c.Bool("json") {
		return printExplainJSON(c.App.Writer, r, last)
	}
	printExplain(c.App.Writer, r, last)
	return nil
}

// loadParent reads the parent the flags name.
func loadParent(c *cli.Context) (explain.Parent, error) {
	var p explain.Parent
	var err error
	switch {
	case c.Bool("self"):
		p, err = explain.Self()
	default:
		pid := c.Int("pid")
		if pid == 0 {
			pid = os.Getppid()
		}
		p, err = explain.FromPID(pid)
		if err == nil && c.IsSet("secbits") {
			p.Notes = nil
		}
	}
	if err != nil || c.String("user") == "" {
		return p, err
	}
	p, err = explain.Login(c.String("user"), p.State.Bounding)
	if errors.As(err, new(*explain.UnknownUserError)) {
		return p, usagef("explain", "--user: %s", err)
	}
	return p, err
}

// parentWhatIf reads --uid, --inh and the other what-if flags.
func parentWhatIf(c *cli.Context, last model.Cap) (explain.WhatIf, error) {
	var w explain.WhatIf
	for flag, dst := range map[string]**uint32{"uid": &w.UID, "euid": &w.EUID, "gid": &w.GID, "egid": &w.EGID} {
		if err := idFlag(c, "explain", flag, dst); err != nil {
			return w, err
		}
	}
	for flag, dst := range map[string]**model.Set{"inh": &w.Inh, "prm": &w.Prm, "eff": &w.Eff, "amb": &w.Amb, "bnd": &w.Bnd} {
		if !c.IsSet(flag) {
			continue
		}
		v, err := model.ParseSet(c.String(flag), last)
		if err != nil {
			return w, usagef("explain", "--%s: %s", flag, err)
		}
		*dst = &v
	}
	if c.IsSet("secbits") {
		b, err := cred.ParseSecurebits(c.String("secbits"))
		if err != nil {
			return w, usagef("explain", "--secbits: %s", err)
		}
		w.Securebits = &b
	}
	w.NoNewPrivs = c.Bool("nnp")
	return w, nil
}

// fileWhatIf reads --caps, --no-caps, --setuid, --no-setuid and --owner.
func fileWhatIf(c *cli.Context, last model.Cap) (explain.FileWhatIf, error) {
	w := explain.FileWhatIf{NoCaps: c.Bool("no-caps"), Setuid: c.Bool("setuid"), NoSetuid: c.Bool("no-setuid")}
	if c.IsSet("caps") {
		fc, err := parseFileCaps("explain", "--caps", c.String("caps"), last, 0)
		if err != nil {
			return w, err
		}
		w.Caps = &fc
	}
	return w, idFlag(c, "explain", "owner", &w.Owner)
}

// idFlag reads a numeric uid or gid option into dst when it is set.
func idFlag(c *cli.Context, cmd, flag string, dst **uint32) error {
	if !c.IsSet(flag) {
		return nil
	}
	v, err := strconv.ParseUint(c.String(flag), 10, 32)
	if err != nil {
		return usagef(cmd, "--%s: %q is not a number", flag, c.String(flag))
	}
	id := uint32(v)
	*dst = &id
	return nil
}
