package xattr

import (
	"errors"
	"slices"

	"golang.org/x/sys/unix"
)

// This file reads one directory (the work of a reader) and reports a read
// directory in order (the work of the consumer).

// bigDir is the number of files above which, when every file is reported
// or stat'ed (or more than that many have a value), a directory's files
// are left to the consumer, which reads them bigDir at a time, so that
// the results of one huge directory are never all held at once. Tests
// lower it.
var bigDir = 4096

// read opens d (unless it is the root), lists it, reads the attributes of
// its files and offers its subdirectories to the workers.
func (w *walker) read(d *dirNode, s *walkScratch) {
	defer w.finish(d)
	if d.parent != nil {
		if w.stop.Load() {
			w.release(d.parent)
			d.skip = true
			return
		}
		if !w.openKid(d) {
			return
		}
	}
	d.refs.Store(1)
	var kids []dent
	fast, err := w.list(d, s, &kids)
	if err != nil {
		d.err = dirError(d.path, err)
		d.names, d.files, d.res = nil, nil, nil
		w.release(d)
		return
	}
	if fast {
		d.sortHits()
	} else {
		slices.SortFunc(d.files, d.compare)
		w.probeAll(d, s)
	}
	w.makeKids(d, kids)
	d.cost = d.size()
	w.ahead.Add(d.cost)
	w.push(d.kids)
	w.release(d)
}

// fast reports whether attributes are read while listing: only files with
// a value or an error are kept, and nothing is stat'ed.
func (w *walker) fast() bool { return w.opt.OnlyFound && !w.opt.NeedStat }

// list reads the directory d to its end. Subdirectories go to kids; files
// go to d.files, with their results when they were read while listing
// (fast). A directory in which more than bigDir files have a value is
// listed again from the start without reading them, so that the consumer
// reads them a window at a time rather than all their values being held.
func (w *walker) list(d *dirNode, s *walkScratch, kids *[]dent) (fast bool, err error) {
	if s.dbuf == nil {
		s.dbuf = make([]byte, direntBuf)
	}
	fast, sized, hooked := w.fast(), false, false
	for bufs := 0; !w.stop.Load(); bufs++ {
		if fast && len(d.files) > bigDir {
			if err := rewindDir(d.fd); err != nil {
				return false, err
			}
			fast, d.names, d.files, d.res, *kids = false, nil, nil, nil, (*kids)[:0]
			bufs = 0
		}
		n, err := getdentsRetry(d.fd, s.dbuf)
		if err != nil || n <= 0 {
			return fast, err
		}
		if hook := testHookListed; hook != nil && !hooked {
			hook(d.path)
			hooked = true
		}
		if !fast && !sized && bufs == 1 {
			// A listing longer than one buffer is kept whole: size it
			// once rather than let append copy it again and again.
			if err := d.presize(s, n, kids); err != nil {
				return fast, err
			}
			sized, bufs = true, -1
			continue
		}
		w.parse(d, s, s.dbuf[:n], fast, kids)
	}
	return fast, nil // stopped: the consumer looks no further
}

// parse takes the records of one getdents64 buffer.
func (w *walker) parse(d *dirNode, s *walkScratch, buf []byte, fast bool, kids *[]dent) {
	shared := fast && manyFiles(buf)
	forEachDirent(buf, func(name []byte, typ uint8) {
		if typ == unix.DT_UNKNOWN {
			typ = d.typeOf(name)
		}
		switch {
		case typ == typDir:
			*kids = append(*kids, d.keep(name, typ))
		case typ != typFile:
		case !fast:
			d.files = append(d.files, d.keep(name, typ))
		case shared:
			s.many.files = append(s.many.files, s.many.keep(name, typ))
		default:
			// name is followed by its NUL in the record.
			if r := w.probe(d, s, name, nil); r.val != nil || r.err != nil {
				d.files = append(d.files, d.keep(name, typ))
				d.res = append(d.res, r)
			}
		}
	})
	if shared {
		w.probeMany(d, s)
	}
}

// presize counts the entries of d, those already taken and those from the
// buffer of n bytes just read to the end, goes back to the start, and
// makes room for them all.
func (d *dirNode) presize(s *walkScratch, n int, kids *[]dent) error {
	c := direntCount{files: len(d.files), dirs: len(*kids), nameBytes: len(d.names)}
	for n > 0 {
		c.add(s.dbuf[:n])
		var err error
		if n, err = getdentsRetry(d.fd, s.dbuf); err != nil {
			return err
		}
	}
	if err := rewindDir(d.fd); err != nil {
		return err
	}
	d.names = make([]byte, 0, c.nameBytes)
	d.files = make([]dent, 0, c.files)
	*kids = make([]dent, 0, c.dirs)
	return nil
}

// probeMany reads, shared out among the workers, the many files of one
// getdents64 buffer that list gathered in s.many, and keeps in d those
// with a value or an error.
func (w *walker) probeMany(d *dirNode, s *walkScratch) {
	m := &s.many
	res := make([]fileRes, len(m.files))
	w.probeShared(d, s, m.names, m.files, res, nil)
	for i, r := range res {
		if r.val != nil || r.err != nil {
			d.files = append(d.files, d.keep(m.nameBytes(m.files[i]), typFile))
			d.res = append(d.res, r)
		}
	}
	m.names, m.files = m.names[:0], m.files[:0]
}

// sortHits sorts the files found while listing with their results.
func (d *dirNode) sortHits() {
	if len(d.files) < 2 {
		return
	}
	type hit struct {
		e dent
		r fileRes
	}
	hits := make([]hit, len(d.files))
	for i := range hits {
		hits[i] = hit{d.files[i], d.res[i]}
	}
	slices.SortFunc(hits, func(a, b hit) int { return d.compare(a.e, b.e) })
	for i, h := range hits {
		d.files[i], d.res[i] = h.e, h.r
	}
}

// probeAll reads the files of d in order, unless there are so many that
// the consumer must read them itself, a window at a time.
func (w *walker) probeAll(d *dirNode, s *walkScratch) {
	if len(d.files) > bigDir {
		d.deferred = true
		d.refs.Add(1)
		return
	}
	w.probeWindow(d, s, 0)
}

// probeWindow reads up to bigDir files of d from file lo on into d.res
// (and d.stats).
func (w *walker) probeWindow(d *dirNode, s *walkScratch, lo int) {
	hi := min(lo+bigDir, len(d.files))
	d.win, d.res = lo, make([]fileRes, hi-lo)
	if w.opt.NeedStat {
		d.stats = make([]unix.Stat_t, hi-lo) // fresh: fn may keep an Entry.Stat
	}
	w.probeShared(d, s, d.names, d.files[lo:hi], d.res, d.stats)
}

// statAt is where the stat of file i goes, or nil without NeedStat.
func (d *dirNode) statAt(i int) *unix.Stat_t {
	if d.stats == nil {
		return nil
	}
	return &d.stats[i]
}

// makeKids creates the nodes of the subdirectories of d, sorted; each one
// holds a use of d's descriptor until it is opened.
func (w *walker) makeKids(d *dirNode, kids []dent) {
	if len(kids) == 0 {
		return
	}
	slices.SortFunc(kids, d.compare)
	d.kids = make([]*dirNode, len(kids))
	nodes := make([]dirNode, len(kids))
	for i, e := range kids {
		k := &nodes[i]
		k.parent, k.fd = d, -1
		k.name = d.names[e.off : e.off+uint32(e.n)+1 : e.off+uint32(e.n)+1]
		d.kids[i] = k
	}
	d.refs.Add(int32(len(kids)))
}

// probe reads the attribute of the file name (followed by a NUL in its
// buffer) in d, after a stat into st when st is not nil.
func (w *walker) probe(d *dirNode, s *walkScratch, name []byte, st *unix.Stat_t) fileRes {
	if st != nil {
		if err := fstatatNoFollow(d.fd, string(name), st); err != nil {
			return fileRes{err: fileError(d, name, err)}
		}
		if st.Mode&unix.S_IFMT != unix.S_IFREG {
			return fileRes{err: &Error{Op: "get", Path: joinPath(d.path, string(name)), Kind: Changed,
				Detail: "now a " + TypeName(st.Mode)}}
		}
	}
	if s.absent(d, name) {
		return fileRes{}
	}
	switch n, errno := s.probeFile(d, name); errno {
	case 0:
		return fileRes{val: append([]byte(nil), s.xbuf[:n]...)}
	case unix.ENODATA, unix.ENOTSUP:
		return fileRes{}
	default:
		return fileRes{err: fileError(d, name, errno)}
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

// fileError names a file whose attribute could not be read.
func fileError(d *dirNode, name []byte, err error) error {
	path := joinPath(d.path, string(name))
	if errors.Is(err, unix.ENOENT) {
		return &Error{Op: "get", Path: path, Kind: NotExist, Detail: "removed during the walk", Err: err}
	}
	return wrap("get", path, err)
}

// walkDir reports d and everything under it, in order.
func (w *walker) walkDir(d *dirNode) error {
	w.await(d)
	defer w.consumed(d)
	if d.err != nil {
		return w.fn(Entry{Path: d.path, Err: d.err})
	}
	if d.skip {
		return nil
	}
	err := w.walkEntries(d)
	if d.deferred {
		w.release(d)
	}
	return err
}

// walkEntries merges the sorted files and subdirectories of d.
func (w *walker) walkEntries(d *dirNode) error {
	fi, ki := 0, 0
	for fi < len(d.files) || ki < len(d.kids) {
		if ki == len(d.kids) || fi < len(d.files) && d.fileFirst(d.files[fi], d.kids[ki]) {
			if err := w.visitFile(d, fi); err != nil {
				return err
			}
			fi++
			continue
		}
		if err := w.walkDir(d.kids[ki]); err != nil {
			return err // d.kids[ki] stays for closeAll
		}
		d.kids[ki] = nil // walked: its memory can go
		ki++
	}
	return nil
}

// fileFirst reports whether file f of d sorts before its subdirectory k.
func (d *dirNode) fileFirst(f dent, k *dirNode) bool {
	return compareNames(d.nameBytes(f), f.typ, k.name[:len(k.name)-1], typDir) < 0
}

// visitFile reports file i of d, reading its window now if it was
// deferred.
func (w *walker) visitFile(d *dirNode, i int) error {
	e := d.files[i]
	if d.deferred && i >= d.win+len(d.res) {
		w.probeWindow(d, w.self, i)
	}
	r, st := d.res[i-d.win], d.statAt(i-d.win)
	if r.val == nil && r.err == nil && w.opt.OnlyFound {
		return nil
	}
	ent := Entry{Path: joinPath(d.path, d.nameOf(e)), Value: r.val, Err: r.err}
	if r.err == nil {
		ent.Stat = st
	}
	return w.fn(ent)
}
