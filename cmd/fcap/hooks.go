package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"fcap/hooks"
)

func installHooksCommand() *cli.Command {
	return &cli.Command{
		Name:  "install-hooks",
		Usage: "install (or --remove) the package-manager hooks that re-apply the drop-ins",
		Description: "A package upgrade rewrites files and the kernel drops their capabilities. The\n" +
			"hooks run 'fcap apply --system --quiet --log /var/log/fcap.log' after every\n" +
			"package operation: dpkg's post-invoke in /etc/dpkg/dpkg.cfg.d/fcap (after\n" +
			"dpkg -i and under apt; beneath DPKG_ROOT with dpkg --root), a pacman hook in\n" +
			"/etc/pacman.d/hooks/90-fcap.hook, and dnf actions in\n" +
			"/etc/dnf/plugins/post-transaction-actions.d/fcap.action (dnf 4) and\n" +
			"/etc/dnf/libdnf5-plugins/actions.d/fcap.actions (dnf 5). Only the drop-ins'\n" +
			"files are opened, so they cost a few milliseconds; a failure is logged and\n" +
			"printed but never fails the package operation. By default hooks are installed\n" +
			"for the package managers found on the system. Files that exist and were not\n" +
			"written by fcap are left alone unless --force; --remove removes only fcap's.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "remove", Usage: "remove the hooks instead"},
			&cli.StringSliceFlag{Name: "for", Usage: "only for these package managers: dpkg, pacman, dnf (default: those found; with --remove: all)"},
			&cli.StringFlag{Name: "root", Usage: "write beneath `DIR` (a DESTDIR or image) instead of /"},
			&cli.StringFlag{Name: "fcap", Usage: "the fcap the hooks run, an absolute `PATH` on the target system (default: this fcap)"},
			&cli.StringFlag{Name: "log", Value: hooks.DefaultLog, Usage: "the `FILE` the hooks log their changes to"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace hook files that fcap did not write"},
		},
		Action: runInstallHooks,
	}
}

func runInstallHooks(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("install-hooks", "takes no arguments")
	}
	root := c.String("root")
	managers, err := hookManagers(c, root)
	if err != nil {
		return err
	}
	fcapPath, err := hookFcap(c.String("fcap"))
	if err != nil {
		return err
	}
	files, err := hooks.Files(managers, hooks.Options{Fcap: fcapPath, Log: c.String("log")})
	if err != nil {
		return usagef("install-hooks", "%s", err)
	}
	var results []hooks.Result
	if c.Bool("remove") {
		results = hooks.Remove(root, files)
	} else {
		results = hooks.Install(root, files, c.Bool("force"))
	}
	rep := newReporter(c.App.Writer, c.App.ErrWriter, false)
	for _, r := range results {
		printHookResult(rep, r)
	}
	return outcome(rep.failed, false)
}

// hookManagers are the managers named with --for, or those found
// beneath root (all of them for --remove).
func hookManagers(c *cli.Context, root string) ([]string, error) {
	var named []string
	for _, v := range c.StringSlice("for") {
		named = append(named, strings.Split(v, ",")...)
	}
	switch {
	case len(named) > 0:
		return named, nil
	case c.Bool("remove"):
		return hooks.Managers, nil
	}
	found := hooks.Detect(root)
	if len(found) == 0 {
		if root == "" {
			root = "/"
		}
		return nil, fmt.Errorf("install-hooks: no package manager found beneath %s (looked for %s); name one with --for",
			root, strings.Join(hooks.Managers, ", "))
	}
	return found, nil
}

// hookFcap is the fcap the hooks run: the flag's value, or this binary
// with its symlinks resolved.
func hookFcap(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("install-hooks: find the running fcap: %w (give --fcap)", err)
	}
	return filepath.EvalSymlinks(exe)
}

func printHookResult(rep *reporter, r hooks.Result) {
	switch {
	case r.Err != nil:
		rep.fail(r.Target, r.Err)
	case r.Action == hooks.Written:
		fmt.Fprintf(rep.out, "installed %s (%s)\n", r.Target, r.File.Manager)
	case r.Action == hooks.Unchanged:
		fmt.Fprintf(rep.out, "%s: already installed\n", r.Target)
	case r.Action == hooks.Removed:
		fmt.Fprintf(rep.out, "removed %s\n", r.Target)
	}
}
