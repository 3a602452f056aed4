package tarcap

import (
	"errors"
	"fmt"
	"io"
)

// Change is an entry whose capabilities differ from what the plan wants:
// Edit changes it, Check only reports it.
type Change struct {
	// Name is the entry's name as the archive gives it.
	Name string
	// Link is, for a hard link entry whose own capability record is
	// brought in line with its target, the target's name; "" otherwise.
	Link string
	// Was and Now are the raw security.capability values before and
	// after; nil for none.
	Was, Now []byte
}

// Edit copies the uncompressed tar stream src to dst, changing the
// capabilities of the entries the plan names, and calls fn (if not nil)
// for each entry it changes. Everything else is copied byte for byte.
//
// It fails with an *Error naming the entry when the archive is
// malformed or the plan asks for what an entry cannot take, and with a
// *MissingError when the archive lacks entries the plan names; the
// manifest's entries are all checked against the whole archive before
// that error is returned. On any error the output is incomplete: see
// EditStream for an output that says so.
func Edit(dst io.Writer, src io.Reader, p *Plan, fn func(Change)) error {
	_, err := edit(dst, src, p, fn)
	return err
}

// edit is Edit; it also returns how many bytes it wrote.
func edit(dst io.Writer, src io.Reader, p *Plan, fn func(Change)) (int64, error) {
	ed := &editor{r: newReader(src), w: newOutput(dst), plan: p, fn: fn, final: map[string][]byte{}}
	defer ed.r.in.release()
	err := ed.run()
	ferr := ed.w.flush()
	ed.w.release()
	switch {
	case err != nil:
		return ed.w.n, err
	case ferr != nil:
		return ed.w.n, fmt.Errorf("write archive: %w", ferr)
	}
	return ed.w.n, nil
}

// Check reads the uncompressed tar stream src and calls fn for each
// entry whose capabilities differ from what the plan wants; it returns
// the errors Edit would.
func Check(src io.Reader, p *Plan, fn func(Change)) error {
	ed := &editor{r: newReader(src), plan: p, fn: fn, final: map[string][]byte{}}
	defer ed.r.in.release()
	return ed.run()
}

// editor is one run of Edit or Check.
type editor struct {
	r    *reader
	w    *output // nil when only checking
	plan *Plan
	fn   func(Change)
	// final holds, by key, the capabilities each regular file has after
	// the edit (files without any are absent), for the hard links that
	// follow: memory grows with the number of files with capabilities.
	final map[string][]byte
}

func (ed *editor) run() error {
	for {
		e, err := ed.r.next()
		if errors.Is(err, errEnd) {
			break
		}
		if err != nil {
			return err
		}
		if err := ed.entry(e); err != nil {
			return err
		}
	}
	if ed.r.in.off == 0 {
		return errEmpty()
	}
	trailing, err := ed.r.trailer()
	if err != nil {
		return err
	}
	if err := ed.plan.missing(); err != nil {
		return err
	}
	if ed.w != nil {
		ed.r.writeEnd(ed.w, trailing)
	}
	return ed.writeErr()
}

// entry decides what becomes of one entry, then writes it.
func (ed *editor) entry(e *entry) error {
	target, change, err := ed.decide(e)
	if err != nil {
		return err
	}
	if change {
		if err := e.setCaps(target); err != nil {
			return err
		}
		if ed.fn != nil {
			ed.fn(Change{Name: e.name, Link: linkOf(e), Was: e.caps.value, Now: target})
		}
	}
	return ed.write(e)
}

func linkOf(e *entry) string {
	if e.typ == typeLink {
		return e.link
	}
	return ""
}

// decide returns the capabilities the entry must carry and whether its
// records change.
func (ed *editor) decide(e *entry) (target []byte, change bool, err error) {
	switch {
	case e.typ == typeGlobal:
		return nil, false, nil
	case e.regular():
		return ed.decideFile(e)
	case e.typ == typeLink:
		return ed.decideLink(e)
	}
	if w, named := ed.plan.lookup(e.name); named {
		w.seen = true
		return nil, false, e.fail("a %s: capabilities go on regular files (%s:%d)", typeName(e.typ), w.entry.File, w.entry.Line)
	}
	delete(ed.final, Key(e.name))
	return nil, ed.plan.strip && e.caps.found, nil
}

// decideFile handles a regular file: the plan's value, or what it had.
func (ed *editor) decideFile(e *entry) ([]byte, bool, error) {
	w, named := ed.plan.lookup(e.name)
	switch {
	case named:
		w.seen = true
		return ed.settle(e, w.value)
	case ed.plan.strip:
		return ed.settle(e, nil)
	case e.caps.err != nil:
		return nil, false, e.caps.err
	}
	return ed.settle(e, e.caps.value)
}

// settle records a file's final value and whether its records change.
func (ed *editor) settle(e *entry, target []byte) ([]byte, bool, error) {
	k := Key(e.name)
	if target == nil {
		delete(ed.final, k)
	} else {
		ed.final[k] = target
	}
	return target, !e.caps.same(target), nil
}

// decideLink handles a hard link: its capabilities are its target's. A
// manifest line naming it must agree with the target; a record of its
// own (some writers copy it onto links, and containers/storage applies
// it) is brought in line with the target when either is named.
func (ed *editor) decideLink(e *entry) ([]byte, bool, error) {
	tk := Key(e.link)
	target := ed.final[tk]
	if target == nil {
		delete(ed.final, Key(e.name))
	} else {
		ed.final[Key(e.name)] = target
	}
	w, named := ed.plan.lookup(e.name)
	if named {
		w.seen = true
		if !sameCaps(w.value, target) {
			return nil, false, e.fail("a hard link to %s, whose capabilities (%s) it shares: list %s in the manifest instead (%s:%d)",
				displayName(e.link), describeValue(target), displayName(e.link), w.entry.File, w.entry.Line)
		}
	}
	_, targetNamed := ed.plan.entries[tk]
	switch {
	case !e.caps.found:
		return target, false, nil
	case ed.plan.strip:
		return nil, true, nil
	case named || targetNamed:
		return target, !e.caps.same(target), nil
	case e.caps.err != nil:
		return nil, false, e.caps.err
	case !e.caps.same(target):
		return nil, false, linkMismatch(e, target, "; name "+displayName(e.link)+" in the manifest to settle it")
	}
	return target, false, nil
}

// write passes the entry's headers to the output, then its data.
// Write errors stay in ed.w until writeErr.
func (ed *editor) write(e *entry) error {
	if ed.w != nil {
		for i := range e.exts {
			ed.w.write(e.exts[i].hdr[:])
			ed.w.write(e.exts[i].data)
		}
		ed.w.write(e.hdr[:])
		for i := range e.gnuExt {
			ed.w.write(e.gnuExt[i][:])
		}
	}
	if err := ed.r.data(e, ed.w); err != nil {
		return err
	}
	return ed.writeErr()
}

func (ed *editor) writeErr() error {
	if ed.w != nil && ed.w.err != nil {
		return fmt.Errorf("write archive: %w", ed.w.err)
	}
	return nil
}
