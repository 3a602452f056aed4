package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// normalize rewrites a command line so that urfave/cli sees every option
// of the command before its operands: options may come anywhere among the
// operands, as getcap and most Unix tools allow, and `--` ends them.
// Bundled short options (-rv) are split. An unknown option or one that
// lacks its value is a usage error here, before any command runs, so no
// command ever acts on a line that is not wholly understood.
//
// The result is `fcap [global options] CMD... OPTIONS -- OPERANDS`.
func normalize(app *cli.App, args []string) ([]string, error) {
	out := []string{args[0]}
	rest := args[1:]
	var path []string
	cmds, flags := app.Commands, app.Flags
	var opts, operands []string
	for len(rest) > 0 {
		arg := rest[0]
		rest = rest[1:]
		switch {
		case arg == "--":
			operands = append(operands, rest...)
			rest = nil
		case isOption(arg):
			used, err := takeOption(flags, arg, rest, path, &opts)
			if err != nil {
				return nil, err
			}
			rest = rest[used:]
		case len(operands) == 0 && findCommand(cmds, arg) != nil:
			// A (sub)command name: its options come after it.
			c := findCommand(cmds, arg)
			out = append(out, opts...)
			out = append(out, c.Name)
			opts, path = nil, append(path, c.Name)
			cmds, flags = c.Subcommands, c.Flags
		default:
			operands = append(operands, arg)
			if len(path) > 0 && runsProgram[path[len(path)-1]] {
				operands = append(operands, rest...)
				rest = nil
			}
		}
	}
	if len(path) == 0 && len(operands) > 0 {
		return nil, usagef("", "unknown command %q", operands[0])
	}
	out = append(out, opts...)
	if len(operands) > 0 {
		out = append(append(out, "--"), operands...)
	}
	return out, nil
}

// runsProgram names the commands whose operands are a program and its
// arguments: as with env and setpriv, the program's name ends fcap's
// options, so the program's own options stay its own ("fcap run --user
// nobody prog --user root" passes --user root to prog).
var runsProgram = map[string]bool{"run": true}

// isOption reports whether arg is spelt as an option: "-" alone is an
// operand (standard input), as are negative numbers.
func isOption(arg string) bool {
	return len(arg) > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9')
}

// takeOption appends the option arg (and its value, taken from rest when
// it is not attached with =) to opts and returns how many elements of
// rest it used.
func takeOption(flags []cli.Flag, arg string, rest, path []string, opts *[]string) (int, error) {
	name, _, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if isHelp(name) {
		*opts = append(*opts, arg)
		return 0, nil
	}
	f := findFlag(flags, name)
	if f == nil && !strings.HasPrefix(arg, "--") && len(name) > 1 && !hasValue {
		return splitShort(flags, arg, rest, path, opts)
	}
	if f == nil {
		return 0, usagef(strings.Join(path, " "), "unknown option %s", spell(name))
	}
	*opts = append(*opts, arg)
	if !takesValue(f) || hasValue {
		return 0, nil
	}
	if len(rest) == 0 || rest[0] == "--" {
		return 0, usagef(strings.Join(path, " "), "option %s needs a value", spell(name))
	}
	*opts = append(*opts, rest[0])
	return 1, nil
}

// splitShort handles -abc as -a -b -c; the last letter may take a value
// from rest (-n 1000), the others must not.
func splitShort(flags []cli.Flag, arg string, rest, path []string, opts *[]string) (int, error) {
	letters := arg[1:]
	used := 0
	for i := 0; i < len(letters); i++ {
		one := "-" + letters[i:i+1]
		f := findFlag(flags, letters[i:i+1])
		if f == nil {
			return 0, usagef(strings.Join(path, " "), "unknown option %s (in %s)", one, arg)
		}
		if takesValue(f) && i < len(letters)-1 {
			return 0, usagef(strings.Join(path, " "), "option %s needs a value and cannot be bundled in %s", one, arg)
		}
		n, err := takeOption(flags, one, rest, path, opts)
		if err != nil {
			return 0, err
		}
		used += n
	}
	return used, nil
}

func isHelp(name string) bool { return name == "help" || name == "h" }

// spell writes an option's name as it is typed: -n or --rootid.
func spell(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func takesValue(f cli.Flag) bool {
	d, ok := f.(cli.DocGenerationFlag)
	return ok && d.TakesValue()
}
