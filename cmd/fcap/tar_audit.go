package main

import (
	"github.com/urfave/cli/v2"

	"fcap/host"
)

func tarAuditCommand() *cli.Command {
	return &cli.Command{
		Name:      "audit",
		Usage:     "audit the files of an archive with the rules of 'fcap audit'",
		ArgsUsage: "TAR|-",
		Description: "Reports what 'fcap audit' would report on the extracted archive: set-id\n" +
			"executables, dangerous or misplaced capabilities, values the kernel would\n" +
			"not store, namespaced values, and privileged files under a directory the\n" +
			"archive makes writable by others (directories it does not hold are taken\n" +
			"to be root's). Paths are as 'fcap tar get' prints them. Exit status 1 when\n" +
			"a finding is at or above --fail-on, or the archive cannot be read.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per finding per line"},
			&cli.StringFlag{Name: "fail-on", Usage: "exit 1 when a finding is at or above `SEVERITY` (info, low, medium, high)"},
		},
		Action: runTarAudit,
	}
}

func runTarAudit(c *cli.Context) error {
	failOn, err := failOnOption(c)
	if err != nil {
		return err
	}
	tree, err := scanTarArg(c)
	if err != nil {
		return err
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	findings := tree.Audit(last)
	fire := false
	for _, f := range findings {
		fire = fire || (failOn >= 0 && f.Severity >= failOn)
		if c.Bool("json") {
			writeJSON(c.App.Writer, toFindingJSON(f, last))
		}
	}
	if !c.Bool("json") {
		printAuditHuman(c.App.Writer, findings, last, false)
	}
	return outcome(fire, false)
}
