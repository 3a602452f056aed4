// Command fcap reads, writes and explains Linux file capabilities.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit statuses.
const (
	exitOK       = 0
	exitFailed   = 1 // some path failed, or a check found a difference
	exitUsage    = 2
	exitFellBack = 3 // a write fell back to setuid (convert, apply)
)

// exitError carries an exit status out of a command; its message, if any,
// has not been printed yet.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErrorf(format string, a ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, a...)}
}

// errFailed reports that failures were already printed.
var errFailed = &exitError{code: exitFailed}

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// extraCommands are registered by the files that define them (init).
var extraCommands []func() *cli.Command

// personalities run instead of fcap when the binary is invoked under
// another name (argv[0] basename), e.g. "setcap" and "getcap".
var personalities = map[string]func(args []string, stdin io.Reader, stdout, stderr io.Writer) int{}

// run is fcap's entry point; it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if p, ok := personalities[filepath.Base(args[0])]; ok {
			return p(args, stdin, stdout, stderr)
		}
	}
	app := newApp(stdin, stdout, stderr)
	var unknown error
	app.CommandNotFound = func(_ *cli.Context, name string) {
		unknown = usageErrorf("unknown command %q", name)
	}
	err := app.Run(args)
	if unknown != nil {
		err = unknown
	}
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		if e.msg != "" {
			fmt.Fprintf(stderr, "fcap: %s\n", e.msg)
		}
		if e.code == exitUsage {
			fmt.Fprintln(stderr, "Run 'fcap help' for usage.")
		}
		return e.code
	}
	fmt.Fprintf(stderr, "fcap: %s\n", err)
	if strings.Contains(err.Error(), "flag provided but not defined") {
		return exitUsage
	}
	return exitFailed
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:    "fcap",
		Usage:   "read, write and explain Linux file capabilities",
		Version: version,
		Description: "fcap manages the security.capability extended attribute safely: it never\n" +
			"follows a symlink, acts on a file descriptor, reads every write back, and\n" +
			"predicts the capabilities a process gets when it executes a file.",
		Reader:                 stdin,
		Writer:                 stdout,
		ErrWriter:              stderr,
		HideHelpCommand:        false,
		UseShortOptionHandling: true,
		ExitErrHandler:         func(*cli.Context, error) {},
		OnUsageError:           onUsageError,
		Commands:               commands(),
	}
}

func commands() []*cli.Command {
	cmds := []*cli.Command{getCommand(), setCommand(), removeCommand()}
	for _, c := range extraCommands {
		cmds = append(cmds, c())
	}
	for _, c := range cmds {
		// No "help" subcommand under a command: "fcap remove help" names
		// a file. "fcap help CMD" and "CMD --help" still work.
		c.HideHelpCommand = true
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return cmds
}

func onUsageError(_ *cli.Context, err error, _ bool) error {
	return usageErrorf("%s", err)
}
