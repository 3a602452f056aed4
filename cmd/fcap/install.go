package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

// compatNames are the programs fcap stands in for (see compat.go).
var compatNames = []string{"setcap", "getcap"}

func installCompatCommand() *cli.Command {
	return &cli.Command{
		Name:      "install-compat",
		Usage:     "make setcap and getcap symlinks to fcap in DIR",
		ArgsUsage: "DIR",
		Description: "Creates DIR/setcap and DIR/getcap as symlinks to the running fcap binary\n" +
			"(or to --target). Invoked under those names, fcap behaves as libcap's\n" +
			"setcap and getcap (docs/COMPAT.md). DIR is created if needed. An existing\n" +
			"link to fcap is replaced; any other existing file is left alone and is an\n" +
			"error unless --force is given. Nothing is changed unless both links can be\n" +
			"made.",
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
	dir := c.Args().First()
	target, err := compatTarget(c.String("target"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install-compat: %w", err)
	}
	var refused bool
	for _, name := range compatNames {
		if err := checkReplaceable(filepath.Join(dir, name), dir, target, c.Bool("force")); err != nil {
			fmt.Fprintf(c.App.ErrWriter, "fcap: install-compat: %s\n", err)
			refused = true
		}
	}
	if refused {
		return errFailed
	}
	for _, name := range compatNames {
		link := filepath.Join(dir, name)
		if err := replaceWithSymlink(link, target); err != nil {
			return fmt.Errorf("install-compat: %w", err)
		}
		fmt.Fprintf(c.App.Writer, "%s -> %s\n", link, target)
	}
	return nil
}

// compatTarget is what the links point to: the flag's value, or the
// running binary with its symlinks resolved.
func compatTarget(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("install-compat: find the running fcap: %w", err)
	}
	return filepath.EvalSymlinks(exe)
}

// checkReplaceable says whether link may be (re)created: it does not
// exist, it is already a link to fcap, or force is set and it is not a
// directory.
func checkReplaceable(link, dir, target string, force bool) error {
	info, err := os.Lstat(link)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a directory; not replacing it", link)
	}
	if force || isFcapLink(link, dir, target) {
		return nil
	}
	return fmt.Errorf("%s exists and is not a link to fcap; not replacing it (use --force)", link)
}

// isFcapLink reports whether link is a symlink to target, to the same
// file as target, or to a file named fcap (an earlier install).
func isFcapLink(link, dir, target string) bool {
	dest, err := os.Readlink(link)
	if err != nil {
		return false
	}
	if dest == target || filepath.Base(dest) == "fcap" {
		return true
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	a, errA := os.Stat(link)
	b, errB := os.Stat(target)
	return errA == nil && errB == nil && os.SameFile(a, b)
}

// replaceWithSymlink makes link a symlink to target atomically: a new
// link is made beside it and renamed over it.
func replaceWithSymlink(link, target string) error {
	if dest, err := os.Readlink(link); err == nil && dest == target {
		return nil
	}
	tmp := fmt.Sprintf("%s.fcap-tmp-%d", link, os.Getpid())
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
