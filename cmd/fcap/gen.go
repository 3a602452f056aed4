package main

// Hidden commands that print the man page and the shell completions from
// the command definitions (`make docs` writes them under docs/).

import (
	"github.com/urfave/cli/v2"

	"fcap/internal/clidoc"
)

func genManCommand() *cli.Command {
	return &cli.Command{
		Name:   "gen-man",
		Usage:  "print the man page (roff, section 8) built from the command definitions",
		Hidden: true,
		Action: func(c *cli.Context) error {
			clidoc.Man(c.App.Writer, c.App, manPage)
			return nil
		},
	}
}

func genCompletionCommand() *cli.Command {
	return &cli.Command{
		Name:      "gen-completion",
		Usage:     "print the completion script for bash or zsh",
		ArgsUsage: "bash|zsh",
		Hidden:    true,
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "bash":
				clidoc.Bash(c.App.Writer, c.App)
			case "zsh":
				clidoc.Zsh(c.App.Writer, c.App)
			default:
				return usagef("gen-completion", "want bash or zsh")
			}
			return nil
		},
	}
}

// manPage is what the man page says beyond the command definitions.
var manPage = clidoc.Page{
	Synopsis: []string{
		"setcap [-h] [-q] [-v] [-n ROOTID] (-r|-|CAPS) FILE [...]",
		"getcap [-h] [-n] [-r] [-v] FILE...",
	},
	Description: `fcap manages Linux file capabilities: the security.capability extended
attribute that lets a program such as ping run with only cap_net_raw instead of
being setuid root. It reads and writes the same values and prints the same text
as libcap's setcap and getcap, and predicts, as the kernel will, the
capability sets a process gets when it executes a file. fcap run starts a
program in its place as another user with only the capabilities it needs,
and fcap ps shows the capabilities of running processes.

fcap is safe on paths other users control: it never follows a symlink as the
last component of a path, opens every file with O_PATH|O_NOFOLLOW, refuses
anything but a regular file before opening it for anything else, follows a
symlinked directory only when root or the caller owns it, writes only through
the descriptor it checked, and reads every write back.

Options may come anywhere among the operands; -- ends them. Capability text
is libcap's (cap_from_text(3)): for example cap_net_raw=ep or
cap_chown,cap_fowner+ep. In manifests and in the output of fcap get, a byte of
a path that would end the path or the line (a blank, a control character, a
backslash, a leading #) is written as a three-digit octal escape, \040 for a
space, as in fstab(5).

A system declares its file capabilities in drop-in manifests, as tmpfiles.d
declares files: *.conf in /etc/fcap.d (the administrator's, overriding a file
of the same name in the others; a symlink to /dev/null masks it),
/run/fcap.d, /usr/local/lib/fcap.d and /usr/lib/fcap.d (shipped by packages).
fcap apply --system applies them, fcap install-hooks makes dpkg, pacman and
dnf do so after every package operation (logging to /var/log/fcap.log), and
fcap audit rates what they declare as expected. A drop-in, or a directory on
its way, that anyone but root could change is refused.`,
	ExitStatus: `0: everything was done.

1: a path failed (each failure is reported on standard error, and with --json
in the output too, and the other paths are still processed), a check found a
difference, or an audit finding reached --fail-on.

2: the command line is wrong (an unknown option, a missing value, bad
capability text in an argument or option); nothing was done.

3: a setuid bit stands in for capabilities that the filesystem cannot store
(convert, apply --fallback-setuid), and nothing failed.

fcap run exits 1 or 2 when it refuses to start the program (nothing was
changed); once the program runs in its place, the status is the program's.`,
	Examples: [][2]string{
		{"List the programs under /usr/bin that have capabilities:", "fcap get -r /usr/bin"},
		{"Let ping run with only cap_net_raw instead of being setuid root, and undo it:",
			"fcap convert /usr/bin/ping\nfcap convert --revert /usr/bin/ping"},
		{"Will the user nobody get cap_net_raw when running ping?", "fcap explain --user nobody /usr/bin/ping"},
		{"Remember an image's capabilities, then put them back after a rebuild that lost them:",
			"cd /srv/image && fcap get -r . > /etc/image.caps\nfcap apply --check --root /srv/image /etc/image.caps\nfcap apply --root /srv/image /etc/image.caps"},
		{"A package declares ping's capability (or the setuid bit where the filesystem cannot store capabilities) and its postinst applies the drop-ins:",
			"echo '/usr/bin/ping cap_net_raw=ep [fallback=setuid]' > /usr/lib/fcap.d/iputils-ping.conf\nfcap apply --system"},
		{"Put declared capabilities back after every dpkg, pacman or dnf transaction:", "fcap install-hooks"},
		{"What do the installed packages expect, and what drifted?", "fcap baseline | fcap apply --check -"},
		{"Fail a CI job on risky privileges:", "fcap audit --fail-on high /usr"},
		{"Without root, give a program in a build's layer cap_net_bind_service, and list what the layer holds:",
			"echo '/usr/bin/server cap_net_bind_service=ep' | fcap tar apply - layer.tar.gz layer.tar.gz\nfcap tar get layer.tar.gz"},
		{"Set capabilities in an image copied with skopeo, in the layers that hold the files:",
			"skopeo copy docker-archive:app.tar oci:app:latest\nfcap tar image caps.txt app:latest"},
		{"Record today's set-id files and capabilities, then fail CI only on a change:",
			"fcap audit --write-baseline /var/lib/fcap/baseline /\nfcap audit --baseline /var/lib/fcap/baseline --fail-on low /"},
		{"Start a mail server as ecuser that may still bind port 25, never root again (check first with --dry-run):",
			"fcap run --user ecuser --caps cap_net_bind_service+ep -- /usr/sbin/mailserver"},
		{"Which running processes hold capabilities, and what does one of them have?", "fcap ps\nfcap ps --pid 1"},
	},
	Personalities: `Invoked as setcap or getcap (for example through the symlinks that fcap
install-compat makes), fcap takes libcap 2.66's options and prints the same
output, messages and exit statuses as those programs, so scripts and package
maintainer scripts keep working. It still never follows a symlink and writes
only through a descriptor it has checked; where that makes it differ, it says
why in its message.`,
	SeeAlso: []string{"capabilities(7)", "setcap(8)", "getcap(8)", "capsh(1)", "setpriv(1)", "pscap(8)", "systemd.exec(5)", "execve(2)", "xattr(7)"},
}
