package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"fcap/host"
	"fcap/manifest"
	"fcap/model"
	"fcap/pkgdb"
)

func baselineCommand() *cli.Command {
	return &cli.Command{
		Name:  "baseline",
		Usage: "print the file capabilities the installed packages declare, as a manifest",
		Description: "Reads the package databases: the setcap calls of dpkg's maintainer scripts\n" +
			"(/var/lib/dpkg/info/*.postinst), without running them, and rpm's FILECAPS (what\n" +
			"%caps declared) when rpm is installed. Prints a manifest, each entry after a\n" +
			"comment naming its package and where it was read; [fallback=setuid] marks a\n" +
			"package that falls back to the setuid bit. A setcap call whose value or path\n" +
			"the script does not fix, or that runs only on a condition decided at run time\n" +
			"(a debconf answer, the version upgraded from), is listed at the end as a\n" +
			"comment with the reason, never guessed. 'fcap baseline | fcap apply --check -'\n" +
			"shows what drifted.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Usage: "read the databases of the system image at `DIR` (rpm --root DIR)"},
		},
		Action: runBaseline,
	}
}

func runBaseline(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("baseline", "takes no arguments")
	}
	if c.IsSet("root") && c.String("root") == "" {
		return usagef("baseline", "--root needs a directory")
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	b, err := pkgdb.Derive(pkgdb.Options{Root: c.String("root"), Last: last})
	if err != nil {
		return err
	}
	printBaseline(c.App.Writer, b, last)
	if n := len(b.Unread); n > 0 {
		fmt.Fprintf(c.App.ErrWriter, "fcap: baseline: %d setcap %s could not be read statically (listed as comments at the end)\n", n, plural(n, "call", "calls"))
	}
	return nil
}

// printBaseline prints the derived baseline as a manifest.
func printBaseline(w io.Writer, b *pkgdb.Baseline, last model.Cap) {
	fmt.Fprintln(w, "# File capabilities the installed packages declare (fcap baseline).")
	for _, r := range b.Read {
		fmt.Fprintf(w, "# %s\n", r)
	}
	for _, e := range b.Entries {
		where := e.From
		if e.Line > 0 {
			where = fmt.Sprintf("%s, %s:%d", e.From, e.File, e.Line)
		}
		fmt.Fprintf(w, "\n# %s (%s)\n", e.Package, where)
		for _, n := range e.Notes {
			fmt.Fprintf(w, "# note: %s\n", n)
		}
		fmt.Fprintln(w, manifest.FormatEntry(e.Entry, last))
	}
	if len(b.Unread) == 0 {
		return
	}
	fmt.Fprintln(w, "\n# Not read statically (listed, not guessed):")
	for _, u := range b.Unread {
		where := u.File
		if u.Line > 0 {
			where = fmt.Sprintf("%s:%d", u.File, u.Line)
		}
		fmt.Fprintf(w, "# %s: %s: %s: %s\n", u.Package, where, oneLine(u.Command), oneLine(u.Reason))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// oneLine keeps a text on one comment line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
