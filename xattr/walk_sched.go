package xattr

import (
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// This file is the walker's engine. The consumer (the goroutine that called
// Walk) goes depth first through sorted listings and calls fn in order.
// Work is cut into tasks, which workers take from a queue: a listTask opens
// and lists one directory, a batchTask probes up to batchSize files of one
// directory. The consumer requests tasks ahead of itself within a budget,
// and runs a task itself when it needs one no worker has started, so it
// never waits on the queue and a full queue only loses parallelism.

// Read-ahead limits. They bound memory and descriptors whatever the tree.
const (
	maxAheadDirs  = 1024    // directories listed ahead of the consumer
	maxAheadBytes = 4 << 20 // memory their listings may hold
	maxInflight   = 64      // of those, requested but not yet listed
	batchAhead    = 16      // batches of one directory requested ahead
	stackAhead    = 64      // directories on the path searched for work to prefetch
	queueLen      = 4096
)

// testHookListed, when set by a test, runs after each directory is listed
// and before its files are probed.
var testHookListed func(dir string)

// walkTask is a unit of work that a worker or the consumer runs once.
type walkTask interface {
	fut() *taskFuture
	run(s *walkScratch)
}

// taskFuture lets exactly one goroutine claim a task and others wait for it.
type taskFuture struct {
	state atomic.Uint32 // taskFree, taskClaimed, taskDone
	done  chan struct{}
}

// States of a task.
const (
	taskFree uint32 = iota
	taskClaimed
	taskDone
)

func newTaskFuture() taskFuture { return taskFuture{done: make(chan struct{})} }

func (f *taskFuture) fut() *taskFuture { return f }

// claim reports whether the caller won the task and must run it.
func (f *taskFuture) claim() bool { return f.state.CompareAndSwap(taskFree, taskClaimed) }

// finish marks a claimed task done and wakes its waiter.
func (f *taskFuture) finish() {
	f.state.Store(taskDone)
	close(f.done)
}

// runTask runs t if no one has claimed it yet.
func runTask(t walkTask, s *walkScratch) {
	if f := t.fut(); f.claim() {
		t.run(s)
		f.finish()
	}
}

// walkScratch is the buffers of one goroutine.
type walkScratch struct {
	dbuf []byte // getdents64, allocated on first listing
	xbuf []byte // attribute value
	args xattrArgs
}

func newWalkScratch() *walkScratch { return &walkScratch{xbuf: make([]byte, readBuf)} }

// walker is the state of one Walk over a directory tree.
type walker struct {
	opt   WalkOptions
	fn    func(Entry) error
	self  *walkScratch
	stack []*dirNode // the consumer's current path

	queue chan walkTask
	quit  chan struct{}
	wg    sync.WaitGroup
	stop  atomic.Bool

	aheadMax   int64        // maxAheadDirs, less if descriptors are few
	ahead      atomic.Int64 // prefetched directories not yet entered
	aheadBytes atomic.Int64 // memory of their listings
	inflight   atomic.Int64 // prefetched directories not yet listed

	fdMu sync.Mutex
	fds  map[int]struct{} // open directory descriptors
}

func newWalker(opt WalkOptions, fn func(Entry) error) *walker {
	return &walker{opt: opt, fn: fn, self: newWalkScratch(), aheadMax: aheadLimit(),
		queue: make(chan walkTask, queueLen), quit: make(chan struct{}),
		fds: make(map[int]struct{})}
}

// aheadLimit is how many directories may be open ahead of the consumer:
// maxAheadDirs, or a quarter of the descriptor limit if that is less.
func aheadLimit() int64 {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur/4 >= maxAheadDirs {
		return maxAheadDirs
	}
	return int64(max(rl.Cur/4, 8))
}

// run walks the tree under the open root directory.
func (w *walker) run(root *dirNode) error {
	w.track(root.fd)
	w.start()
	defer w.shutdown()
	w.prepare(root, w.self)
	return w.walkDir(root)
}

// start launches the workers.
func (w *walker) start() {
	n := w.opt.Workers
	if n <= 0 {
		// The consumer works too.
		n = max(1, runtime.GOMAXPROCS(0)-1)
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
		select {
		case t := <-w.queue:
			runTask(t, s)
		case <-w.quit:
			return
		}
	}
}

// shutdown stops the workers and closes what an early stop left open.
func (w *walker) shutdown() {
	w.stop.Store(true)
	close(w.quit)
	w.wg.Wait()
	w.fdMu.Lock()
	defer w.fdMu.Unlock()
	for fd := range w.fds {
		closeFd(fd)
	}
	clear(w.fds)
}

// enqueue offers t to the workers; when the queue is full the consumer
// runs t itself when it needs it.
func (w *walker) enqueue(t walkTask) {
	select {
	case w.queue <- t:
	default:
	}
}

// wait returns when t has run, running it here if no one has started it.
// While another goroutine runs it, the consumer runs queued tasks rather
// than sleep: it is one of the workers, and it parks only when the queue is
// empty.
func (w *walker) wait(t walkTask) {
	f := t.fut()
	if f.claim() {
		t.run(w.self)
		f.finish()
		return
	}
	for f.state.Load() != taskDone {
		select {
		case o := <-w.queue:
			runTask(o, w.self)
		case <-f.done:
			return
		}
	}
}

func (w *walker) track(fd int) {
	w.fdMu.Lock()
	w.fds[fd] = struct{}{}
	w.fdMu.Unlock()
}

// closeDir closes the descriptor of d once nothing will use it again.
func (w *walker) closeDir(d *dirNode) {
	if d.fd < 0 {
		return
	}
	w.fdMu.Lock()
	delete(w.fds, d.fd)
	w.fdMu.Unlock()
	closeFd(d.fd)
	d.fd = -1
}

// prepare lists the open directory d and requests the first batches of its
// files and, within the budget, listings of its subdirectories.
func (w *walker) prepare(d *dirNode, s *walkScratch) {
	if err := s.list(d); err != nil {
		d.err = dirError(d.path, err)
		d.names, d.ents, d.bstart = nil, nil, nil
		w.closeDir(d)
		return
	}
	if hook := testHookListed; hook != nil {
		hook(d.path)
	}
	d.kidCursor = d.nextDir(0)
	w.scheduleBatches(d)
	if len(d.batches) > 0 {
		// The first batch is probed here, while the directory is hot
		// and without a hand-over.
		runTask(d.batches[0], s)
	}
	w.prefetchKids(d)
}

// nextDir is the index of the first subdirectory at or after i.
func (d *dirNode) nextDir(i int) int {
	for i < len(d.ents) && d.ents[i].typ != typDir {
		i++
	}
	return i
}

// scheduleBatches keeps batchAhead batches of d requested.
func (w *walker) scheduleBatches(d *dirNode) {
	for d.nextBatch < len(d.bstart) && len(d.batches) < batchAhead {
		b := w.newBatch(d, d.nextBatch)
		d.nextBatch++
		d.batches = append(d.batches, b)
		w.enqueue(b)
	}
}

// budget reports whether one more directory may be listed ahead.
func (w *walker) budget() bool {
	return w.ahead.Load() < w.aheadMax && w.aheadBytes.Load() < maxAheadBytes &&
		w.inflight.Load() < maxInflight
}

// prefetchKids requests listings of the next subdirectories of d while the
// budget allows.
func (w *walker) prefetchKids(d *dirNode) {
	for d.kidCursor < len(d.ents) && w.budget() {
		w.ahead.Add(1)
		w.inflight.Add(1)
		w.enqueue(w.requestKid(d, true))
	}
}

// requestKid creates the listing task of the next subdirectory of d.
func (w *walker) requestKid(d *dirNode, prefetched bool) *listTask {
	t := &listTask{taskFuture: newTaskFuture(), w: w, parent: d,
		ent: d.ents[d.kidCursor], prefetched: prefetched}
	d.kids = append(d.kids, t)
	d.kidCursor = d.nextDir(d.kidCursor + 1)
	return t
}

// prefetch tops up read-ahead from the directories on the current path,
// nearest first: their next subdirectories come next in walk order.
func (w *walker) prefetch() {
	for i := len(w.stack) - 1; i >= 0 && i >= len(w.stack)-stackAhead && w.budget(); i-- {
		w.prefetchKids(w.stack[i])
	}
}
