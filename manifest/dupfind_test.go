package manifest

import (
	"fmt"
	"testing"
)

func TestDupFinderReportsExactlyTheRealDuplicates(t *testing.T) {
	// A tiny filter (the minimum) over many paths forces false positives:
	// the second pass must still report only the real duplicates.
	d := NewDupFinder(0)
	type entry struct {
		path, file string
		line       int
	}
	var entries []entry
	for i := 0; i < 100000; i++ {
		entries = append(entries, entry{fmt.Sprintf("/usr/bin/p%d", i), "a.list", i + 1})
	}
	entries = append(entries, entry{"/usr/bin/./p7", "b.list", 1}, entry{"/usr/bin/p99999", "b.list", 2})
	for _, e := range entries {
		d.Note(e.path)
	}
	if d.Suspects() < 2 {
		t.Fatalf("%d suspects, want at least the 2 real duplicates", d.Suspects())
	}
	var got []string
	for _, e := range entries {
		if ff, fl, dup := d.Check(e.path, e.file, e.line); dup {
			got = append(got, DuplicateError(e.path, e.file, e.line, ff, fl).Error())
		}
	}
	want := []string{
		`b.list:1: duplicate path "/usr/bin/./p7" (first listed on a.list:8)`,
		`b.list:2: duplicate path "/usr/bin/p99999" (first listed on a.list:100000)`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("duplicates:\n got %q\nwant %q", got, want)
	}
}

func TestDupFinderFilterStaysWithinItsCeiling(t *testing.T) {
	for _, size := range []int64{0, 1 << 10, 1 << 30, 1 << 40} {
		d := NewDupFinder(size)
		if n := len(d.bits) * 64; n < minFilterBits || n > maxFilterBits {
			t.Errorf("size %d: filter of %d bits", size, n)
		}
	}
}
