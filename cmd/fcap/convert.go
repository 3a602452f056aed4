package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"fcap/convert"
	"fcap/host"
	"fcap/model"
	"fcap/xattr"
)

func convertCommand() *cli.Command {
	return &cli.Command{
		Name:      "convert",
		Usage:     "replace the set-user-ID root bit of programs by file capabilities",
		ArgsUsage: "PATH...",
		Description: "For each root-owned set-id program: write the capabilities (from --caps, or\n" +
			"the built-in table of well-known programs such as ping, arping, mtr-packet,\n" +
			"dumpcap, newuidmap), read them back, record the change in the file's\n" +
			"trusted.fcap.convert attribute, then clear the set-id bits, all through one\n" +
			"descriptor, so the program works at every instant. Before writing, the\n" +
			"exec of the result by a fresh login of nobody is predicted; if it would not\n" +
			"get the capabilities (bounding set, nosuid mount) nothing is changed.\n" +
			"A file that cannot store capabilities keeps its set-id bit: exit status 3.\n" +
			"Running it again on a converted file changes nothing. --revert restores\n" +
			"what the record says (the set-id bits first), then removes the\n" +
			"capabilities; a file without a record is refused unless --force.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "caps", Usage: "the capabilities to give, as `TEXT` (e.g. cap_net_raw=ep), instead of the table's"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print what would change, write nothing"},
			&cli.BoolFlag{Name: "revert", Usage: "restore the mode convert recorded, then remove the capabilities"},
			&cli.BoolFlag{Name: "force", Usage: "convert even when refused (a table refusal, other capabilities present, a prediction that unprivileged users would not get the capabilities); revert without a record"},
		},
		Action: runConvert,
	}
}

func runConvert(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("convert", "no PATH given")
	}
	if c.Bool("revert") && c.IsSet("caps") {
		return usagef("convert", "--revert restores what convert recorded on the file: --caps does not apply")
	}
	opt := convert.Options{DryRun: c.Bool("dry-run"), Force: c.Bool("force")}
	var err error
	if opt.Last, err = host.LastCap(); err != nil {
		return err
	}
	if c.IsSet("caps") {
		fc, err := parseFileCaps("convert", "--caps", c.String("caps"), opt.Last, 0)
		if err != nil {
			return err
		}
		opt.Caps = &fc
	}
	op := convert.Revert
	if !c.Bool("revert") {
		op = convert.Convert
		if opt.Unprivileged, err = convert.Unprivileged(); err != nil {
			return err
		}
	}
	p := &convertPrinter{rep: newReporter(c.App.Writer, c.App.ErrWriter, false), opt: opt}
	for _, path := range c.Args().Slice() {
		p.print(op(path, opt))
	}
	return outcome(p.rep.failed, p.fellBack)
}

// convertPrinter prints convert's results.
type convertPrinter struct {
	rep      *reporter
	opt      convert.Options
	fellBack bool
}

func (p *convertPrinter) text(fc model.FileCaps) string { return fc.Caps().Format(p.opt.Last) }

func (p *convertPrinter) print(r convert.Result) {
	out := p.rep.out
	if r.Prediction != nil {
		p.prediction(r)
	}
	switch r.Outcome {
	case convert.Failed:
		if errors.Is(r.Err, convert.ErrUnprivilegedWouldNotGet) {
			p.rep.failed = true // the prediction said it
			break
		}
		p.rep.fail(r.Path, convertError(r))
	case convert.FellBack:
		p.fellBack = true
		fmt.Fprintf(p.rep.errw, "fcap: convert %s: fell back: the capabilities could not be written (%s); it keeps %s\n",
			r.Path, strings.ReplaceAll(r.Err.Error(), "\n", "; "), r.From)
	case convert.Converted:
		fmt.Fprintf(out, "%s: converted: %s → %s\n", r.Path, r.From, p.text(r.Caps))
	case convert.WouldConvert:
		fmt.Fprintf(out, "%s: would convert: %s → %s\n", r.Path, r.From, p.text(r.Caps))
	case convert.AlreadyConverted:
		fmt.Fprintf(out, "%s: already converted (%s)\n", r.Path, p.text(r.Caps))
	case convert.Reverted:
		fmt.Fprintf(out, "%s: reverted: %s → %s\n", r.Path, p.text(r.Caps), r.From)
	case convert.WouldRevert:
		fmt.Fprintf(out, "%s: would revert: %s → %s\n", r.Path, p.text(r.Caps), r.From)
	case convert.AlreadyReverted:
		fmt.Fprintf(out, "%s: already reverted (%s)\n", r.Path, r.From)
	}
	if r.Warning != "" {
		fmt.Fprintf(p.rep.errw, "fcap: warning: convert %s: %s\n", r.Path, r.Warning)
	}
}

// convertError names the path once: xattr's errors already do.
func convertError(r convert.Result) error {
	if xe, ok := r.Err.(*xattr.Error); ok && xe.Path == r.Path {
		return r.Err
	}
	return fmt.Errorf("convert %s: %w", r.Path, r.Err)
}

// prediction prints why an unprivileged user would not get the
// capabilities.
func (p *convertPrinter) prediction(r convert.Result) {
	w, last := p.rep.errw, p.opt.Last
	if r.Outcome != convert.Failed {
		fmt.Fprintf(w, "fcap: convert %s: warning (--force: converting anyway): an unprivileged user would not get %s from %s\n", r.Path, r.Missing.Names(), p.text(r.Caps))
	} else {
		fmt.Fprintf(w, "fcap: convert %s: refused: an unprivileged user would not get %s from %s\n", r.Path, r.Missing.Names(), p.text(r.Caps))
	}
	u := p.opt.Unprivileged
	fmt.Fprintf(w, "  prediction for %s, bounding set %s:\n", u.Who, u.State.Bounding.Describe(last))
	for _, rule := range r.Prediction.Rules {
		fmt.Fprintf(w, "    %s: %s\n", rule.Name, rule.Detail)
	}
	if r.Prediction.Err != "" {
		fmt.Fprintf(w, "    result: exec fails with %s\n", r.Prediction.Err)
		return
	}
	fmt.Fprintf(w, "    result: permitted %s, effective %s\n", r.Prediction.Child.Permitted.Describe(last), r.Prediction.Child.Effective.Describe(last))
}
