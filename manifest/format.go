package manifest

import "fcap/model"

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
