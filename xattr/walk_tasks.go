package xattr

import (
	"errors"

	"golang.org/x/sys/unix"
)

// This file holds the two kinds of task and the consumer that turns their
// results into entries in order.

// listTask opens one subdirectory relative to its parent's descriptor and
// lists it.
type listTask struct {
	taskFuture
	w          *walker
	parent     *dirNode
	ent        dent     // the subdirectory in parent
	prefetched bool     // counted in the read-ahead budget
	bytes      int64    // what it added to aheadBytes
	node       *dirNode // the result
}

func (t *listTask) run(s *walkScratch) {
	w := t.w
	if t.prefetched {
		defer w.inflight.Add(-1)
	}
	if w.stop.Load() {
		t.node = &dirNode{fd: -1, skip: true}
		return
	}
	t.node = w.openKid(t.parent, t.ent)
	if t.node.fd >= 0 {
		w.prepare(t.node, s)
	}
	if t.prefetched {
		t.bytes = t.node.size()
		w.aheadBytes.Add(t.bytes)
	}
}

// openKid opens the subdirectory e of parent and decides whether the walk
// enters it.
func (w *walker) openKid(parent *dirNode, e dent) *dirNode {
	d := &dirNode{path: joinPath(parent.path, parent.name(e)), fd: -1, dev: parent.dev}
	fd, mount, err := openDir(parent.fd, &parent.names[e.off])
	if err != nil {
		d.err = dirError(d.path, err)
		return d
	}
	w.track(fd)
	d.fd = fd
	if mount {
		w.checkMount(d)
	}
	return d
}

// checkMount handles a directory that may be on another filesystem: it is
// left out with OneFileSystem or when it is a pseudo filesystem.
func (w *walker) checkMount(d *dirNode) {
	var st unix.Stat_t
	if err := unix.Fstat(d.fd, &st); err != nil {
		d.err = dirError(d.path, err)
		w.closeDir(d)
		return
	}
	if st.Dev == d.dev {
		return
	}
	d.dev = st.Dev
	if w.opt.OneFileSystem {
		d.skip = true
	} else if !w.opt.IncludePseudo {
		pseudo, err := fdIsPseudo(d.fd)
		if err != nil {
			d.err = wrap("statfs", d.path, err)
		}
		d.skip = pseudo
	}
	if d.skip || d.err != nil {
		w.closeDir(d)
	}
}

// dirError names a directory that could not be opened or read.
func dirError(path string, err error) error {
	switch {
	case errors.Is(err, unix.ELOOP), errors.Is(err, unix.ENOTDIR):
		return &Error{Op: "read", Path: path, Kind: Changed, Detail: "no longer a directory", Err: err}
	case errors.Is(err, unix.ENOENT):
		return &Error{Op: "read", Path: path, Kind: NotExist, Detail: "removed during the walk", Err: err}
	}
	return wrap("read", path, err)
}

// batchTask probes the files of one batch of a directory.
type batchTask struct {
	taskFuture
	w      *walker
	dir    *dirNode
	lo, hi int // range in dir.ents
	hits   []probeHit
	stats  []unix.Stat_t // with NeedStat, one per file
}

// probeHit is a file of a batch with a value or an error.
type probeHit struct {
	j   int // index of the file in the batch
	val []byte
	err error
}

func (w *walker) newBatch(d *dirNode, k int) *batchTask {
	b := &batchTask{taskFuture: newTaskFuture(), w: w, dir: d, lo: int(d.bstart[k]), hi: d.batchEnd(k)}
	if w.opt.NeedStat {
		n := min(batchSize, d.nfiles-k*batchSize)
		b.stats = make([]unix.Stat_t, n)
	}
	return b
}

func (b *batchTask) run(s *walkScratch) {
	if b.w.stop.Load() {
		return
	}
	j := 0
	for i := b.lo; i < b.hi; i++ {
		e := b.dir.ents[i]
		if e.typ != typFile {
			continue
		}
		if val, err := b.probe(s, e, j); val != nil || err != nil {
			b.hits = append(b.hits, probeHit{j: j, val: val, err: err})
		}
		j++
	}
}

// probe returns the capability value of file e, which is the batch's j-th.
func (b *batchTask) probe(s *walkScratch, e dent, j int) ([]byte, error) {
	d := b.dir
	if b.stats != nil {
		if err := fstatatNoFollow(d.fd, d.name(e), &b.stats[j]); err != nil {
			return nil, fileError(d, e, err)
		}
		if b.stats[j].Mode&unix.S_IFMT != unix.S_IFREG {
			return nil, &Error{Op: "get", Path: joinPath(d.path, d.name(e)), Kind: Changed,
				Detail: "now a " + TypeName(b.stats[j].Mode)}
		}
	}
	n, err := s.probeFile(d, e)
	switch {
	case err == nil:
		return append([]byte(nil), s.xbuf[:n]...), nil
	case errors.Is(err, unix.ENODATA), errors.Is(err, unix.ENOTSUP):
		return nil, nil
	}
	return nil, fileError(d, e, err)
}

// fileError names a file whose attribute could not be read.
func fileError(d *dirNode, e dent, err error) error {
	path := joinPath(d.path, d.name(e))
	if errors.Is(err, unix.ENOENT) {
		return &Error{Op: "get", Path: path, Kind: NotExist, Detail: "removed during the walk", Err: err}
	}
	return wrap("get", path, err)
}

// walkDir reports d and everything under it, in order.
func (w *walker) walkDir(d *dirNode) error {
	if d.err != nil {
		return w.fn(Entry{Path: d.path, Err: d.err})
	}
	if d.skip {
		return nil
	}
	w.stack = append(w.stack, d)
	err := w.walkEntries(d)
	w.stack = w.stack[:len(w.stack)-1]
	if err != nil {
		// Tasks may still use d's descriptor: shutdown closes it once
		// the workers have stopped.
		return err
	}
	w.closeDir(d)
	return nil
}

// batchCursor follows the consumer through the batches of a directory.
type batchCursor struct {
	b  *batchTask
	j  int // index of the next file in b
	hp int // next hit in b
}

// walkEntries goes through the sorted listing of d.
func (w *walker) walkEntries(d *dirNode) error {
	w.prefetch()
	last := d.lastDir()
	var c batchCursor
	for i, e := range d.ents {
		var err error
		if e.typ == typDir {
			err = w.visitKid(d, i == last)
		} else {
			err = w.visitFile(d, e, &c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lastDir is the index of the last subdirectory of d, or -1.
func (d *dirNode) lastDir() int {
	for i := len(d.ents) - 1; i >= 0; i-- {
		if d.ents[i].typ == typDir {
			return i
		}
	}
	return -1
}

// visitFile reports the next file of d.
func (w *walker) visitFile(d *dirNode, e dent, c *batchCursor) error {
	if c.b == nil || c.j == batchSize {
		*c = batchCursor{b: w.nextBatch(d)}
	}
	var ent Entry
	found := c.hp < len(c.b.hits) && c.b.hits[c.hp].j == c.j
	if found {
		h := c.b.hits[c.hp]
		ent.Value, ent.Err = h.val, h.err
		c.hp++
	}
	j := c.j
	c.j++
	if !found && w.opt.OnlyFound {
		return nil
	}
	ent.Path = joinPath(d.path, d.name(e))
	if c.b.stats != nil && ent.Err == nil {
		ent.Stat = &c.b.stats[j]
	}
	return w.fn(ent)
}

// nextBatch takes the next batch of d, once probed.
func (w *walker) nextBatch(d *dirNode) *batchTask {
	b := d.batches[0]
	d.batches[0] = nil
	d.batches = d.batches[1:]
	w.scheduleBatches(d)
	w.wait(b)
	return b
}

// visitKid walks the next subdirectory of d.
func (w *walker) visitKid(d *dirNode, last bool) error {
	if len(d.kids) == 0 {
		w.requestKid(d, false)
	}
	t := d.kids[0]
	d.kids[0] = nil
	d.kids = d.kids[1:]
	w.wait(t)
	if t.prefetched {
		w.ahead.Add(-1)
		w.aheadBytes.Add(-t.bytes)
	}
	if last {
		w.releaseEarly(d)
	}
	err := w.walkDir(t.node)
	t.node = nil // the task may still sit in the queue
	w.prefetch()
	return err
}

// releaseEarly closes d before its last subdirectory is walked when the
// rest of its files are few enough to probe now, so that a deep chain of
// directories does not hold one descriptor per level.
func (w *walker) releaseEarly(d *dirNode) {
	if len(d.bstart)-d.nextBatch+len(d.batches) > batchAhead {
		return
	}
	w.scheduleBatches(d)
	for _, b := range d.batches {
		w.wait(b)
	}
	w.closeDir(d)
}
