package tarcap

import (
	"io"
	"sort"

	"fcap/audit"
)

// File is a regular file of an archive that carries capabilities or a
// set-id bit, as extracting the archive leaves it: a hard link is a file
// of its own with its target's capabilities and mode.
type File struct {
	// Path is "./" and the entry's key: what `fcap get -r .` prints in
	// the directory the archive was extracted to.
	Path string
	// Name is the entry's name as the archive gives it; Link, for a hard
	// link, the name of the entry it links to.
	Name, Link string
	// Mode holds the permission and set-id bits.
	Mode     uint32
	UID, GID uint32
	// Owner and Group are the user and group names the archive gives.
	Owner, Group string
	// Value is the raw security.capability; nil when there is none.
	Value []byte
}

// Tree is what Scan learns of an archive: its privileged files and its
// directories.
type Tree struct {
	// Files are sorted by Path in byte order, as `fcap get -r` walks.
	Files []File
	dirs  map[string]dirInfo
}

// dirInfo is the mode and owner of a directory entry.
type dirInfo struct {
	mode         uint32
	owner, group audit.ID
}

// Scan reads the uncompressed tar stream src whole and returns its files
// with capabilities or set-id bits and its directories. Memory grows
// with their number, not with the archive's size. An archive whose
// capabilities readers would restore differently is an *Error.
func Scan(src io.Reader) (*Tree, error) {
	s := &scanner{files: map[string]File{}, dirs: map[string]dirInfo{}}
	if err := walk(src, s.entry); err != nil {
		return nil, err
	}
	return s.tree(), nil
}

// ScanStream is Scan for an input that may be compressed.
func ScanStream(src io.Reader) (*Tree, error) {
	in, _, err := Decompress(src)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return Scan(in)
}

// scanner follows what the files of an archive become as it is read.
type scanner struct {
	files map[string]File // by key
	dirs  map[string]dirInfo
}

func (s *scanner) entry(e *entry) error {
	k := Key(e.name)
	delete(s.files, k)
	switch {
	case e.typ == typeGlobal:
	case e.regular():
		return s.file(e, k)
	case e.typ == typeLink:
		return s.link(e, k)
	case e.typ == typeDir:
		s.dirs[k] = dirInfo{mode: uint32(e.mode) & 0o7777,
			owner: audit.ID{N: uint32(e.uid), Name: e.uname}, group: audit.ID{N: uint32(e.gid), Name: e.gname, Group: true}}
	}
	return nil
}

func (s *scanner) file(e *entry, k string) error {
	if e.caps.err != nil {
		return e.caps.err
	}
	mode := uint32(e.mode) & 0o7777
	if e.caps.found || mode&0o6000 != 0 {
		s.files[k] = File{Path: "./" + k, Name: e.name, Mode: mode, UID: uint32(e.uid), GID: uint32(e.gid),
			Owner: e.uname, Group: e.gname, Value: e.caps.value}
	}
	return nil
}

// link makes a hard link a file with its target's attributes. A link's
// own capability record must agree with the target's capabilities.
func (s *scanner) link(e *entry, k string) error {
	target, ok := s.files[Key(e.link)]
	switch {
	case e.caps.err != nil:
		return e.caps.err
	case e.caps.found && !e.caps.same(target.Value):
		return linkMismatch(e, target.Value, "")
	case !ok:
		return nil
	}
	target.Path, target.Name, target.Link = "./"+k, e.name, e.link
	s.files[k] = target
	return nil
}

func (s *scanner) tree() *Tree {
	t := &Tree{Files: make([]File, 0, len(s.files)), dirs: s.dirs}
	for _, f := range s.files {
		t.Files = append(t.Files, f)
	}
	sort.Slice(t.Files, func(i, j int) bool { return t.Files[i].Path < t.Files[j].Path })
	return t
}
