package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"fcap/explain"
	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
)

func explainCommand() *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "predict what happens when a process executes FILE: its capabilities and ids, or the error",
		ArgsUsage: "FILE | --oci CONFIG [FILE] | --unit UNIT [FILE]",
		Description: "Applies the kernel's execve rules to a parent process and a file and says,\n" +
			"first in one sentence, what the child gets, or why exec fails (EACCES,\n" +
			"ENOENT, ENOEXEC, ELOOP, EPERM, EINVAL, ERANGE); then the before/after table,\n" +
			"the rules that applied, fixes and warnings. FILE is looked up as the kernel\n" +
			"does (search permission on every directory, symlinks, noexec, execute\n" +
			"permission, \"#!\" scripts and their interpreters).\n\n" +
			"The parent is, by default, fcap itself: the credentials its caller started\n" +
			"it with, as under `su USER -c` or setpriv. --pid reads another process\n" +
			"(ids, sets, user namespace, root and working directory; not its\n" +
			"securebits), --user makes a fresh login, --userns a process in a new user\n" +
			"namespace. The other options change that parent (\"what if\"); ids are as\n" +
			"its user namespace sees them. Capability sets are a list of names\n" +
			"(cap_net_raw,cap_chown), all, none, a mask written 0x2000, or the 16 hex\n" +
			"digits /proc/PID/status shows; a bare number is refused as ambiguous.\n" +
			"A set not given follows those given, as the kernel keeps it (effective\n" +
			"within permitted, ambient within both permitted and inheritable); a\n" +
			"state no process can be in is a usage error naming the rule it breaks.\n\n" +
			"--expect exits 1 unless the child gets the capabilities (for CI and\n" +
			"health checks).\n\n" +
			"--oci takes the parent and the program from an OCI runtime config\n" +
			"(config.json or its bundle): the container's process as runc sets it up,\n" +
			"and process.args[0] (or FILE) inside the container's filesystem. --unit\n" +
			"takes them from a systemd .service file: the service's process when\n" +
			"systemd executes ExecStart= (or FILE).",
		Flags:  explainFlags(),
		Action: runExplain,
	}
}

func explainFlags() []cli.Flag {
	str := func(name, usage string) cli.Flag { return &cli.StringFlag{Name: name, Usage: usage} }
	return []cli.Flag{
		&cli.IntFlag{Name: "pid", Usage: "the parent is process `PID`"},
		str("oci", "the parent is the process of the container OCI runtime config `CONFIG` describes"),
		str("unit", "the parent is the process of the systemd service `UNIT` (a .service file)"),
		&cli.BoolFlag{Name: "self", Usage: "the parent is fcap itself (the default)"},
		str("user", "the parent is a fresh login of `NAME|UID`: its ids and groups, empty sets, the current bounding set"),
		str("userns", "the parent is in a new user namespace with uid map `MAP` (INSIDE:OUTSIDE:COUNT,...): uid 0 inside with every capability, unless --user"),
		str("userns-gids", "the gid `MAP` of --userns (default: the uid map)"),
		str("uid", "real (and effective, saved, fs) `UID`"), str("euid", "effective (and fs) `UID`"),
		str("gid", "real (and effective, saved, fs) `GID`"), str("egid", "effective (and fs) `GID`"),
		str("groups", "supplementary `GIDS` (comma list; \"\" for none)"),
		str("inh", "inheritable `SET`"), str("prm", "permitted `SET`"), str("eff", "effective `SET`"),
		str("amb", "ambient `SET`"), str("bnd", "bounding `SET`"),
		str("secbits", "securebits: a number or names (noroot,no-setuid-fixup,keep-caps,no-cap-ambient-raise)"),
		&cli.BoolFlag{Name: "nnp", Usage: "the parent has no_new_privs"},
		str("caps", "as if capability `TEXT` were set on the file (for a script, on its interpreter)"),
		&cli.BoolFlag{Name: "no-caps", Usage: "as if the file had no capabilities"},
		&cli.BoolFlag{Name: "setuid", Usage: "as if the file were setuid"},
		&cli.BoolFlag{Name: "no-setuid", Usage: "as if the file were not setuid"},
		str("owner", "as if the file were owned by `UID`"),
		str("expect", "exit 1 unless the child gets `CAPS` in its effective set (CAPS=p: in its permitted set)"),
		&cli.BoolFlag{Name: "json", Usage: "print one JSON object"},
	}
}

func runExplain(c *cli.Context) error {
	ctx := contextFlag(c)
	if err := checkExplainArgs(c, ctx); err != nil {
		return err
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	whatIf, fileIf, expect, err := explainOptions(c, last)
	if err != nil {
		return err
	}
	var rep explain.Report
	if ctx != "" {
		rep, err = explainContext(c, last, fileIf)
	} else {
		rep, err = explainHostFile(c, last, whatIf, fileIf)
	}
	if err != nil {
		return err
	}
	if c.Bool("json") {
		err = printExplainJSON(c.App.Writer, rep, expect)
	} else {
		printExplain(c.App.Writer, rep, expect)
	}
	if err == nil && expect != nil && rep.Missing(*expect) != 0 {
		return errFailed
	}
	return err
}

// explainHostFile explains FILE for the parent the options name.
func explainHostFile(c *cli.Context, last model.Cap, whatIf explain.WhatIf, fileIf explain.FileWhatIf) (explain.Report, error) {
	p, err := loadParent(c, last)
	if err != nil {
		return explain.Report{}, err
	}
	if err := whatIf.ApplyTo(&p); err != nil {
		return explain.Report{}, usagef("explain", "%s", err)
	}
	return explainFile(&p, c.Args().First(), fileIf, last)
}

// explainFile inspects path where p runs it and explains the exec.
func explainFile(p *explain.Parent, path string, fileIf explain.FileWhatIf, last model.Cap) (explain.Report, error) {
	fs, err := explain.ParentFS(p)
	if err != nil {
		return explain.Report{}, fmt.Errorf("explain: %w", err)
	}
	defer fs.Close()
	prog, err := explain.Inspect(fs, path)
	if err != nil {
		return explain.Report{}, fmt.Errorf("explain %s: %w", path, err)
	}
	fileIf.Apply(&prog)
	rep, err := explain.Explain(*p, prog, last)
	if ie := (*cred.InvariantError)(nil); errors.As(err, &ie) {
		return rep, usagef("explain", "%s", err)
	}
	return rep, err
}

// explainOptions reads the what-if options and --expect.
func explainOptions(c *cli.Context, last model.Cap) (w explain.WhatIf, f explain.FileWhatIf, e *explain.Expectation, err error) {
	if w, err = parentWhatIf(c, last); err != nil {
		return
	}
	if f, err = fileWhatIf(c, last); err != nil {
		return
	}
	if c.IsSet("expect") {
		var x explain.Expectation
		if x, err = explain.ParseExpectation(c.String("expect"), last); err != nil {
			return w, f, nil, usagef("explain", "--expect: %s", err)
		}
		e = &x
	}
	return
}

// loadParent makes the parent the options name.
func loadParent(c *cli.Context, last model.Cap) (explain.Parent, error) {
	if c.IsSet("pid") && (c.Bool("self") || c.IsSet("userns")) {
		return explain.Parent{}, usagef("explain", "--pid reads a process: it cannot be combined with --self or --userns")
	}
	if c.IsSet("userns") {
		return namespaceParent(c, last)
	}
	var p explain.Parent
	var err error
	if c.IsSet("pid") {
		p, err = explain.FromPID(c.Int("pid"))
	} else {
		p, err = explain.Self()
	}
	if err != nil {
		return p, fmt.Errorf("explain: %w", err)
	}
	if c.String("user") == "" {
		return p, nil
	}
	return login(explain.Login(c.String("user"), p.State.Bounding))
}

// namespaceParent is the parent of --userns.
func namespaceParent(c *cli.Context, last model.Cap) (explain.Parent, error) {
	ns := &cred.UserNS{}
	var err error
	if ns.UIDs, err = cred.ParseIDMap(c.String("userns")); err != nil {
		return explain.Parent{}, usagef("explain", "--userns: %s", err)
	}
	ns.GIDs = ns.UIDs
	if c.IsSet("userns-gids") {
		if ns.GIDs, err = cred.ParseIDMap(c.String("userns-gids")); err != nil {
			return explain.Parent{}, usagef("explain", "--userns-gids: %s", err)
		}
	}
	if c.String("user") != "" {
		return login(explain.LoginIn(c.String("user"), model.UpTo(last), ns))
	}
	p, err := explain.NewNamespace(ns, last)
	if err != nil {
		return p, usagef("explain", "--userns: %s", err)
	}
	return p, nil
}

// login turns Login's errors about the name into usage errors.
func login(p explain.Parent, err error) (explain.Parent, error) {
	var ue *explain.UnknownUserError
	var me *explain.UnmappedIDError
	if errors.As(err, &ue) || errors.As(err, &me) {
		return p, usagef("explain", "--user: %s", err)
	}
	return p, err
}

// parentWhatIf reads --uid, --inh and the other what-if options.
func parentWhatIf(c *cli.Context, last model.Cap) (explain.WhatIf, error) {
	var w explain.WhatIf
	for flag, dst := range map[string]**uint32{"uid": &w.UID, "euid": &w.EUID, "gid": &w.GID, "egid": &w.EGID} {
		if err := idFlag(c, "explain", flag, dst); err != nil {
			return w, err
		}
	}
	if c.IsSet("groups") {
		groups, err := parseGroups(c.String("groups"))
		if err != nil {
			return w, usagef("explain", "--groups: %s", err)
		}
		w.Groups = groups
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

// parseGroups reads a comma list of gids; "" is no groups.
func parseGroups(s string) ([]uint32, error) {
	groups := []uint32{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' }) {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%q is not a group id", f)
		}
		groups = append(groups, uint32(n))
	}
	return groups, nil
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
