package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"fcap/capfile"
	"fcap/manifest"
	"fcap/model"
	"fcap/tarcap"
)

// tarCommand groups the commands that work on archives and images
// instead of files (package tarcap, package ocicap).
func tarCommand() *cli.Command {
	return &cli.Command{
		Name:  "tar",
		Usage: "set, check, list, strip and audit capabilities in tar archives and OCI images, without root",
		Description: "The capability of a file in an archive is the PAX record\n" +
			"SCHILY.xattr.security.capability of its entry, which GNU tar\n" +
			"(--xattrs --xattrs-include='*'), bsdtar and container runtimes restore.\n" +
			"fcap edits the stream byte for byte: only the PAX header of an entry whose\n" +
			"capabilities change is rewritten or inserted. Archives may be plain, gzip\n" +
			"or zstd; paths are relative to the archive's root (./usr/bin/ping,\n" +
			"usr/bin/ping and /usr/bin/ping name the same entry).",
		Subcommands: []*cli.Command{
			tarApplyCommand(), tarAuditCommand(), tarGetCommand(), tarImageCommand(), tarStripCommand(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("tar", "unknown command %q (apply, audit, get, image, strip)", c.Args().First())
			}
			return usagef("tar", "no command given (apply, audit, get, image, strip)")
		},
	}
}

// Options several tar commands share.
var (
	rootIDFlag = &cli.Uint64Flag{Name: "rootid", Aliases: []string{"n"},
		Usage: "write namespaced (revision 3) values owned by root uid `ROOTID` (lines with their own [rootid=N] keep it); default revision 2"}
	compressFlag = &cli.StringFlag{Name: "compress", Value: "auto",
		Usage: "compress the output archive with `METHOD`: auto (as the input), none, gzip or zstd"}
	quietFlag = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print the changes"}
)

// tarRootID reads --rootid.
func tarRootID(c *cli.Context) (uint32, error) {
	id := c.Uint64("rootid")
	if id > 1<<32-2 {
		return 0, usagef(commandPath(c), "--rootid %d out of range (0-%d)", id, uint64(1<<32-2))
	}
	return uint32(id), nil
}

// readTarPlan reads the manifest argument ("-": standard input).
func readTarPlan(c *cli.Context, arg string, last model.Cap) (*tarcap.Plan, error) {
	rootID, err := tarRootID(c)
	if err != nil {
		return nil, err
	}
	r, name := c.App.Reader, "<stdin>"
	if arg != "-" {
		f, err := os.Open(arg)
		if err != nil {
			return nil, fmt.Errorf("%s: open manifest: %w", commandPath(c), err)
		}
		defer f.Close()
		r, name = f, arg
	}
	p, err := tarcap.ReadPlan(r, name, last, tarcap.PlanOptions{RootID: rootID})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", commandPath(c), err)
	}
	return p, nil
}

// openTarInput opens an archive argument. "-" is standard input, passed
// on as it is: a redirected file stays a file, which tarcap copies from
// inside the kernel. done closes what was opened.
func openTarInput(c *cli.Context, arg string) (r io.Reader, done func(), err error) {
	if arg == "-" {
		return c.App.Reader, func() {}, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: open archive: %w", commandPath(c), err)
	}
	return f, func() { f.Close() }, nil
}

// tarStream is one run of a command that rewrites an archive: where it
// reads, where the new archive goes and where the changes are printed.
type tarStream struct {
	cmd    string
	in     io.Reader
	done   func() // closes in
	out    io.Writer
	file   *tarcap.OutputFile // when the archive goes to a file
	report io.Writer          // the changes: stdout, unless the archive is there
	comp   tarcap.Compression
	last   model.Cap
}

// openTarStream sets up a rewrite from IN to OUT (both optional, "-"
// for the standard streams). A terminal is refused as the output.
func openTarStream(c *cli.Context, in, out string, last model.Cap) (*tarStream, error) {
	cmd := commandPath(c)
	comp, err := tarcap.ParseCompression(c.String("compress"))
	if err != nil {
		return nil, usagef(cmd, "--compress: %s", err)
	}
	s := &tarStream{cmd: cmd, out: c.App.Writer, report: c.App.ErrWriter, comp: comp, last: last}
	if out == "-" {
		if f, ok := c.App.Writer.(*os.File); ok && isTerminal(f) {
			return nil, usagef(cmd, "refusing to write an archive to a terminal (give OUT or redirect the output)")
		}
	} else {
		if s.file, err = tarcap.CreateOutput(out); err != nil {
			return nil, err
		}
		s.out, s.report = s.file, c.App.Writer
	}
	if s.in, s.done, err = openTarInput(c, in); err != nil {
		s.abort()
		return nil, err
	}
	if c.Bool("quiet") {
		s.report = io.Discard
	}
	return s, nil
}

// run edits the archive with plan and commits the output file. The
// changes are printed once the new archive is whole: none when it fails.
func (s *tarStream) run(c *cli.Context, plan *tarcap.Plan) error {
	defer s.done()
	var changes []string
	_, err := tarcap.EditStream(s.out, s.in, plan, s.comp, func(ch tarcap.Change) {
		changes = append(changes, changeLine(ch, s.last))
	})
	if err == nil && s.file != nil {
		err = s.file.Commit()
	}
	if err != nil {
		s.abort()
		printTarError(c, err)
		if s.file == nil {
			fmt.Fprintf(c.App.ErrWriter, "fcap: %s: the archive written to standard output is incomplete (it ends in an entry no reader accepts)\n", s.cmd)
		}
		return errFailed
	}
	for _, line := range changes {
		fmt.Fprintln(s.report, line)
	}
	return nil
}

func (s *tarStream) abort() {
	if s.file != nil {
		s.file.Abort()
	}
}

// changeLine describes a change as `fcap apply` does: "PATH: set X (was Y)", "PATH: removed
// (was Y)", and for a hard link's own record "PATH (hard link to T): ...".
func changeLine(ch tarcap.Change, last model.Cap) string {
	name := manifest.Escape(ch.Name)
	if ch.Link != "" {
		name += " (hard link to " + manifest.Escape(ch.Link) + ")"
	}
	if ch.Now == nil {
		return fmt.Sprintf("%s: removed (was %s)", name, valueText(ch.Was, last))
	}
	return fmt.Sprintf("%s: set %s (was %s)", name, valueText(ch.Now, last), valueText(ch.Was, last))
}

// driftLine describes a difference: "PATH: has X, want Y".
func driftLine(ch tarcap.Change, last model.Cap) string {
	return fmt.Sprintf("%s: has %s, want %s", manifest.Escape(ch.Name), valueText(ch.Was, last), valueText(ch.Now, last))
}

// valueText prints a raw value as `fcap get -n` does.
func valueText(v []byte, last model.Cap) string {
	if v == nil {
		return "none"
	}
	fc, err := capfile.Decode(v)
	if err != nil {
		return fmt.Sprintf("an invalid value (%x)", v)
	}
	return fc.Format(last)
}

// printTarError reports an error of a tar command: one line per missing
// manifest entry, else one line.
func printTarError(c *cli.Context, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(c.App.ErrWriter, "fcap: %s: %s\n", commandPath(c), line)
	}
}
