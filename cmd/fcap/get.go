package main

import (
	"bufio"
	"fmt"

	"github.com/urfave/cli/v2"

	"fcap/capfile"
	"fcap/host"
	"fcap/manifest"
	"fcap/model"
	"fcap/xattr"
)

func getCommand() *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "print the capabilities of files, as getcap does",
		ArgsUsage: "PATH...",
		Description: "Prints 'PATH CAPS' for each file that has capabilities, in libcap's\n" +
			"canonical text. Symlinks are never followed; a symlink, directory (without\n" +
			"-r) or other non-regular argument is an error.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "recursive", Aliases: []string{"r"}, Usage: "descend into directories (symlinks are not followed)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "also print files without capabilities"},
			&cli.BoolFlag{Name: "rootid", Aliases: []string{"n"}, Usage: "append [rootid=N] when a namespaced (revision 3) value has a nonzero rootid"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per file"},
			&cli.BoolFlag{Name: "one-file-system", Aliases: []string{"x"}, Usage: "with -r, stay on each argument's filesystem"},
			&cli.BoolFlag{Name: "all-filesystems", Usage: "with -r, also descend into proc, sysfs, cgroup and other pseudo filesystems"},
		},
		Action: runGet,
	}
}

type getter struct {
	rep     *reporter
	verbose bool
	rootid  bool
	json    bool
	last    model.Cap
}

func runGet(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("get", "no PATH given")
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	g := &getter{rep: newReporter(c.App.Writer, c.App.ErrWriter, c.Bool("json")), verbose: c.Bool("verbose"),
		rootid: c.Bool("rootid"), json: c.Bool("json"), last: last}
	opt := xattr.WalkOptions{OneFileSystem: c.Bool("one-file-system"), IncludePseudo: c.Bool("all-filesystems")}
	for _, path := range c.Args().Slice() {
		if c.Bool("recursive") {
			g.walk(path, opt)
		} else {
			g.one(path)
		}
	}
	return outcome(g.rep.failed, false)
}

func (g *getter) one(path string) {
	f, err := xattr.Open(path)
	if err != nil {
		g.rep.fail(path, err)
		return
	}
	defer f.Close()
	value, err := f.Get()
	g.report(path, value, err)
}

// walk prints the files under root. Output is buffered for the walk and
// flushed before each error, so that stdout and stderr keep their order.
func (g *getter) walk(root string, opt xattr.WalkOptions) {
	out := g.rep.out
	buf := bufio.NewWriterSize(out, 64<<10)
	g.rep.out = buf
	defer func() {
		buf.Flush()
		g.rep.out = out
	}()
	opt.OnlyFound = !g.verbose
	limitWalkMemory()
	err := xattr.Walk(root, opt, func(e xattr.Entry) error {
		if e.Err != nil {
			if err := buf.Flush(); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
		}
		g.report(e.Path, e.Value, e.Err)
		return nil
	})
	if err != nil {
		buf.Flush()
		g.rep.fail(root, err)
	}
}

func (g *getter) report(path string, value []byte, err error) {
	if err != nil {
		g.rep.fail(path, err)
		return
	}
	if value == nil {
		if g.verbose {
			g.print(path, nil)
		}
		return
	}
	fc, err := capfile.Decode(value)
	if err != nil {
		g.rep.fail(path, fmt.Errorf("get %s: %w", path, err))
		return
	}
	g.print(path, &fc)
}

func (g *getter) print(path string, fc *model.FileCaps) {
	if g.json {
		writeJSON(g.rep.out, fileJSON{Path: path, Caps: toCapsJSON(fc, g.last)})
		return
	}
	fmt.Fprintln(g.rep.out, manifest.Format(path, fc, g.last, g.rootid))
}
