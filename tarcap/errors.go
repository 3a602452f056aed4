package tarcap

import (
	"fmt"
	"strings"

	"fcap/manifest"
)

// Error is a problem with one entry of an archive: the archive is
// malformed there, readers would disagree on it, or the manifest asks
// for something the entry cannot take.
type Error struct {
	// Entry is the entry's name as the archive gives it, or a
	// description ("PAX header \"./PaxHeaders/x\"") when the problem
	// comes before its name is known; "" when nothing names it.
	Entry string
	// Index is the 1-based number of the entry in the archive, counting
	// global headers; Offset is the byte offset of its first header
	// block in the uncompressed stream.
	Index  int
	Offset int64
	Reason string
}

func (e *Error) Error() string {
	where := fmt.Sprintf("entry %d at byte %d", e.Index, e.Offset)
	if e.Entry == "" {
		return where + ": " + e.Reason
	}
	return fmt.Sprintf("%s (%s): %s", e.Entry, where, e.Reason)
}

// displayName is an archive name as messages print it: escaped as a
// manifest escapes paths, so control bytes cannot forge output.
func displayName(name string) string { return manifest.Escape(name) }

// MissingError lists manifest entries that name nothing in the archive.
type MissingError struct {
	Entries []manifest.Entry
	// In is what they are missing from: "archive" or "image".
	In string
}

func (e *MissingError) Error() string {
	lines := make([]string, len(e.Entries))
	for i, m := range e.Entries {
		lines[i] = (&manifest.Error{File: m.File, Line: m.Line,
			Reason: fmt.Sprintf("%s: no such file in the %s", displayName(m.Path), e.In)}).Error()
	}
	return strings.Join(lines, "\n")
}
