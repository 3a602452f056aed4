package audit

import (
	"fmt"
	"io"
	"sort"

	"fcap/atomicfile"
	"fcap/manifest"
	"fcap/model"
	"fcap/model/execve"
)

// Recorder collects what a walk finds privileged — set-id files and
// files with capabilities — as the entries of an audit baseline: a
// manifest whose lines also record the mode and owner,
// `/usr/bin/passwd - [mode=4755] [owner=0:0]`, so that `fcap audit
// --baseline` can tell the file as it was from the file changed, and
// `fcap apply` can still put the capabilities back. Files whose value
// cannot be read are left out: they are never expected.
type Recorder struct {
	entries []manifest.Entry
	canon   *canonicalizer
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{canon: newCanonicalizer()} }

// Len is the number of files recorded.
func (r *Recorder) Len() int { return len(r.entries) }

// note records one walked file if it is privileged.
func (r *Recorder) note(in Input) {
	if in.CapsUnreadable || in.CapsMalformed != "" || (!execve.IsSetID(in.Mode) && in.Caps == nil) {
		return
	}
	e := manifest.Entry{Path: r.canon.path(in.Path), None: in.Caps == nil,
		Mode: in.Mode & 0o7777, HasMode: true, UID: in.UID, GID: in.GID, HasOwner: true}
	if in.Caps != nil {
		e.Caps = *in.Caps
	}
	r.entries = append(r.entries, e)
}

// WriteTo writes the baseline: header (comment lines, each starting
// with "# "), then one entry per line in path order.
func (r *Recorder) WriteTo(w io.Writer, header []string, last model.Cap) error {
	sort.SliceStable(r.entries, func(i, j int) bool { return r.entries[i].Path < r.entries[j].Path })
	for _, h := range header {
		if _, err := fmt.Fprintf(w, "# %s\n", h); err != nil {
			return err
		}
	}
	for i, e := range r.entries {
		if i > 0 && e.Path == r.entries[i-1].Path {
			continue // walked twice (overlapping roots)
		}
		if _, err := fmt.Fprintln(w, manifest.FormatEntry(e, last)); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes the baseline to path atomically (package atomicfile).
func (r *Recorder) WriteFile(path string, header []string, last model.Cap) error {
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return r.WriteTo(w, header, last) })
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	return nil
}
