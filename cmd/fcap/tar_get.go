package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"fcap/capfile"
	"fcap/host"
	"fcap/tarcap"
)

func tarGetCommand() *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "print the capabilities of the files in an archive, as 'fcap get -r' prints them",
		ArgsUsage: "TAR|-",
		Description: "Prints 'PATH CAPS' for each file of the archive that will have capabilities\n" +
			"once extracted, exactly as 'fcap get -r .' prints them in the directory it\n" +
			"is extracted to: paths start with ./, in byte order, and a hard link is\n" +
			"listed with its target's capabilities. The output is a manifest for 'fcap\n" +
			"tar apply' and 'fcap apply --root'. A revision-3 value is for one user\n" +
			"namespace and grants nothing outside it: -n shows its [rootid=N], and\n" +
			"without -n a note on standard error says so. A value the kernel would not\n" +
			"store is an error (exit 1).",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "rootid", Aliases: []string{"n"}, Usage: "append [rootid=N] to namespaced (revision 3) values"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per file, as 'fcap get --json'"},
		},
		Action: runTarGet,
	}
}

func runTarGet(c *cli.Context) error {
	tree, err := scanTarArg(c)
	if err != nil {
		return err
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	g := &getter{rep: newReporter(c.App.Writer, c.App.ErrWriter, c.Bool("json")), rootid: c.Bool("rootid"), json: c.Bool("json"), last: last}
	for _, f := range tree.Files {
		if f.Value == nil {
			continue
		}
		fc, err := capfile.Decode(f.Value)
		switch {
		case err != nil:
			g.rep.fail(f.Path, fmt.Errorf("%s: %w", f.Path, err))
			continue
		case fc.Revision == 1:
			g.rep.fail(f.Path, fmt.Errorf("%s: a revision-1 value (%x), which the kernel refuses to store: extraction leaves the file without capabilities", f.Path, f.Value))
			continue
		case fc.RootID != 0 && !g.rootid && !g.json:
			fmt.Fprintf(c.App.ErrWriter, "fcap: tar get: note: %s: revision-3 value for the user namespace whose root is uid %d: it grants nothing outside that namespace (-n shows it)\n", f.Path, fc.RootID)
		}
		g.print(f.Path, &fc)
	}
	return outcome(g.rep.failed, false)
}

// scanTarArg reads the one archive argument of get and audit.
func scanTarArg(c *cli.Context) (*tarcap.Tree, error) {
	cmd := commandPath(c)
	if c.NArg() != 1 {
		return nil, usagef(cmd, "want one archive (- for standard input), got %d arguments", c.NArg())
	}
	r, done, err := openTarInput(c, c.Args().First())
	if err != nil {
		return nil, err
	}
	defer done()
	tree, err := tarcap.ScanStream(r)
	if err != nil {
		printTarError(c, err)
		return nil, errFailed
	}
	return tree, nil
}
