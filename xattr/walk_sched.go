package xattr

import (
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// This file is the walker's engine. A directory is the unit of work: the
// goroutine that reads it opens it relative to its parent's descriptor,
// lists it, reads the attribute of each of its files, and pushes its
// subdirectories, sorted, on a shared stack. Workers take the newest
// directory first, so they stay close to the depth-first order in which
// the consumer (the goroutine that called Walk) reports entries; the
// consumer waits for each directory in that order, and reads it itself if
// no worker has taken it yet, so it never waits on a busy queue.
//
// A directory's descriptor stays open while anyone still needs it: its
// reader, each subdirectory not yet opened relative to it, and the
// consumer when the files of a large directory are left to it.

// maxAheadBytes is the read-ahead limit: workers stop taking directories
// while the listings that the consumer has not reached yet hold this much
// memory. The consumer reads the directory it needs itself, so the walk
// goes on. Tests lower it.
var maxAheadBytes int64 = 8 << 20

// testHookListed, when set by a test, runs after a directory has been
// listed and before the attributes of its files are read.
var testHookListed func(dir string)

// walkScratch is the buffers of one goroutine.
type walkScratch struct {
	dbuf []byte // getdents64, allocated on first listing
	xbuf []byte // attribute value
	args xattrArgs
	many listing // the files of a getdents64 buffer with many, see probeMany
}

func newWalkScratch() *walkScratch { return &walkScratch{xbuf: make([]byte, maxValue)} }

// walker is the state of one Walk over a directory tree.
type walker struct {
	opt  WalkOptions
	fn   func(Entry) error
	self *walkScratch // the consumer's buffers

	mu     sync.Mutex
	cond   *sync.Cond
	stack  []*dirNode    // directories to read, the next one last
	chunks []*probeChunk // files of large directories, taken first
	idle   int           // workers waiting on cond
	paused atomic.Bool   // a worker may wait for the consumer to free memory
	stop   atomic.Bool
	wg     sync.WaitGroup

	ahead atomic.Int64 // bytes of listings the consumer has not reached

	awaited atomic.Pointer[dirNode] // the directory the consumer waits for
	wake    chan struct{}           // the consumer's wake-up, one pending at most

	root *dirNode
}

func newWalker(opt WalkOptions, fn func(Entry) error) *walker {
	w := &walker{opt: opt, fn: fn, self: newWalkScratch(), wake: make(chan struct{}, 1)}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// run walks the tree under the open root directory.
func (w *walker) run(root *dirNode) error {
	w.root = root
	w.start()
	defer w.shutdown()
	return w.walkDir(root)
}

// start launches the workers.
func (w *walker) start() {
	n := w.opt.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	w.wg.Add(n)
	for range n {
		go w.worker()
	}
}

func (w *walker) worker() {
	defer w.wg.Done()
	s := newWalkScratch()
	for {
		d, c := w.pop()
		switch {
		case c != nil:
			c.runIfFree(s)
		case d == nil:
			return
		case d.state.CompareAndSwap(dirFree, dirClaimed):
			w.read(d, s)
		}
	}
}

// pop takes the next chunk of files or directory to read, waiting for
// one; neither means stop.
func (w *walker) pop() (*dirNode, *probeChunk) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		if w.stop.Load() {
			return nil, nil
		}
		if n := len(w.chunks); n > 0 {
			c := w.chunks[n-1]
			w.chunks[n-1] = nil
			w.chunks = w.chunks[:n-1]
			return nil, c
		}
		if n := len(w.stack); n > 0 && !w.overBudget() {
			d := w.stack[n-1]
			w.stack[n-1] = nil
			w.stack = w.stack[:n-1]
			return d, nil
		}
		w.idle++
		w.cond.Wait()
		w.idle--
	}
}

// overBudget reports whether the read-ahead limit is reached; then the
// caller, holding mu, must wait. It marks the workers paused before it
// looks again, and consumed lowers the count before it looks at the
// mark, so either this sees the lower count or consumed sees the mark
// and wakes the workers.
func (w *walker) overBudget() bool {
	if w.ahead.Load() < maxAheadBytes {
		return false
	}
	w.paused.Store(true)
	return w.ahead.Load() >= maxAheadBytes
}

// push offers the subdirectories of a directory, first one last.
func (w *walker) push(kids []*dirNode) {
	if len(kids) == 0 {
		return
	}
	w.mu.Lock()
	for i := len(kids) - 1; i >= 0; i-- {
		w.stack = append(w.stack, kids[i])
	}
	if w.idle > 0 {
		w.cond.Broadcast()
	}
	w.mu.Unlock()
}

// consumed gives back the memory of a directory the consumer is done with,
// and wakes the workers if they waited for it.
func (w *walker) consumed(d *dirNode) {
	if w.ahead.Add(-d.cost) >= maxAheadBytes || !w.paused.Load() {
		return
	}
	w.mu.Lock()
	if w.paused.Swap(false) {
		w.cond.Broadcast()
	}
	w.mu.Unlock()
}

// shutdown stops the workers and closes what an early stop left open.
func (w *walker) shutdown() {
	w.mu.Lock()
	w.stop.Store(true)
	w.cond.Broadcast()
	w.mu.Unlock()
	w.wg.Wait()
	w.closeAll()
}

// closeAll closes the descriptors still open once the workers have
// stopped. Every directory that has been opened and not fully walked is
// reachable from the root: the consumer takes a subdirectory out of its
// parent's list only after walking it.
func (w *walker) closeAll() {
	todo := []*dirNode{w.root}
	for len(todo) > 0 {
		d := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		w.closeDir(d)
		for _, k := range d.kids {
			if k != nil {
				todo = append(todo, k)
			}
		}
	}
}

// release drops one use of d's descriptor and closes it after the last.
func (w *walker) release(d *dirNode) {
	if d.refs.Add(-1) == 0 {
		w.closeDir(d)
	}
}

// closeDir closes the descriptor of d.
func (w *walker) closeDir(d *dirNode) {
	if d.fd >= 0 {
		closeFd(d.fd)
		d.fd = -1
	}
}

// await returns when d has been read, reading it here if no worker has
// taken it.
func (w *walker) await(d *dirNode) {
	if d.state.CompareAndSwap(dirFree, dirClaimed) {
		w.read(d, w.self)
		return
	}
	for {
		w.awaited.Store(d)
		if d.state.Load() == dirRead {
			break
		}
		<-w.wake // may be a wake-up for an earlier directory: look again
	}
	w.awaited.Store(nil)
}

// finish marks d read and wakes the consumer if it waits for d. With
// await, which stores awaited before it loads the state, either the
// consumer sees dirRead or finish sees the consumer waiting.
func (w *walker) finish(d *dirNode) {
	d.state.Store(dirRead)
	if w.awaited.Load() == d {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// openKid opens the subdirectory d relative to its parent and decides
// whether the walk enters it. It reports whether d is open.
func (w *walker) openKid(d *dirNode) bool {
	p := d.parent
	d.path = joinPath(p.path, string(d.name[:len(d.name)-1]))
	d.dev = p.dev
	fd, mount, err := openDir(p.fd, &d.name[0])
	w.release(p)
	if err != nil {
		d.err = dirError(d.path, err)
		return false
	}
	d.fd = fd
	if mount {
		w.checkMount(d)
	}
	return d.fd >= 0
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
