package hardening

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// TestGetRecursiveListsEveryFileOfA100000EntryDirectory: in a directory
// of 100,000 files, `get -r` lists exactly the 100 with capabilities, in
// order, `get -r -v` lists all 100,000, and `set` on one of them works.
func TestGetRecursiveListsEveryFileOfA100000EntryDirectory(t *testing.T) {
	testenv.RequireRoot(t)
	const n, every = 100000, 1000
	dir := filepath.Join(t.TempDir(), "big")
	mkdir(t, dir, 0o755)
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dfd)
	value := []byte{1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // cap_net_raw=ep
	var want strings.Builder
	start := time.Now()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("f%06d", i)
		fd, err := unix.Openat(dfd, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if i%every == 0 {
			if err := unix.Fsetxattr(fd, capName, value, 0); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&want, "%s/%s cap_net_raw=ep\n", dir, name)
		}
		unix.Close(fd)
	}
	t.Logf("created %d files in %v", n, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	r := fcap(t, "", "get", "-r", dir)
	t.Logf("get -r: %v, max RSS %d KiB", time.Since(start).Round(time.Millisecond), r.maxRSSKiB)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("get -r: exit %d; stderr: %s", r.code, r.stderr)
	}
	if r.stdout != want.String() {
		t.Errorf("get -r printed %d lines, want the %d files with caps", strings.Count(r.stdout, "\n"), n/every)
	}

	start = time.Now()
	r = fcap(t, "", "get", "-r", "-v", dir)
	t.Logf("get -r -v: %v, max RSS %d KiB", time.Since(start).Round(time.Millisecond), r.maxRSSKiB)
	if got := strings.Count(r.stdout, "\n"); r.code != 0 || got != n {
		t.Errorf("get -r -v: exit %d, %d lines, want 0 and %d; stderr: %s", r.code, got, n, r.stderr)
	}

	one := filepath.Join(dir, "f054321")
	if r := fcap(t, "", "set", "cap_chown=p", one); r.code != 0 {
		t.Fatalf("set: exit %d; stderr: %s", r.code, r.stderr)
	}
	if got := xattrHex(one); got != capChownP {
		t.Errorf("%s holds %s after set, want %s", one, got, capChownP)
	}
}

// TestLongPathNearPathMaxWorks: a file at a path of exactly 4,000 bytes
// (nested 200-byte directory names, made with mkdirat relative to
// descriptors) can be set, read, listed by get -r and removed; PATH_MAX
// is 4,096 and the path is under it. What happens past PATH_MAX is in
// the error matrix.
func TestLongPathNearPathMaxWorks(t *testing.T) {
	testenv.RequireRoot(t)
	const total = 4000
	base := t.TempDir()
	var names []string
	path := base
	for len(path)+201+2 <= total {
		name := fmt.Sprintf("d%02d", len(names)) + strings.Repeat("x", 197)
		names = append(names, name)
		path += "/" + name
	}
	fileName := strings.Repeat("f", total-len(path)-1)
	path += "/" + fileName
	if len(path) != total || len(fileName) > 255 {
		t.Fatalf("built a path of %d bytes with a %d-byte file name", len(path), len(fileName))
	}
	fd := mkdirChain(t, base, names)
	ffd, err := unix.Openat(fd, fileName, unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o755)
	unix.Close(fd)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(ffd)

	if r := fcap(t, "", "set", "cap_net_raw=ep", path); r.code != 0 {
		t.Fatalf("set on a %d-byte path: exit %d; stderr: %s", len(path), r.code, r.stderr)
	}
	if got := xattrHex(path); got != capNetRawEP {
		t.Fatalf("the file holds %s, want %s", got, capNetRawEP)
	}
	want := path + " cap_net_raw=ep\n"
	if r := fcap(t, "", "get", path); r.code != 0 || r.stdout != want {
		t.Errorf("get: exit %d, stdout %.80q…; stderr: %s", r.code, r.stdout, r.stderr)
	}
	if r := fcap(t, "", "get", "-r", base); r.code != 0 || r.stdout != want {
		t.Errorf("get -r: exit %d, stdout %.80q…; stderr: %s", r.code, r.stdout, r.stderr)
	}
	if r := fcap(t, "", "remove", path); r.code != 0 || xattrHex(path) != noCaps {
		t.Errorf("remove: exit %d, the file holds %s; stderr: %s", r.code, xattrHex(path), r.stderr)
	}
}

// genReader yields size bytes made of pattern, then tail, counting what
// was taken from it.
type genReader struct {
	pattern, tail []byte
	size          int64
	off           int64
	taken         atomic.Int64
}

func (g *genReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && g.off < g.size {
		k := copy(p[n:], g.pattern[g.off%int64(len(g.pattern)):])
		if rest := g.size - g.off; int64(k) > rest {
			k = int(rest)
		}
		n += k
		g.off += int64(k)
	}
	if n == 0 && len(g.tail) > 0 {
		n = copy(p, g.tail)
		g.tail = g.tail[n:]
	}
	g.taken.Add(int64(n))
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// TestSetFromStdinRefusesHugeTextWithoutReadingIt: `fcap set - FILE`
// given more capability text than its 1 MiB limit fails with one short
// line naming standard input, reads a bounded amount, stays small, and
// changes nothing, whether the text is one endless line, or lines that
// fill the limit exactly (so that a silent cut would leave valid text)
// and go on.
func TestSetFromStdinRefusesHugeTextWithoutReadingIt(t *testing.T) {
	testenv.RequireRoot(t)
	const limit = 1 << 20
	for _, tc := range []struct {
		name          string
		pattern, tail string
		size          int64
	}{
		{"one 64 MiB line", "cap_net_raw+p ", "\n", 64 << 20},
		{"1 MiB of lines that end at the limit, then a line that matters", "cap_net_raw+ep \n", "cap_chown+p\n", limit},
		{"16 MiB of lines", "cap_net_raw+p\n", "", 16 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "f")
			writeFile(t, f, 0o755)
			before := stateOf(f)
			g := &genReader{pattern: []byte(tc.pattern), tail: []byte(tc.tail), size: tc.size}
			r := run(t, runOpts{stdin: g}, "set", "-", f)
			t.Logf("exit %d, read %d of %d bytes, max RSS %d KiB, stderr %d bytes",
				r.code, g.taken.Load(), tc.size+int64(len(tc.tail)), r.maxRSSKiB, len(r.stderr))
			if after := stateOf(f); after != before {
				t.Errorf("the file changed:\n before %v\n after  %v", before, after)
			}
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			msg := strings.TrimSuffix(r.stderr, "\n")
			if len(msg) > 300 || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "fcap: ") ||
				!strings.Contains(msg, "standard input") || strings.Contains(msg, "bufio") {
				t.Errorf("want one short line on stderr that names standard input and its limit, got %d bytes: %.300q", len(r.stderr), r.stderr)
			}
			// What the pipe and the copying goroutine hold is at most a
			// few hundred KiB beyond what fcap read.
			if taken := g.taken.Load(); taken > 2*limit {
				t.Errorf("fcap read %d bytes of standard input, want at most about its %d-byte limit", taken, limit)
			}
			if r.maxRSSKiB > 64<<10 {
				t.Errorf("max RSS %d KiB, want under 64 MiB", r.maxRSSKiB)
			}
		})
	}
}

// TestApplyStreamsAHugeManifestInBoundedMemory (long; run by
// scripts/hardening-limits, or with FCAP_HARDENING_LONG=1) applies
// manifests of 1 GiB and measures fcap's peak RSS, which must stay
// bounded whatever the manifest holds: one of comments around a single
// entry (under 64 MiB: the manifest is streamed, not read whole), and one
// of 7.6 million unique entries for missing files (under 256 MiB: what
// fcap keeps per entry, for the duplicate check, must stay small).
func TestApplyStreamsAHugeManifestInBoundedMemory(t *testing.T) {
	testenv.RequireRoot(t)
	if os.Getenv("FCAP_HARDENING_LONG") != "1" {
		t.Skip("long: set FCAP_HARDENING_LONG=1 or run scripts/hardening-limits")
	}
	if !fcapHas(t, "apply") {
		t.Skip("fcap has no apply command")
	}
	size := int64(1 << 30)
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	writeFile(t, target, 0o755)

	t.Run("comments around one entry", func(t *testing.T) {
		m := filepath.Join(dir, "comments.manifest")
		comment := "# " + strings.Repeat("c", 97) + "\n"
		lines := writeManifest(t, m, size, func(w *bufio.Writer, i int64) {
			w.WriteString(comment)
		}, target+" cap_net_raw=ep\n")
		r := run(t, runOpts{timeout: 30 * time.Minute, stdout: io.Discard}, "apply", m)
		t.Logf("%d lines: exit %d, max RSS %d KiB", lines, r.code, r.maxRSSKiB)
		if r.code != 0 || xattrHex(target) != capNetRawEP {
			t.Errorf("exit %d, target holds %s; stderr: %.500s", r.code, xattrHex(target), r.stderr)
		}
		if r.maxRSSKiB > 64<<10 {
			t.Errorf("max RSS %d KiB for a %d-byte manifest, want under 64 MiB", r.maxRSSKiB, size)
		}
	})
	t.Run("unique entries", func(t *testing.T) {
		m := filepath.Join(dir, "entries.manifest")
		missing := filepath.Join(dir, "missing", strings.Repeat("p", 40))
		entries := writeManifest(t, m, size, func(w *bufio.Writer, i int64) {
			fmt.Fprintf(w, "%s/%012d cap_net_raw=ep\n", missing, i)
		}, "")
		var stderrLines countWriter
		r := run(t, runOpts{timeout: 60 * time.Minute, stdout: io.Discard, stderr: &stderrLines}, "apply", m)
		perEntry := float64(r.maxRSSKiB<<10) / float64(entries)
		t.Logf("%d entries: exit %d, %d error lines, max RSS %d KiB (%.1f bytes per entry)",
			entries, r.code, stderrLines.lines.Load(), r.maxRSSKiB, perEntry)
		if r.code != 1 || stderrLines.lines.Load() != entries {
			t.Errorf("exit %d with %d error lines, want 1 and one per entry (%d)", r.code, stderrLines.lines.Load(), entries)
		}
		if r.maxRSSKiB > 256<<10 {
			t.Errorf("max RSS %d KiB (%.0f bytes per entry) for a %d-byte manifest of %d entries, want under 256 MiB: memory grows with the number of entries",
				r.maxRSSKiB, perEntry, size, entries)
		}
	})
}

// writeManifest writes lines with line(i) until the file holds about
// size bytes, then tail; it returns the number of lines written by line.
func writeManifest(t *testing.T, path string, size int64, line func(*bufio.Writer, int64), tail string) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	for ; int64(w.Buffered())+fileSize(t, f) < size; n++ {
		line(w, n)
		if w.Available() < 4096 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.WriteString(tail)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

func fileSize(t *testing.T, f *os.File) int64 {
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		t.Fatal(err)
	}
	return off
}

// countWriter counts the lines written to it.
type countWriter struct{ lines atomic.Int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			c.lines.Add(1)
		}
	}
	return len(p), nil
}
