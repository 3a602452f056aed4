package xattr

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// benchTree creates n empty files in b.TempDir(), 8 per directory and 8
// subdirectories per directory (about /usr's shape), and returns its root.
func benchTree(b *testing.B, n int) string {
	b.Helper()
	root := b.TempDir()
	const perDir, fanout = 8, 8
	ndirs := (n + perDir - 1) / perDir
	dirs := make([]string, ndirs)
	dirs[0] = root
	for i := 1; i < ndirs; i++ {
		dirs[i] = dirs[(i-1)/fanout] + "/d" + strconv.Itoa(i)
		if err := os.Mkdir(dirs[i], 0o755); err != nil {
			b.Fatal(err)
		}
	}
	for i := range n {
		f, err := unix.Open(dirs[i/perDir]+"/f"+strconv.Itoa(i), unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		unix.Close(f)
	}
	return root
}

// BenchmarkWalk walks generated trees; the ns/file metric should stay
// flat as the tree grows.
func BenchmarkWalk(b *testing.B) {
	sizes := []int{1000, 10000, 100000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, n := range sizes {
		for _, opt := range []struct {
			name string
			opt  WalkOptions
		}{
			{"caps", WalkOptions{}},
			{"caps+stat", WalkOptions{NeedStat: true}},
			{"only-found", WalkOptions{OnlyFound: true}},
			{"caps/3workers", WalkOptions{Workers: 3}},
		} {
			b.Run(fmt.Sprintf("files=%d/%s", n, opt.name), func(b *testing.B) {
				root := benchTree(b, n)
				b.ResetTimer()
				for b.Loop() {
					walkCount(b, root, opt.opt, n)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/file")
			})
		}
	}
}

// BenchmarkWalkUsr walks /usr, the tree the targets in docs/PERFORMANCE.md
// are set on.
func BenchmarkWalkUsr(b *testing.B) {
	if _, err := os.Stat("/usr"); err != nil {
		b.Skip("no /usr")
	}
	for b.Loop() {
		walkCount(b, "/usr", WalkOptions{}, -1)
	}
}

func walkCount(b *testing.B, root string, opt WalkOptions, want int) {
	n := 0
	err := Walk(root, opt, func(Entry) error { n++; return nil })
	if opt.OnlyFound {
		want = 0 // no file of a generated tree has a value
	}
	if err != nil || (want >= 0 && n != want) {
		b.Fatalf("walked %d files (want %d): %v", n, want, err)
	}
}
