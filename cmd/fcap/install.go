package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"fcap/personality"
)

func installCompatCommand() *cli.Command {
	return &cli.Command{
		Name:      "install-compat",
		Usage:     "make setcap and getcap symlinks to fcap in DIR",
		ArgsUsage: "DIR",
		Description: "Creates DIR/setcap and DIR/getcap as symlinks to the running fcap binary\n" +
			"(or to --target). Invoked under those names, fcap behaves as libcap's\n" +
			"setcap and getcap. DIR is created if needed. An existing link to fcap is\n" +
			"replaced; any other existing file is left alone and is an error unless\n" +
			"--force is given. Nothing is changed unless both links can be made.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace existing setcap and getcap files that are not links to fcap"},
			&cli.StringFlag{Name: "target", Usage: "make the links point to `PATH` (e.g. ../bin/fcap when packaging) instead of the running binary"},
		},
		Action: runInstallCompat,
	}
}

func runInstallCompat(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("install-compat", "want one DIR, got %d argument(s)", c.NArg())
	}
	made, err := personality.Install(c.Args().First(), c.String("target"), c.Bool("force"))
	for _, l := range made {
		fmt.Fprintln(c.App.Writer, l)
	}
	if err != nil {
		return fmt.Errorf("install-compat: %w", err)
	}
	return nil
}
