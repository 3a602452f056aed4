package main

import (
	"github.com/urfave/cli/v2"

	"fcap/xattr"
)

func removeCommand() *cli.Command {
	return &cli.Command{
		Name:      "remove",
		Usage:     "remove the capabilities of files",
		ArgsUsage: "PATH...",
		Description: "Removes the security.capability attribute. A file without one is not an\n" +
			"error (unlike setcap -r), so scripts can run it twice.",
		Action: runRemove,
	}
}

func runRemove(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("remove", "no PATH given")
	}
	rep := newReporter(c.App.Writer, c.App.ErrWriter, false)
	for _, path := range c.Args().Slice() {
		if err := removeOne(path); err != nil {
			rep.fail(path, err)
		}
	}
	return outcome(rep.failed, false)
}

func removeOne(path string) error {
	f, err := xattr.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.RemoveCaps()
	return err
}
