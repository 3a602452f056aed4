package hooks

// templates make each manager's hook files.
var templates = map[string]func(Options) []File{
	"dpkg":   dpkgHook,
	"pacman": pacmanHook,
	"dnf":    dnfHooks,
}

// header is the comment every hook file starts with.
func header(what string) string {
	return "# " + Marker + ": " + what + "\n" +
		"# re-applies the file capabilities declared in /etc/fcap.d, /run/fcap.d,\n" +
		"# /usr/local/lib/fcap.d and /usr/lib/fcap.d (fcap apply --system), which a\n" +
		"# package upgrade drops, and logs each change. Remove with\n" +
		"# fcap install-hooks --remove.\n"
}

// applyArgs is the command line the hooks run.
func applyArgs(opt Options) string {
	return opt.Fcap + " apply --system --quiet --log " + opt.Log
}

// dpkgHook runs after every dpkg run that changes packages (install,
// unpack, configure, remove, purge, triggers), also when apt runs dpkg.
// With dpkg --root (DPKG_ROOT set), it applies the drop-ins of that
// root beneath it. A failure is reported but never fails dpkg.
func dpkgHook(opt Options) []File {
	cmd := "if [ -x " + opt.Fcap + " ]; then " + opt.Fcap + " apply --system --quiet --log ${DPKG_ROOT:-}" + opt.Log +
		" ${DPKG_ROOT:+--root-symlinks --root $DPKG_ROOT} || true; fi"
	return []File{{
		Path: "/etc/dpkg/dpkg.cfg.d/fcap",
		Content: header("after dpkg changes packages (also under apt), it") +
			"post-invoke=\"" + cmd + "\"\n",
	}}
}

// pacmanHook runs once after every transaction that installs or
// upgrades a package.
func pacmanHook(opt Options) []File {
	return []File{{
		Path: "/etc/pacman.d/hooks/90-fcap.hook",
		Content: header("after a pacman transaction, it") +
			"[Trigger]\n" +
			"Operation = Install\n" +
			"Operation = Upgrade\n" +
			"Type = Package\n" +
			"Target = *\n\n" +
			"[Action]\n" +
			"Description = Re-applying declared file capabilities (fcap apply --system)...\n" +
			"When = PostTransaction\n" +
			"Exec = /bin/sh -c '[ ! -x " + opt.Fcap + " ] || " + applyArgs(opt) + "'\n",
	}}
}

// dnfHooks run once after every transaction that brings packages in:
// dnf 4's post-transaction-actions plugin and dnf 5's actions plugin
// (each action is run once per transaction however many packages
// matched).
func dnfHooks(opt Options) []File {
	return []File{
		{
			Path: "/etc/dnf/plugins/post-transaction-actions.d/fcap.action",
			Content: header("after a dnf 4 transaction (needs the post-transaction-actions plugin), it") +
				"*:in:" + applyArgs(opt) + "\n",
		},
		{
			Path: "/etc/dnf/libdnf5-plugins/actions.d/fcap.actions",
			Content: header("after a dnf 5 transaction (needs the actions plugin), it") +
				"post_transaction::::" + applyArgs(opt) + "\n",
		},
	}
}
