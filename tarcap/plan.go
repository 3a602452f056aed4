package tarcap

import (
	"fmt"
	"io"
	"path"
	"sort"

	"fcap/capfile"
	"fcap/manifest"
	"fcap/model"
)

// Key is the name by which entries and manifest paths are matched: the
// path relative to the archive root, cleaned, with no leading "/" or
// "./" and no trailing "/" ("" for the root itself). "./usr/bin/ping",
// "usr/bin/ping" and "/usr/bin/ping" all have the key "usr/bin/ping".
func Key(name string) string {
	return path.Clean("/" + name)[1:]
}

// Plan is what an edit does to the capabilities of an archive's entries:
// the entries of a manifest, keyed by Key, or removing every capability.
// A Plan remembers which of its entries the archive had, so it is used
// for one edit only.
type Plan struct {
	entries map[string]*want
	strip   bool
}

// want is one manifest entry and the bytes it asks for.
type want struct {
	entry manifest.Entry
	value []byte // nil: no capabilities
	seen  bool
}

// PlanOptions changes how manifest entries become values.
type PlanOptions struct {
	// RootID, when nonzero, makes every value revision 3 with this
	// rootid, except on lines that give their own [rootid=N]. Without
	// it values are revision 2.
	RootID uint32
}

// NewPlan makes an empty plan: an edit with it changes nothing (and
// checks that the archive can be read).
func NewPlan() *Plan { return &Plan{entries: map[string]*want{}} }

// StripPlan makes a plan that removes every capability record from
// every entry.
func StripPlan() *Plan { return &Plan{entries: map[string]*want{}, strip: true} }

// ReadPlan reads a manifest (see manifest.Parse) into a plan. A path
// named twice, in any of its spellings ("./x", "x", "/x"), is a
// *manifest.Error naming both lines.
func ReadPlan(r io.Reader, name string, last model.Cap, opt PlanOptions) (*Plan, error) {
	p := NewPlan()
	err := manifest.Parse(r, name, last, func(e manifest.Entry) error {
		return p.Add(e, opt)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Add adds one manifest entry to the plan.
func (p *Plan) Add(e manifest.Entry, opt PlanOptions) error {
	k := Key(e.Path)
	if first, dup := p.entries[k]; dup {
		return manifest.DuplicateError(e.Path, e.File, e.Line, first.entry.File, first.entry.Line)
	}
	if k == "" {
		return &manifest.Error{File: e.File, Line: e.Line, Reason: fmt.Sprintf("%q names the archive's root directory, not a file", e.Path)}
	}
	w := &want{entry: e}
	if !e.None {
		fc := e.Caps
		if fc.RootID == 0 && opt.RootID != 0 {
			fc.RootID, fc.Revision = opt.RootID, 3
		}
		v, err := capfile.Encode(fc)
		if err != nil {
			return &manifest.Error{File: e.File, Line: e.Line, Reason: err.Error(), Err: err}
		}
		w.entry.Caps, w.value = fc, v
	}
	p.entries[k] = w
	return nil
}

// Entries returns the plan's manifest entries in manifest order, each
// with the value the plan writes (its rootid applied).
func (p *Plan) Entries() []manifest.Entry {
	out := make([]manifest.Entry, 0, len(p.entries))
	for _, w := range p.entries {
		out = append(out, w.entry)
	}
	sortEntries(out)
	return out
}

// Subset makes a plan of the entries whose keys keep accepts; their
// values are those of p.
func (p *Plan) Subset(keep func(key string) bool) *Plan {
	q := &Plan{entries: map[string]*want{}, strip: p.strip}
	for k, w := range p.entries {
		if keep(k) {
			c := *w
			c.seen = false
			q.entries[k] = &c
		}
	}
	return q
}

// lookup finds the plan's entry for an archive name.
func (p *Plan) lookup(name string) (*want, bool) {
	w, ok := p.entries[Key(name)]
	return w, ok
}

// missing lists the entries the archive did not have, in manifest order.
func (p *Plan) missing() error {
	var out []manifest.Entry
	for _, w := range p.entries {
		if !w.seen {
			out = append(out, w.entry)
		}
	}
	if len(out) == 0 {
		return nil
	}
	sortEntries(out)
	return &MissingError{Entries: out, In: "archive"}
}

// sortEntries puts manifest entries in manifest order.
func sortEntries(es []manifest.Entry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		return es[i].Line < es[j].Line
	})
}
