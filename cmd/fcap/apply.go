package main

import (
	"fmt"

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
		ArgsUsage: "MANIFEST... | --system",
		Description: "A manifest holds what 'fcap get -r' prints: 'PATH CAPS' lines, '#' comments\n" +
			"and blank lines; 'PATH', 'PATH -' and 'PATH =' mean no capabilities; \\040\n" +
			"in a path is a space (octal escapes, as fstab). MANIFEST may be - for\n" +
			"standard input. Every manifest is checked whole first: a bad line is\n" +
			"reported as FILE:LINE and nothing from that manifest is applied. Only files\n" +
			"that differ are written, each change is printed, and every write is read\n" +
			"back. Exit 0 when done, 1 on a failure (or drift with --check), 2 on a usage\n" +
			"error, 3 when a setuid bit stands in for capabilities.\n" +
			"With --system the manifests are the system's drop-ins: *.conf in\n" +
			"/etc/fcap.d (the administrator's), /run/fcap.d, /usr/local/lib/fcap.d and\n" +
			"/usr/lib/fcap.d (shipped by packages), in the order of their names; a file\n" +
			"in an earlier directory overrides one of the same name in a later one, and a\n" +
			"symlink to /dev/null masks it. A drop-in or directory that anyone but root\n" +
			"could change, or a symlink, is refused (exit 1). With --root DIR they are\n" +
			"read beneath DIR. A package ships a drop-in and runs 'fcap apply --system'\n" +
			"in its postinst; 'fcap install-hooks' runs it after every package operation.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "system", Usage: "apply the system's drop-ins (/etc/fcap.d, /run/fcap.d, /usr/local/lib/fcap.d, /usr/lib/fcap.d) instead of MANIFEST arguments"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no changes on standard output (failures and warnings still go to standard error, and everything to --log)"},
			&cli.StringFlag{Name: "log", Usage: "also append each change and failure, with the time, to `FILE` (the package hooks use /var/log/fcap.log)"},
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
	p := &applyPrinter{rep: rep, last: last, quiet: c.Bool("quiet")}
	if file := c.String("log"); file != "" {
		// A log that cannot be opened is a failure (exit 1), but the
		// capabilities are still put back: a hook must not skip them
		// for want of its log.
		if p.log, err = openApplyLog(file, c.Bool("system")); err != nil {
			rep.fail("", err)
		} else {
			defer p.log.Close()
		}
	}
	srcs := applySources(c, args, p)
	defer func() {
		for _, s := range srcs {
			s.Close()
		}
	}()
	sum := apply.Run(srcs, opt, p.print)
	return outcome(rep.failed || sum.Drift > 0, sum.FellBack > 0)
}

// applySources opens the manifests named on the command line, or the
// system's drop-ins; each that cannot be opened or is refused is
// reported.
func applySources(c *cli.Context, args []string, p *applyPrinter) []*apply.Source {
	if c.Bool("system") {
		srcs, errs := apply.SystemSources(c.String("root"))
		for _, err := range errs {
			p.fail("", err)
		}
		return srcs
	}
	var srcs []*apply.Source
	for _, arg := range args {
		s, err := apply.Open(arg, c.App.Reader)
		if err != nil {
			p.fail(arg, err)
			continue
		}
		srcs = append(srcs, s)
	}
	return srcs
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
	case c.Bool("system") && len(args) > 0:
		return usagef("apply", "--system takes no MANIFEST (the drop-ins are the manifests)")
	case len(args) == 0 && !c.Bool("system"):
		return usagef("apply", "no MANIFEST given (or --system for the drop-ins)")
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
// failures and fallbacks on stderr; with --log, each also goes to the log.
type applyPrinter struct {
	rep   *reporter
	last  model.Cap
	log   *applyLog
	quiet bool
}

func (p *applyPrinter) print(r apply.Result) {
	path := manifest.Escape(r.Entry.Path)
	switch r.Action {
	case apply.Failed:
		p.fail(r.Entry.Path, r.Err)
		if r.Refused {
			p.warn("%s: nothing applied from this manifest", r.Entry.File)
		}
	case apply.Set:
		p.note("%s: set %s (was %s)", path, p.want(r.Entry), p.had(r))
	case apply.Removed:
		p.note("%s: removed (was %s)", path, p.had(r))
	case apply.Drift:
		p.note("%s: has %s, want %s", path, p.had(r), p.want(r.Entry))
	case apply.FellBack:
		p.fellBack(path, r)
	}
}

func (p *applyPrinter) fellBack(path string, r apply.Result) {
	if r.ModeAfter != r.ModeBefore {
		p.note("%s: set the setuid bit, mode %04o (was %04o)", path, r.ModeAfter, r.ModeBefore)
	}
	p.warn("warning: %s: the filesystem cannot store %s; the setuid bit stands in for it (the program runs with all of root's privileges)",
		path, p.want(r.Entry))
}

// note prints a change on stdout.
func (p *applyPrinter) note(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if !p.quiet {
		fmt.Fprintln(p.rep.out, msg)
	}
	p.log.write(msg)
}

// warn prints a message on stderr, after "fcap: ".
func (p *applyPrinter) warn(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	fmt.Fprintf(p.rep.errw, "fcap: %s\n", msg)
	p.log.write(msg)
}

// fail reports a failed path (or manifest, path "").
func (p *applyPrinter) fail(path string, err error) {
	p.rep.fail(path, err)
	p.log.write("error: " + err.Error())
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
