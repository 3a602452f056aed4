package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"fcap/apply"
	"fcap/host"
	"fcap/manifest"
	"fcap/model"
	"fcap/xattr"
)

func applyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "make files' capabilities match manifests of 'PATH CAPS' lines",
		ArgsUsage: "MANIFEST...",
		Description: "A manifest holds what 'fcap get -r' prints: 'PATH CAPS' lines, '#' comments\n" +
			"and blank lines; 'PATH', 'PATH -' and 'PATH =' mean no capabilities; \\040\n" +
			"in a path is a space (octal escapes, as fstab). MANIFEST may be - for\n" +
			"standard input. Every manifest is checked whole first: a bad line is\n" +
			"reported as FILE:LINE and nothing from that manifest is applied. Only files\n" +
			"that differ are written, each change is printed, and every write is read\n" +
			"back. Exit 0 when done, 1 on a failure (or drift with --check), 2 on a usage\n" +
			"error, 3 when a setuid bit stands in for capabilities.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "change nothing: print 'PATH: has X, want Y' for each difference and exit 1 if there is one"},
			&cli.StringFlag{Name: "root", Usage: "resolve every path beneath `DIR` as if it were /, never leading out of it; symlinks on the way are refused"},
			&cli.BoolFlag{Name: "root-symlinks", Usage: "with --root, resolve symlinks inside DIR instead of refusing them (they still cannot lead out)"},
			&cli.BoolFlag{Name: "fallback-setuid", Usage: "where the filesystem cannot store capabilities, set the setuid bit of a root-owned file instead (exit 3), unless the mount is nosuid"},
		},
		Action: runApply,
	}
}

func runApply(c *cli.Context) error {
	args := c.Args().Slice()
	if err := checkApplyArgs(c, args); err != nil {
		return err
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	opt := apply.Options{Check: c.Bool("check"), FallbackSetuid: c.Bool("fallback-setuid"), Last: last}
	if dir := c.String("root"); dir != "" {
		if opt.Root, err = xattr.OpenRoot(dir); err != nil {
			return err
		}
		defer opt.Root.Close()
		opt.Root.FollowSymlinks = c.Bool("root-symlinks")
	}
	rep := newReporter(c.App.Writer, c.App.ErrWriter, false)
	var srcs []*apply.Source
	for _, arg := range args {
		s, err := apply.Open(arg, c.App.Reader)
		if err != nil {
			rep.fail(arg, err)
			continue
		}
		defer s.Close()
		srcs = append(srcs, s)
	}
	p := &applyPrinter{rep: rep, last: last}
	sum := apply.Run(srcs, opt, p.print)
	return outcome(rep.failed || sum.Drift > 0, sum.FellBack > 0)
}

// checkApplyArgs rejects bad argument combinations as usage errors.
func checkApplyArgs(c *cli.Context, args []string) error {
	stdin := 0
	for _, a := range args {
		if a == "-" {
			stdin++
		}
	}
	switch {
	case len(args) == 0:
		return usagef("apply", "no MANIFEST given")
	case stdin > 1:
		return usagef("apply", "standard input (-) given more than once")
	case c.IsSet("root") && c.String("root") == "":
		return usagef("apply", "--root needs a directory")
	case c.Bool("root-symlinks") && !c.IsSet("root"):
		return usagef("apply", "--root-symlinks needs --root")
	}
	return nil
}

// applyPrinter prints apply's results: changes and drift on stdout,
// failures and fallbacks on stderr.
type applyPrinter struct {
	rep  *reporter
	last model.Cap
}

func (p *applyPrinter) print(r apply.Result) {
	path := manifest.Escape(r.Entry.Path)
	out := p.rep.out
	switch r.Action {
	case apply.Failed:
		p.rep.fail(r.Entry.Path, r.Err)
		if r.Refused {
			fmt.Fprintf(p.rep.errw, "fcap: %s: nothing applied from this manifest\n", r.Entry.File)
		}
	case apply.Set:
		fmt.Fprintf(out, "%s: set %s (was %s)\n", path, p.want(r.Entry), p.had(r))
	case apply.Removed:
		fmt.Fprintf(out, "%s: removed (was %s)\n", path, p.had(r))
	case apply.Drift:
		fmt.Fprintf(out, "%s: has %s, want %s\n", path, p.had(r), p.want(r.Entry))
	case apply.FellBack:
		p.fellBack(out, path, r)
	}
}

func (p *applyPrinter) fellBack(out io.Writer, path string, r apply.Result) {
	if r.ModeAfter != r.ModeBefore {
		fmt.Fprintf(out, "%s: set the setuid bit, mode %04o (was %04o)\n", path, r.ModeAfter, r.ModeBefore)
	}
	fmt.Fprintf(p.rep.errw, "fcap: warning: %s: the filesystem cannot store %s; the setuid bit stands in for it (the program runs with all of root's privileges)\n",
		path, p.want(r.Entry))
}

// had describes a file's value before, for messages.
func (p *applyPrinter) had(r apply.Result) string {
	switch {
	case r.HadUnreadable:
		return "an unreadable value"
	case r.Had == nil:
		return "none"
	}
	return r.Had.Format(p.last)
}

// want describes what an entry asks for.
func (p *applyPrinter) want(e manifest.Entry) string {
	if e.None {
		return "none"
	}
	return e.Caps.Format(p.last)
}
