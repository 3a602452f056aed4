package xattr

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// This file shares the files of one large directory among the workers:
// whoever reads such a directory cuts its files into chunks, offers them,
// probes the chunks no one has taken, and waits for the others. Without
// it, one directory of 17,000 files (/usr/share/man/man1) kept one CPU
// busy alone for the last 15 ms of a walk of /usr.

// chunkSize is the number of files of one chunk; a directory is shared out
// from two chunks up.
const chunkSize = 256

// probeChunk is a run of files of one directory whose attributes (and
// stats, with NeedStat) are read into res (and stats).
type probeChunk struct {
	w      *walker
	d      *dirNode
	names  []byte // the arena the files' names are in, read-only meanwhile
	files  []dent
	res    []fileRes
	stats  []unix.Stat_t // nil without NeedStat
	taken  atomic.Bool
	doneWG *sync.WaitGroup
}

// runIfFree probes the chunk unless someone else has taken it.
func (c *probeChunk) runIfFree(s *walkScratch) {
	if !c.taken.CompareAndSwap(false, true) {
		return
	}
	c.w.probeRun(c.d, s, c.names, c.files, c.res, c.stats)
	c.doneWG.Done()
}

// probeRun reads files of d, in order, into res (and stats).
func (w *walker) probeRun(d *dirNode, s *walkScratch, names []byte, files []dent, res []fileRes, stats []unix.Stat_t) {
	for i, e := range files {
		if w.stop.Load() {
			return
		}
		var st *unix.Stat_t
		if stats != nil {
			st = &stats[i]
		}
		res[i] = w.probe(d, s, names[e.off:e.off+uint32(e.n)], st)
	}
}

// probeShared reads files of d into res (and stats), sharing the work
// with idle workers when there are enough files.
func (w *walker) probeShared(d *dirNode, s *walkScratch, names []byte, files []dent, res []fileRes, stats []unix.Stat_t) {
	n := (len(files) + chunkSize - 1) / chunkSize
	if n < 2 {
		w.probeRun(d, s, names, files, res, stats)
		return
	}
	var wg sync.WaitGroup
	wg.Add(n)
	chunks := make([]probeChunk, n)
	offer := make([]*probeChunk, n-1)
	for k := range chunks {
		lo, hi := k*chunkSize, min((k+1)*chunkSize, len(files))
		c := &chunks[k]
		c.w, c.d, c.names, c.files, c.res, c.doneWG = w, d, names, files[lo:hi], res[lo:hi], &wg
		if stats != nil {
			c.stats = stats[lo:hi]
		}
		if k > 0 {
			offer[n-1-k] = c // the last chunk deepest in the stack
		}
	}
	w.offer(offer)
	for k := range chunks {
		chunks[k].runIfFree(s)
	}
	wg.Wait()
}

// offer puts chunks on the chunk stack, which workers empty before they
// take another directory: someone waits for them.
func (w *walker) offer(chunks []*probeChunk) {
	w.mu.Lock()
	w.chunks = append(w.chunks, chunks...)
	if w.idle > 0 {
		w.cond.Broadcast()
	}
	w.mu.Unlock()
}
