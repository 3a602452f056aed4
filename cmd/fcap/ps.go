package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"fcap/host"
	"fcap/model"
	"fcap/procs"
)

func psCommand() *cli.Command {
	return &cli.Command{
		Name:  "ps",
		Usage: "list running processes with their capabilities, or show one process's state",
		Description: "Lists the processes that hold capabilities (permitted, effective,\n" +
			"inheritable or ambient), as pscap does: pid, parent, user (effective uid),\n" +
			"name, the sets in libcap's text, the ambient and the bounding set. --all adds\n" +
			"processes without capabilities and kernel threads. --pid shows one process in\n" +
			"full: its ids, groups, five sets, libcap's IAB text (as captree prints it),\n" +
			"securebits (readable for fcap itself only: --pid self) and no_new_privs.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "pid", Aliases: []string{"p"}, Usage: "show process `PID` in full (self: fcap itself)"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "also list processes without capabilities and kernel threads"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON: one object per process"},
		},
		Action: runPs,
	}
}

func runPs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("ps", "takes no operands (use --pid PID)")
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	if c.IsSet("pid") {
		return psOne(c, last)
	}
	ps, errs := procs.List(procs.Options{All: c.Bool("all")})
	if c.Bool("json") {
		for _, p := range ps {
			if err := writeJSON(c.App.Writer, toProcessJSON(p, last)); err != nil {
				return err
			}
		}
	} else {
		printProcesses(c.App.Writer, ps, last)
	}
	for _, err := range errs {
		fmt.Fprintf(c.App.ErrWriter, "fcap: ps: %s\n", err)
	}
	return outcome(len(errs) > 0, false)
}

// psOne shows the process --pid names.
func psOne(c *cli.Context, last model.Cap) error {
	pid := 0
	if s := c.String("pid"); s != "self" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return usagef("ps", "--pid: %q is not a process id or \"self\"", s)
		}
		pid = n
	}
	p, err := procs.Get(pid)
	if err != nil {
		return fmt.Errorf("ps: %w", err)
	}
	if c.Bool("json") {
		return writeIndentedJSON(c.App.Writer, toProcessJSON(p, last))
	}
	printProcess(c.App.Writer, p, last)
	return nil
}

// printProcesses writes the list as aligned columns.
func printProcesses(w io.Writer, ps []procs.Process, last model.Cap) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PID\tPPID\tUSER\tNAME\tCAPABILITIES\tAMBIENT\tBOUNDING")
	for _, p := range ps {
		s := p.Cred
		amb := "-"
		if s.Ambient != 0 {
			amb = s.Ambient.Describe(last)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\n", p.PID, p.PPid, p.User, p.Name,
			s.Caps().Format(last), amb, s.Bounding.Describe(last))
	}
	tw.Flush()
}

// printProcess writes one process in full.
func printProcess(w io.Writer, p procs.Process, last model.Cap) {
	s := p.Cred
	row := func(name, format string, a ...any) { fmt.Fprintf(w, "%-13s %s\n", name+":", fmt.Sprintf(format, a...)) }
	ids := func(r, e, sv, fs uint32) string {
		return fmt.Sprintf("real %d, effective %d, saved %d, fs %d", r, e, sv, fs)
	}
	row("process", "%d %s (parent %d), user %s", p.PID, p.Name, p.PPid, p.User)
	row("uid", "%s", ids(s.UID, s.EUID, s.SUID, s.FSUID))
	row("gid", "%s", ids(s.GID, s.EGID, s.SGID, s.FSGID))
	row("groups", "%s", groupList(s.Groups))
	for _, set := range []struct {
		name string
		v    model.Set
	}{{"inheritable", s.Inheritable}, {"permitted", s.Permitted}, {"effective", s.Effective}, {"ambient", s.Ambient}, {"bounding", s.Bounding}} {
		row(set.name, "%s", set.v.Describe(last))
	}
	row("text", "%s", s.Caps().Format(last))
	row("iab", "%s", s.IAB(last))
	if p.SecurebitsKnown {
		row("securebits", "%s", s.Securebits)
	} else {
		row("securebits", "unknown: only a process can read its own (fcap ps --pid self)")
	}
	row("no_new_privs", "%v", s.NoNewPrivs)
}

// processJSON is one process in `fcap ps --json`; its state's
// securebits are null when fcap cannot know them.
type processJSON struct {
	PID          int       `json:"pid"`
	PPID         int       `json:"ppid"`
	Name         string    `json:"name"`
	User         string    `json:"user"`
	KernelThread bool      `json:"kernel_thread"`
	Text         string    `json:"text"`
	IAB          string    `json:"iab"`
	State        stateJSON `json:"state"`
}

func toProcessJSON(p procs.Process, last model.Cap) processJSON {
	out := processJSON{PID: p.PID, PPID: p.PPid, Name: p.Name, User: p.User, KernelThread: p.KernelThread(),
		Text: p.Cred.Caps().Format(last), IAB: p.Cred.IAB(last), State: toStateJSON(p.Cred)}
	if !p.SecurebitsKnown {
		out.State.Securebits = nil
	}
	return out
}
