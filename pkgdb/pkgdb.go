package pkgdb

import (
	"fmt"
	"sort"

	"fcap/manifest"
	"fcap/model"
)

// Entry is one file's capabilities as a package declares them. Its
// manifest.Entry has the path, the capabilities, the setuid fallback
// the package falls back to, and File and Line: where it was read.
type Entry struct {
	manifest.Entry
	// Package is the package that declares it.
	Package string
	// From says how: "dpkg postinst" or "rpm %caps".
	From string
	// Notes are remarks for the reader: another package declaring the
	// same path, a dpkg-statoverride on it.
	Notes []string
}

// Unread is a setcap call whose capabilities or path the script does
// not fix (a variable set at run time, a command's output, ...).
type Unread struct {
	Package string
	File    string
	Line    int
	Command string // as written
	Reason  string
}

// Options say where the databases are.
type Options struct {
	// Root is a directory taken as / (an image): the dpkg database is
	// read beneath it and rpm is run with --root.
	Root string
	// RPM is the rpm program; "" looks for rpm on PATH, and no rpm means
	// no rpm database.
	RPM string
	// Last is the running kernel's last capability.
	Last model.Cap
}

// Baseline is what the package databases declare.
type Baseline struct {
	// Entries are sorted by path; a path declared twice is one entry
	// with a note.
	Entries []Entry
	Unread  []Unread
	// Read says what each database contributed, for a header.
	Read []string
}

// Derive reads every package database it finds. An error is returned
// only when a database that exists cannot be read.
func Derive(opt Options) (*Baseline, error) {
	b := &Baseline{}
	var all []Entry
	for _, read := range []func(Options) ([]Entry, []Unread, string, error){readDpkg, readRPM} {
		entries, unread, summary, err := read(opt)
		if err != nil {
			return nil, err
		}
		all = append(all, entries...)
		b.Unread = append(b.Unread, unread...)
		b.Read = append(b.Read, summary)
	}
	b.Entries = merge(all)
	return b, nil
}

// merge sorts entries by path and keeps the first of a path declared
// more than once, noting the others.
func merge(all []Entry) []Entry {
	sort.SliceStable(all, func(i, j int) bool { return all[i].Path < all[j].Path })
	var out []Entry
	for _, e := range all {
		if n := len(out); n > 0 && out[n-1].Path == e.Path {
			out[n-1].Notes = append(out[n-1].Notes, alsoDeclared(out[n-1], e))
			continue
		}
		out = append(out, e)
	}
	return out
}

// alsoDeclared notes a second declaration of the same path.
func alsoDeclared(first, e Entry) string {
	where := fmt.Sprintf("%s (%s:%d)", e.Package, e.File, e.Line)
	if e.File == "" || e.Line == 0 {
		where = fmt.Sprintf("%s (%s)", e.Package, e.From)
	}
	if e.None == first.None && (e.None || e.Caps.SameCaps(first.Caps)) {
		return "also declared by " + where
	}
	return fmt.Sprintf("declared differently by %s: %s", where, e.Text)
}
