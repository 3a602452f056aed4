// Command fcap reads, writes and explains Linux file capabilities.
//
// This package is the command line only: each command's file parses its
// options, calls an engine package and prints what it returns. Every
// command shares one option syntax (normalize), one exit-status table
// (exit.go), one reporter of failed paths and one JSON shape for a file's
// capabilities.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// run is fcap's entry point; it returns the exit status. Invoked as
// setcap or getcap (argv[0]'s base name), fcap is that program.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	switch filepath.Base(args[0]) {
	case "setcap":
		return setcapMain(args, stdin, stdout, stderr)
	case "getcap":
		return getcapMain(args, stdout, stderr)
	}
	app := newApp(stdin, stdout, stderr)
	argv, err := normalize(app, args)
	if err == nil {
		err = app.Run(argv)
	}
	return exitStatus(stderr, err)
}

// commands is every command fcap has.
func commands() []*cli.Command {
	cmds := []*cli.Command{
		applyCommand(),
		auditCommand(),
		baselineCommand(),
		convertCommand(),
		explainCommand(),
		getCommand(),
		installCompatCommand(),
		installHooksCommand(),
		psCommand(),
		removeCommand(),
		runCommand(),
		setCommand(),
		tarCommand(),
		versionCommand(),
		genManCommand(),
		genCompletionCommand(),
	}
	for _, c := range cmds {
		// No "help" subcommand under a command: "fcap remove help" names
		// a file. "fcap help CMD" and "CMD --help" still work.
		c.HideHelpCommand = true
		c.OnUsageError = onUsageError
	}
	return cmds
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "fcap",
		Usage:   "read, write and explain Linux file capabilities",
		Version: version,
		Description: "fcap manages the security.capability extended attribute safely: it never\n" +
			"follows a symlink, acts on a file descriptor, reads every write back, and\n" +
			"predicts the capabilities a process gets when it executes a file.",
		Reader:         stdin,
		Writer:         stdout,
		ErrWriter:      stderr,
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   onUsageError,
		Commands:       commands(),
		Action: func(*cli.Context) error {
			return usagef("", "no command given")
		},
	}
	app.Setup()
	return app
}

// onUsageError turns what urfave/cli could still refuse (a value that
// does not parse as the option's type) into a usage error of the command.
func onUsageError(c *cli.Context, err error, _ bool) error {
	return usagef(commandPath(c), "%s", err)
}

// commandPath names the running command ("get", "tar apply").
func commandPath(c *cli.Context) string {
	var names []string
	for _, l := range c.Lineage() {
		if l.Command != nil && l.Command.Name != "" {
			names = append([]string{l.Command.Name}, names...)
		}
	}
	// The outermost is the app's own command, named fcap.
	if len(names) > 0 && names[0] == c.App.Name {
		names = names[1:]
	}
	return strings.Join(names, " ")
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print fcap's version",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("version", "takes no arguments")
			}
			fmt.Fprintf(c.App.Writer, "fcap %s\n", version)
			return nil
		},
	}
}
