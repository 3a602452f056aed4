package main

import (
	"github.com/urfave/cli/v2"

	"fcap/host"
	"fcap/tarcap"
)

func tarStripCommand() *cli.Command {
	return &cli.Command{
		Name:      "strip",
		Usage:     "remove every capability from an archive",
		ArgsUsage: "[IN [OUT]]",
		Description: "Removes the capability records (SCHILY.xattr.security.capability and\n" +
			"bsdtar's LIBARCHIVE.xattr.security.capability) of every entry; every other\n" +
			"byte is kept. IN and OUT are as for 'fcap tar apply'.",
		Flags:  []cli.Flag{compressFlag, quietFlag},
		Action: runTarStrip,
	}
}

func runTarStrip(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) > 2 {
		return usagef("tar strip", "too many arguments: [IN [OUT]]")
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	s, err := openTarStream(c, argOr(args, 0), argOr(args, 1), last)
	if err != nil {
		return err
	}
	return s.run(c, tarcap.StripPlan())
}
