package manifest

import (
	"fmt"
	"strings"

	"fcap/model"
)

// Format is the manifest line for a file with capabilities fc (nil: none)
// without its newline, as `fcap get` prints it: the escaped path, then
// the text, then ` [rootid=N]` when rootID is set and the value has one.
// A file without capabilities is the bare path, which Parse reads as
// "none".
func Format(path string, fc *model.FileCaps, last model.Cap, rootID bool) string {
	p := Escape(path)
	if fc == nil {
		return p
	}
	text := fc.Caps().Format(last)
	if rootID {
		text = fc.Format(last)
	}
	return p + " " + text
}

// FormatEntry is e as a manifest line without its newline, options
// included, so Parse reads it back to the same entry: the escaped path,
// the text (`-` for none), then [rootid=N], [fallback=setuid],
// [mode=NNNN] and [owner=UID:GID] as e has them.
func FormatEntry(e Entry, last model.Cap) string {
	var b strings.Builder
	b.WriteString(Escape(e.Path))
	if e.None {
		b.WriteString(" -")
	} else {
		b.WriteString(" " + e.Caps.Format(last))
	}
	if e.Fallback == FallbackSetuid {
		b.WriteString(" [fallback=setuid]")
	}
	if e.HasMode {
		fmt.Fprintf(&b, " [mode=%04o]", e.Mode)
	}
	if e.HasOwner {
		fmt.Fprintf(&b, " [owner=%d:%d]", e.UID, e.GID)
	}
	return b.String()
}
