package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"fcap/host"
	"fcap/model"
	"fcap/tarcap"
)

func tarApplyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "give the entries of an archive the capabilities a manifest lists",
		ArgsUsage: "MANIFEST [IN [OUT]]",
		Description: "MANIFEST holds 'PATH CAPS' lines as for 'fcap apply' (- for standard\n" +
			"input), with paths relative to the archive's root. IN and OUT default to\n" +
			"standard input and output; OUT may be IN (it is replaced only once the new\n" +
			"archive is whole). Every other byte of the archive is kept. A manifest line\n" +
			"naming a hard link must agree with the file it links to. A manifest path\n" +
			"that is not in the archive, a path named twice, a directory or symlink, or\n" +
			"a damaged archive is an error: exit 1, an output file is not written, and\n" +
			"an archive already sent to standard output ends in an entry no reader\n" +
			"accepts. The changes are printed on standard output, or on standard error\n" +
			"when the archive goes there. With --check nothing is written:\n" +
			"'PATH: has X, want Y' is printed for each difference and the exit status\n" +
			"is 1 if there is one.",
		Flags:  []cli.Flag{&cli.BoolFlag{Name: "check", Usage: "write nothing; print the differences and exit 1 if there is one"}, rootIDFlag, compressFlag, quietFlag},
		Action: runTarApply,
	}
}

func runTarApply(c *cli.Context) error {
	args := c.Args().Slice()
	switch {
	case len(args) == 0:
		return usagef("tar apply", "no MANIFEST given")
	case len(args) > 3:
		return usagef("tar apply", "too many arguments: MANIFEST [IN [OUT]]")
	case c.Bool("check") && len(args) > 2:
		return usagef("tar apply", "--check writes nothing: no OUT")
	}
	in, out := argOr(args, 1), argOr(args, 2)
	if args[0] == "-" && in == "-" {
		return usagef("tar apply", "the manifest and the archive cannot both be standard input")
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	plan, err := readTarPlan(c, args[0], last)
	if err != nil {
		return err
	}
	if c.Bool("check") {
		return checkTar(c, in, plan, last)
	}
	s, err := openTarStream(c, in, out, last)
	if err != nil {
		return err
	}
	return s.run(c, plan)
}

// argOr is args[i], or "-" when there is none.
func argOr(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return "-"
}

// checkTar prints the differences between the archive and the plan.
func checkTar(c *cli.Context, in string, plan *tarcap.Plan, last model.Cap) error {
	r, done, err := openTarInput(c, in)
	if err != nil {
		return err
	}
	defer done()
	var drift []string
	err = tarcap.CheckStream(r, plan, func(ch tarcap.Change) {
		drift = append(drift, driftLine(ch, last))
	})
	if err != nil {
		printTarError(c, err)
		return errFailed
	}
	for _, line := range drift {
		fmt.Fprintln(c.App.Writer, line)
	}
	return outcome(len(drift) > 0, false)
}
