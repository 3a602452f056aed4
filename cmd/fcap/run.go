package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"fcap/launch"
	"fcap/model"
	"fcap/model/cred"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "execute a program as a user, keeping only the capabilities it needs",
		ArgsUsage: "[--] PROGRAM [ARGS...]",
		Description: "Switches to --user and --group, keeps the capabilities --caps names (libcap\n" +
			"text: cap_x+ep is kept permitted and effective across exec through the ambient\n" +
			"set, cap_x+i only inheritable) and executes PROGRAM in place of fcap: no shell,\n" +
			"same pid, so it works as a container entrypoint. PROGRAM's name ends fcap's\n" +
			"options. Root is revoked: securebits noroot and no-setuid-fixup are set and\n" +
			"locked and the bounding set is cut to the kept capabilities, so the program can\n" +
			"never regain uid 0's capabilities. Staying uid 0 keeps only what --caps gives:\n" +
			"capabilities are exclusive, not cumulative. Everything is checked, and the\n" +
			"change rehearsed on a throw-away thread, before fcap changes: an unknown user,\n" +
			"a capability the kernel or fcap lacks, a program the user may not execute.\n" +
			"--dry-run prints what fcap explain predicts for the program.",
		Flags:  runFlags(),
		Action: runRun,
	}
}

func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as `NAME|UID` (all four uids; a number needs no /etc/passwd entry)"},
		&cli.StringFlag{Name: "group", Aliases: []string{"g"}, Usage: "run with group `NAME|GID` (default: the user's primary group)"},
		&cli.StringFlag{Name: "groups", Usage: "supplementary groups: comma-separated `LIST` of names or gids (\"\" for none)"},
		&cli.BoolFlag{Name: "init-groups", Usage: "supplementary groups from the group database, as initgroups(3) (the default with --user)"},
		&cli.StringFlag{Name: "caps", Usage: "capabilities kept, in libcap `TEXT` (\"cap_net_bind_service+ep\"); default none"},
		&cli.StringSliceFlag{Name: "adjust", Usage: "ProFTPD-style `WORDS` applied after --caps: +cap_x keeps cap_x, -cap_y drops it"},
		&cli.BoolFlag{Name: "keep-bounding", Usage: "leave the bounding set alone (default: drop every capability not kept)"},
		&cli.BoolFlag{Name: "nnp", Usage: "set no_new_privs: set-id bits and file capabilities of later programs give nothing"},
		&cli.StringFlag{Name: "secbits", Usage: "securebits `BITS` instead of noroot,noroot-locked,no-setuid-fixup,no-setuid-fixup-locked (\"none\" keeps root)"},
		&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the plan and the predicted state of the program; change nothing"},
		&cli.BoolFlag{Name: "json", Usage: "with --dry-run, print one JSON object"},
	}
}

func runRun(c *cli.Context) error {
	in, err := runIntent(c)
	if err != nil {
		return err
	}
	p, err := launch.New(in)
	if err != nil {
		return runError(err)
	}
	switch {
	case c.Bool("dry-run") && c.Bool("json"):
		return printRunJSON(c.App.Writer, p)
	case c.Bool("dry-run"):
		printRun(c.App.Writer, p)
		return nil
	}
	return fmt.Errorf("run: %w", p.Exec())
}

// runIntent reads the command line into a launch.Intent.
func runIntent(c *cli.Context) (launch.Intent, error) {
	switch {
	case c.NArg() == 0:
		return launch.Intent{}, usagef("run", "no PROGRAM given")
	case c.Bool("json") && !c.Bool("dry-run"):
		return launch.Intent{}, usagef("run", "--json needs --dry-run")
	}
	in := launch.Intent{
		User: c.String("user"), Group: c.String("group"),
		Caps: c.String("caps"), Adjust: c.StringSlice("adjust"),
		KeepBounding: c.Bool("keep-bounding"), NoNewPrivs: c.Bool("nnp"),
		Program: c.Args().First(), Args: c.Args().Tail(),
	}
	switch {
	case c.IsSet("groups") && c.Bool("init-groups"):
		return in, usagef("run", "--groups and --init-groups exclude each other")
	case c.IsSet("groups"):
		in.GroupsMode, in.Groups = launch.GroupsList, splitList(c.String("groups"))
	case c.Bool("init-groups"):
		in.GroupsMode = launch.GroupsInit
	}
	if c.IsSet("secbits") {
		b, err := cred.ParseSecurebits(c.String("secbits"))
		if err != nil {
			return in, usagef("run", "--secbits: %s", err)
		}
		in.Securebits = &b
	}
	return in, nil
}

// splitList splits a comma-separated list; "" is the empty list.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

// runError makes bad capability text a usage error; the rest stays a
// failure (exit 1): nothing was changed.
func runError(err error) error {
	var te *model.TextError
	var ke *launch.KeptError
	if errors.As(err, &te) || errors.As(err, &ke) {
		return usagef("run", "--caps: %s", err)
	}
	return fmt.Errorf("run: %w", err)
}

// printRun writes the plan, then explain's report of the exec.
func printRun(w io.Writer, p *launch.Plan) {
	id := p.Identity
	fmt.Fprintf(w, "program:      %s (argv: %s)\n", p.Path, strings.Join(p.Argv, " "))
	fmt.Fprintf(w, "user:         %s\n", describeIDs(id))
	fmt.Fprintf(w, "keeps:        %s\n", p.Kept.Ambient.Describe(p.LastCap))
	if only := p.Kept.Inheritable &^ p.Kept.Ambient; only != 0 {
		fmt.Fprintf(w, "inheritable:  %s (only for programs whose file has them in its inheritable set)\n", only.Names())
	}
	fmt.Fprintf(w, "bounding:     %s\n", p.Parent.Bounding.Describe(p.LastCap))
	fmt.Fprintf(w, "securebits:   %s\n", p.Securebits)
	fmt.Fprintf(w, "no_new_privs: %v\n\n", p.NoNewPrivs)
	printExplain(w, p.Report, nil)
}

// describeIDs writes "nobody (uid 65534), group nogroup (gid 65534), groups 65534".
func describeIDs(id launch.Identity) string {
	named := func(name, kind string, n uint32) string {
		if name == "" {
			return fmt.Sprintf("%s %d", kind, n)
		}
		return fmt.Sprintf("%s (%s %d)", name, kind, n)
	}
	groups := "none"
	if len(id.Groups) > 0 {
		groups = strings.Trim(fmt.Sprint(id.Groups), "[]")
	}
	return fmt.Sprintf("%s, group %s, groups %s", named(id.UserName, "uid", id.UID), named(id.GroupName, "gid", id.GID), groups)
}

// runJSON is `fcap run --dry-run --json`: the plan, and explain's JSON
// object for the exec of the program from the state fcap creates.
type runJSON struct {
	Program     string      `json:"program"`
	Argv        []string    `json:"argv"`
	Kept        []string    `json:"kept"`
	Inheritable []string    `json:"inheritable"`
	Explain     explainJSON `json:"explain"`
}

func printRunJSON(w io.Writer, p *launch.Plan) error {
	return writeIndentedJSON(w, runJSON{Program: p.Path, Argv: p.Argv, Kept: p.Kept.Ambient.List(),
		Inheritable: p.Kept.Inheritable.List(), Explain: toExplainJSON(p.Report, nil)})
}
