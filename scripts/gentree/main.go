// Command gentree builds a directory tree for benchmarks of fcap's walker:
// N empty regular files spread over directories like a system tree (a few
// files per directory, a few subdirectories each), some symlinks, and a
// few files carrying a capability (cap_net_raw=ep), written with
// lsetxattr as setfattr would.
//
//	go run ./scripts/gentree -n 1000000 -caps 10 DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// capNetRaw is the revision 2 value of cap_net_raw=ep.
var capNetRaw = []byte{0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

// shape of the tree.
type shape struct {
	files   int // files in total
	perDir  int // files in each directory
	fanout  int // subdirectories of each directory
	caps    int // files with a capability
	workers int
}

func main() {
	var s shape
	flag.IntVar(&s.files, "n", 10000, "number of regular files")
	flag.IntVar(&s.perDir, "per-dir", 8, "files in each directory")
	flag.IntVar(&s.fanout, "fanout", 8, "subdirectories of each directory")
	flag.IntVar(&s.caps, "caps", 5, "files carrying a capability")
	flag.IntVar(&s.workers, "j", 8, "parallel creators")
	flag.Parse()
	if flag.NArg() != 1 || s.files < 0 || s.perDir < 1 || s.fanout < 1 {
		fmt.Fprintln(os.Stderr, "usage: gentree [-n N] [-per-dir K] [-fanout F] [-caps C] DIR")
		os.Exit(2)
	}
	if err := s.build(flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "gentree:", err)
		os.Exit(1)
	}
}

// build creates the tree under root, breadth first: directory i holds
// files i*perDir... and subdirectories i*fanout+1...
func (s shape) build(root string) error {
	ndirs := (s.files + s.perDir - 1) / s.perDir
	dirs := make([]string, max(ndirs, 1))
	dirs[0] = root
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", root, err)
	}
	for i := 1; i < ndirs; i++ {
		parent := (i - 1) / s.fanout
		dirs[i] = filepath.Join(dirs[parent], "d"+strconv.Itoa(i))
		if err := os.Mkdir(dirs[i], 0o755); err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
	}
	return s.fill(dirs)
}

// fill creates the files of every directory in parallel.
func (s shape) fill(dirs []string) error {
	every := 0
	if s.caps > 0 {
		every = max(1, s.files/s.caps)
	}
	var wg sync.WaitGroup
	errs := make(chan error, s.workers)
	next := make(chan int)
	for range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := s.fillDir(dirs[i], i, every); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range dirs {
			select {
			case next <- i:
			case err := <-errs:
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	return <-errs
}

// fillDir creates directory i's files and a symlink, relative to its
// descriptor.
func (s shape) fillDir(dir string, i, every int) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	for k := 0; k < s.perDir; k++ {
		n := i*s.perDir + k
		if n >= s.files {
			break
		}
		name := "file" + strconv.Itoa(n)
		f, err := unix.Openat(fd, name, unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o755)
		if err != nil {
			return fmt.Errorf("create %s/%s: %w", dir, name, err)
		}
		if every > 0 && n%every == every-1 {
			err = unix.Fsetxattr(f, "security.capability", capNetRaw, 0)
		}
		unix.Close(f)
		if err != nil {
			return fmt.Errorf("set capability on %s/%s: %w", dir, name, err)
		}
	}
	if err := unix.Symlinkat("file"+strconv.Itoa(i*s.perDir), fd, "link"); err != nil {
		return fmt.Errorf("symlink in %s: %w", dir, err)
	}
	return nil
}
