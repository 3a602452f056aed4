package hooks

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Marker is in every file a hook is made of.
const Marker = "Installed by fcap install-hooks"

// Managers are the package managers hooks exist for.
var Managers = []string{"dpkg", "pacman", "dnf"}

// File is one file of a hook, at Path beneath the install root.
type File struct {
	Manager string
	Path    string // absolute, as on the target system
	Content string
}

// Options say what the hooks run.
type Options struct {
	// Fcap is the absolute path of the fcap binary on the target system.
	Fcap string
	// Log is the file the hooks log their changes to (/var/log/fcap.log).
	Log string
}

// DefaultLog is where the hooks log what they change.
const DefaultLog = "/var/log/fcap.log"

// Files returns the files of the hooks for the given managers.
func Files(managers []string, opt Options) ([]File, error) {
	if !filepath.IsAbs(opt.Fcap) {
		return nil, fmt.Errorf("the fcap the hooks run must be an absolute path, not %q", opt.Fcap)
	}
	if opt.Log == "" {
		opt.Log = DefaultLog
	}
	if strings.ContainsAny(opt.Fcap+opt.Log, " \t\n'\"\\$`") {
		return nil, fmt.Errorf("the paths of fcap and of its log must not contain blanks, quotes, backslashes or $ (%q, %q)", opt.Fcap, opt.Log)
	}
	var out []File
	for _, m := range managers {
		fs, ok := templates[m]
		if !ok {
			return nil, fmt.Errorf("no hook for %q (want %s)", m, strings.Join(Managers, ", "))
		}
		for _, f := range fs(opt) {
			f.Manager = m
			out = append(out, f)
		}
	}
	return out, nil
}

// Detect lists the managers whose configuration exists beneath root.
func Detect(root string) []string {
	var found []string
	for _, m := range Managers {
		for _, p := range signs[m] {
			if _, err := os.Stat(filepath.Join(root, p)); err == nil {
				found = append(found, m)
				break
			}
		}
	}
	sort.Strings(found)
	return found
}

// signs are the paths that show a package manager is in use.
var signs = map[string][]string{
	"dpkg":   {"/etc/dpkg", "/var/lib/dpkg"},
	"pacman": {"/etc/pacman.conf", "/etc/pacman.d"},
	"dnf":    {"/etc/dnf"},
}
