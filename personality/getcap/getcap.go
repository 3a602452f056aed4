// Package getcap is fcap invoked as getcap: it takes libcap 2.66's
// getcap arguments and gives the same output, messages and exit status,
// reading every file through the O_PATH descriptor package xattr opens
// and walking trees with its walker. docs/COMPAT.md lists every
// difference.
package getcap

import (
	"fcap/capfile"
	"fcap/host"
	"fcap/model"
	"fcap/personality"
	"fcap/xattr"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// getcapUsage is getcap 2.66's usage text, byte for byte.
const getcapUsage = "usage: getcap [-h] [-l] [-n] [-r] [-v] <filename> [<filename> ...]\n" +
	"\n" +
	"\tdisplays the capabilities on the queried file(s).\n"

// Options are what a getcap run needs from outside.
type Options struct {
	// Version is fcap's, for -l.
	Version string
	// PosixlyCorrect stops options at the first operand, as glibc's
	// getopt does when POSIXLY_CORRECT is set.
	PosixlyCorrect bool
}

// run is the state of one getcap invocation.
type run struct {
	Options
	argv0                      string
	emit                       func(personality.Event)
	recursive, verbose, rootid bool
	last                       model.Cap
}

// Run runs getcap with args (args[0] is the name it was invoked as),
// calling emit for each piece of output, and returns the exit status.
// Problems are reported on stderr but only a usage error changes the
// exit status.
func Run(args []string, opt Options, emit func(personality.Event)) int {
	g := &run{Options: opt, argv0: args[0], emit: emit}
	files, status, done := g.options(args[1:])
	if done {
		return status
	}
	if len(files) == 0 {
		return g.usage(false)
	}
	last, err := host.LastCap()
	if err != nil {
		emit(personality.Event{Err: err, Stderr: err.Error() + "\n"})
		return 1
	}
	g.last = last
	for _, name := range files {
		g.arg(name)
	}
	return 0
}

// usage prints getcap's usage; ok selects status 0 (-h) or 1.
func (g *run) usage(ok bool) int {
	g.emit(personality.Event{Stderr: getcapUsage})
	if ok {
		return 0
	}
	return 1
}

// options parses args as glibc getopt(3) does with "rvhnl": bundling
// (-rv), options after operands (unless POSIXLY_CORRECT is set), and --
// ending the options.
func (g *run) options(args []string) (files []string, status int, done bool) {
	posix := g.PosixlyCorrect
	for i, a := range args {
		if a == "--" {
			return append(files, args[i+1:]...), 0, false
		}
		if len(a) < 2 || a[0] != '-' {
			if posix {
				return append(files, args[i:]...), 0, false
			}
			files = append(files, a)
			continue
		}
		for _, c := range []byte(a[1:]) {
			if status, done := g.option(c); done {
				return nil, status, true
			}
		}
	}
	return files, 0, false
}

// option applies one option letter; -h, -l and unknown letters end the
// run.
func (g *run) option(c byte) (status int, done bool) {
	switch c {
	case 'r':
		g.recursive = true
	case 'v':
		g.verbose = true
	case 'n':
		g.rootid = true
	case 'h':
		return g.usage(true), true
	case 'l':
		g.emit(personality.Event{Stdout: personality.License(g.argv0, g.Version, "getcap")})
		return 0, true
	default:
		g.emit(personality.Event{Stderr: fmt.Sprintf("%s: invalid option -- '%s'\n", g.argv0, []byte{c})})
		return g.usage(false), true
	}
	return 0, false
}

// arg reports one command-line argument. Like getcap it looks at the
// path with lstat first: a symlink or a directory (without -r) is not a
// regular file.
func (g *run) arg(name string) {
	var st unix.Stat_t
	if err := unix.Lstat(name, &st); err != nil {
		g.emit(personality.Event{Path: name, Err: err, Stderr: fmt.Sprintf("%s (%s)\n", name, personality.Strerror(err))})
		return
	}
	switch {
	case g.recursive:
		g.walk(name)
	case st.Mode&unix.S_IFMT == unix.S_IFREG:
		g.file(name)
	default:
		g.notRegular(name)
	}
}

// notRegular reports, with -v only, a path getcap does not read.
func (g *run) notRegular(path string) {
	if g.verbose {
		g.emit(personality.Event{Path: path, Stdout: path + " (Not a regular file)\n"})
	}
}

// file reports a regular file through its O_PATH descriptor.
func (g *run) file(path string) {
	f, err := xattr.Open(path)
	if xattr.IsKind(err, xattr.Symlink) || xattr.IsKind(err, xattr.NotRegular) {
		g.notRegular(path)
		return
	}
	if err != nil {
		g.failed(path, err)
		return
	}
	defer f.Close()
	value, err := f.Get()
	if err != nil {
		g.failed(path, err)
		return
	}
	g.show(path, value)
}

// failed reports a file whose capabilities could not be read.
func (g *run) failed(path string, err error) {
	g.emit(personality.Event{Path: path, Err: err, Stderr: fmt.Sprintf("Failed to get capabilities of file '%s' (%s)\n", path, personality.Strerror(err))})
}

// show prints one regular file's value as getcap does.
func (g *run) show(path string, value []byte) {
	if value == nil {
		if g.verbose {
			g.emit(personality.Event{Path: path, Stdout: path + "\n"})
		}
		return
	}
	fc, err := capfile.Decode(value)
	if err != nil {
		g.failed(path, personality.DecodeErrno(value))
		return
	}
	line := path + " " + fc.Caps().Format(g.last)
	if g.rootid && fc.RootID != ^uint32(0) {
		line += model.RootIDSuffix(fc.RootID, true)
	}
	g.emit(personality.Event{Path: path, Stdout: line + "\n"})
}

// walk is getcap -r, through xattr.Walk. Like nftw(3), it does not follow
// a symlink given as the argument, even with a trailing slash, and names
// entries after the argument with its trailing slashes removed. Walk
// reports regular files only, so below the argument directories, symlinks
// and other non-regular entries are not listed by -v (docs/COMPAT.md).
func (g *run) walk(name string) {
	root := trimTrailingSlashes(name)
	var st unix.Stat_t
	if unix.Lstat(root, &st) != nil {
		return
	}
	if st.Mode&unix.S_IFMT == unix.S_IFREG {
		g.file(root)
		return
	}
	g.notRegular(root)
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return
	}
	_ = xattr.Walk(root, xattr.WalkOptions{OnlyFound: !g.verbose}, func(e xattr.Entry) error {
		g.entry(nftwPath(root, e.Path), e)
		return nil
	})
}

// entry reports one file met by the walk.
func (g *run) entry(path string, e xattr.Entry) {
	if e.Err == nil {
		g.show(path, e.Value)
		return
	}
	var st unix.Stat_t
	if unix.Lstat(e.Path, &st) == nil && st.Mode&unix.S_IFMT != unix.S_IFREG {
		g.notRegular(path) // an unreadable directory, or a file replaced meanwhile
		return
	}
	g.failed(path, e.Err)
}

// trimTrailingSlashes removes trailing slashes as nftw does, keeping "/".
func trimTrailingSlashes(p string) string {
	t := strings.TrimRight(p, "/")
	if t == "" && p != "" {
		return "/"
	}
	return t
}

// nftwPath names a walked path the way nftw builds it: the root as given
// (trailing slashes removed), then "/" and the path below it.
func nftwPath(root, p string) string {
	rel, err := filepath.Rel(filepath.Clean(root), p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return p
	}
	if rel == "." {
		return root
	}
	if strings.HasSuffix(root, "/") {
		return root + rel
	}
	return root + "/" + rel
}
