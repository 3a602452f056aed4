// Command scanfloor measures the floor of a capability scan on this
// machine: it lists a tree once (not timed), then replays only the system
// calls that the floor of the fast-walker issue allows (per directory an
// open, getdents64 to the end and a close; per regular file one
// getxattrat of security.capability) on N threads, with no other work,
// and prints the median wall time of the replays in microseconds.
//
//	scanfloor [-threads N] [-runs N] TREE
//
// Directories are opened by their full path, which costs a little more
// than fcap's open relative to the parent, so the figure is an upper
// bound of the floor. scripts/bench-scan prints it next to fcap and getcap.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

type dir struct {
	path  []byte   // NUL-terminated
	files [][]byte // NUL-terminated names
}

func main() {
	threads := flag.Int("threads", runtime.NumCPU(), "threads replaying the calls")
	runs := flag.Int("runs", 7, "replays")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: scanfloor [-threads N] [-runs N] TREE")
		os.Exit(2)
	}
	dirs := collect(flag.Arg(0))
	var times []time.Duration
	for range *runs {
		times = append(times, replay(dirs, *threads))
	}
	slices.Sort(times)
	fmt.Println(times[len(times)/2].Microseconds())
}

// collect lists every directory under root, without following symlinks.
func collect(root string) []dir {
	var dirs []dir
	var walk func(path string)
	walk = func(path string) {
		ents, err := os.ReadDir(path)
		if err != nil {
			return
		}
		d := dir{path: append([]byte(path), 0)}
		var subs []string
		for _, e := range ents {
			switch e.Type() {
			case 0:
				d.files = append(d.files, append([]byte(e.Name()), 0))
			case os.ModeDir:
				subs = append(subs, filepath.Join(path, e.Name()))
			}
		}
		dirs = append(dirs, d)
		for _, s := range subs {
			walk(s)
		}
	}
	walk(root)
	return dirs
}

var capName = []byte("security.capability\x00")

type xattrArgs struct {
	Value uint64
	Size  uint32
	Flags uint32
}

// replay makes the floor's calls for every directory on n threads.
func replay(dirs []dir, n int) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC}
	cwd := unix.AT_FDCWD
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			var args xattrArgs
			for {
				i := int(next.Add(1) - 1)
				if i >= len(dirs) {
					return
				}
				d := &dirs[i]
				fd, _, errno := unix.RawSyscall6(unix.SYS_OPENAT2, uintptr(cwd),
					uintptr(unsafe.Pointer(&d.path[0])), uintptr(unsafe.Pointer(&how)), unix.SizeofOpenHow, 0, 0)
				if errno != 0 {
					continue
				}
				for {
					r, _, errno := unix.RawSyscall(unix.SYS_GETDENTS64, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
					if errno != 0 || r == 0 {
						break
					}
				}
				for _, f := range d.files {
					args = xattrArgs{}
					unix.RawSyscall6(unix.SYS_GETXATTRAT, fd, uintptr(unsafe.Pointer(&f[0])), unix.AT_SYMLINK_NOFOLLOW,
						uintptr(unsafe.Pointer(&capName[0])), uintptr(unsafe.Pointer(&args)), unsafe.Sizeof(args))
				}
				unix.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}
