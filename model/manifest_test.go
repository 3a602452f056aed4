package model

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// manifestLast is the last capability the manifest tests assume (Linux 5.9+).
const manifestLast Cap = 40

// parseAll collects every entry of a manifest.
func parseAll(t *testing.T, text string) ([]ManifestEntry, error) {
	t.Helper()
	var got []ManifestEntry
	err := ParseManifest(strings.NewReader(text), "caps.list", manifestLast, func(e ManifestEntry) error {
		got = append(got, e)
		return nil
	})
	return got, err
}

func TestParseManifestEntries(t *testing.T) {
	text := "# dump of /usr\n" +
		"\n" +
		"/usr/bin/ping cap_net_raw=ep\n" +
		"/x cap_chown=i cap_net_raw+p\n" +
		"  /indented cap_kill=p\r\n" +
		"/gone -\n" +
		"/empty =\n" +
		"/bare\n" +
		"/nothing cap_chown-p\n" +
		"/ns cap_net_raw=ep [rootid=1000]\n" +
		"/old = cap_net_raw+ep\n" +
		"/tab\tcap_kill=p\n" +
		"/last cap_bpf=p" // no final newline
	got, err := parseAll(t, text)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line int
		path string
		none bool
		p, i Set
		e    bool
		root uint32
	}{
		{3, "/usr/bin/ping", false, SetOf(CapNetRaw), 0, true, 0},
		{4, "/x", false, SetOf(CapNetRaw), SetOf(CapChown), false, 0},
		{5, "/indented", false, SetOf(CapKill), 0, false, 0},
		{6, "/gone", true, 0, 0, false, 0},
		{7, "/empty", true, 0, 0, false, 0},
		{8, "/bare", true, 0, 0, false, 0},
		{9, "/nothing", true, 0, 0, false, 0},
		{10, "/ns", false, SetOf(CapNetRaw), 0, true, 1000},
		{11, "/old", false, SetOf(CapNetRaw), 0, true, 0},
		{12, "/tab", false, SetOf(CapKill), 0, false, 0},
		{13, "/last", false, SetOf(CapBpf), 0, false, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d: %+v", len(got), len(want), got)
	}
	for k, w := range want {
		g := got[k]
		if g.File != "caps.list" || g.Line != w.line || g.Path != w.path || g.None != w.none {
			t.Errorf("entry %d = %s:%d %q none=%v, want line %d %q none=%v", k, g.File, g.Line, g.Path, g.None, w.line, w.path, w.none)
			continue
		}
		if !w.none && (g.Caps.Permitted != w.p || g.Caps.Inheritable != w.i || g.Caps.Effective != w.e || g.Caps.RootID != w.root) {
			t.Errorf("%s: caps %+v, want p=%v i=%v e=%v rootid=%d", w.path, g.Caps, w.p, w.i, w.e, w.root)
		}
	}
	if got[7].Caps.Revision != 3 || got[0].Caps.Revision != 2 {
		t.Errorf("revisions %d and %d, want 3 with a rootid and 2 without", got[7].Caps.Revision, got[0].Caps.Revision)
	}
}

func TestParseManifestErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
		line             int
	}{
		{"bad text", "/a cap_net_raw=ep\n\n/b cap_bogus=p\n", `caps.list:3: invalid capability text "cap_bogus=p": unknown capability "cap_bogus"`, 3},
		{"effective mismatch", "/a cap_chown=ep cap_kill+i\n", `caps.list:1: capability text "cap_chown=ep cap_kill+i" cannot be stored in a file: effective file capabilities must be empty`, 1},
		{"duplicate", "/a cap_kill=p\n# c\n/b -\n/a -\n", `caps.list:4: duplicate path "/a" (first listed on line 1)`, 4},
		{"duplicate after clean", "./a/b cap_kill=p\na//b/\n", `caps.list:2: duplicate path "a//b/" (first listed on line 1)`, 2},
		{"bad rootid", "/a cap_kill=p [rootid=x]\n", `caps.list:1: invalid rootid "x"`, 1},
		{"rootid too large", "/a cap_kill=p [rootid=4294967295]\n", `caps.list:1: invalid rootid "4294967295"`, 1},
		{"NUL in path", "/a\x00b cap_kill=p\n", `caps.list:1: NUL byte in path at offset 2`, 1},
		{"NUL in text", "/a cap_kill=p\x00\n", `caps.list:1: invalid capability text`, 1},
		{"comment after text", "/a cap_kill=p # why\n", `caps.list:1: invalid capability text "cap_kill=p # why"`, 1},
		{"long line", "/a cap_kill=p\n/" + strings.Repeat("x", MaxManifestLine) + "\n", `caps.list:2: line longer than 65536 bytes`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAll(t, tt.text)
			var me *ManifestError
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want a *ManifestError", err)
			}
			if me.Line != tt.line || me.File != "caps.list" || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %q (line %d), want prefix %q (line %d)", err, me.Line, tt.want, tt.line)
			}
		})
	}
}

func TestParseManifestTextErrorUnwraps(t *testing.T) {
	_, err := parseAll(t, "/a cap_nope=p\n")
	var te *TextError
	if !errors.As(err, &te) || te.Text != "cap_nope=p" {
		t.Errorf("err = %v, want it to wrap a *TextError for the text", err)
	}
}

func TestParseManifestLongestLine(t *testing.T) {
	path := "/" + strings.Repeat("x", MaxManifestLine-1)
	got, err := parseAll(t, path+"\n")
	if err != nil || len(got) != 1 || got[0].Path != path {
		t.Fatalf("a %d-byte line: %d entries, err %v", MaxManifestLine, len(got), err)
	}
}

func TestParseManifestStopsAtCallbackError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := ParseManifest(strings.NewReader("/a -\n/b -\n/c -\n"), "m", manifestLast, func(ManifestEntry) error {
		calls++
		if calls == 2 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 2 {
		t.Errorf("err = %v after %d calls, want the callback's error after 2", err, calls)
	}
}

func TestParseManifestReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("/a -\n"), iotest.ErrReader(errors.New("disk on fire")))
	err := ParseManifest(r, "m", manifestLast, func(ManifestEntry) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "read m: disk on fire") {
		t.Errorf("err = %v, want the read error with the manifest name", err)
	}
}

func TestParseManifestSeenAcrossManifests(t *testing.T) {
	seen := NewPathSet()
	nop := func(ManifestEntry) error { return nil }
	if err := ParseManifestSeen(strings.NewReader("/a -\n/b -\n"), "one", manifestLast, seen, nop); err != nil {
		t.Fatal(err)
	}
	err := ParseManifestSeen(strings.NewReader("/c -\n/b cap_kill=p\n"), "two", manifestLast, seen, nop)
	if err == nil || err.Error() != `two:2: duplicate path "/b" (first listed on one:2)` {
		t.Errorf("err = %v", err)
	}
	if seen.Len() != 3 {
		t.Errorf("seen.Len() = %d, want 3", seen.Len())
	}
}

// endless yields the same line n times, then tail.
type endless struct {
	line, tail []byte
	n, off     int
}

func (r *endless) Read(p []byte) (int, error) {
	if r.n == 0 {
		k := copy(p, r.tail)
		r.tail = r.tail[k:]
		if k == 0 {
			return 0, io.EOF
		}
		return k, nil
	}
	k := copy(p, r.line[r.off:])
	r.off += k
	if r.off == len(r.line) {
		r.off, r.n = 0, r.n-1
	}
	return k, nil
}

// TestParseManifestStreams feeds 1 GiB through the parser and checks that
// it allocates a bounded amount and still counts lines right.
func TestParseManifestStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 1 GiB")
	}
	line := []byte("# " + strings.Repeat("x", 1021) + "\n")
	n := (1 << 30) / len(line)
	r := &endless{line: line, n: n, tail: []byte("/a -\n/a -\n")}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := ParseManifest(r, "huge", manifestLast, func(ManifestEntry) error { return nil })
	runtime.ReadMemStats(&after)
	var me *ManifestError
	if !errors.As(err, &me) || me.Line != n+2 {
		t.Fatalf("err = %v, want a duplicate on line %d", err, n+2)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("parsing 1 GiB allocated %d bytes; want a bounded amount", grew)
	}
}
