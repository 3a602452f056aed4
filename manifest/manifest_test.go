package manifest

import (
	"errors"
	"fcap/model"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// manifestLast is the last capability the manifest tests assume (Linux 5.9+).
const manifestLast model.Cap = 40

// parseAll collects every entry of a manifest.
func parseAll(t *testing.T, text string) ([]Entry, error) {
	t.Helper()
	var got []Entry
	err := Parse(strings.NewReader(text), "caps.list", manifestLast, func(e Entry) error {
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
		p, i model.Set
		e    bool
		root uint32
	}{
		{3, "/usr/bin/ping", false, model.SetOf(model.CapNetRaw), 0, true, 0},
		{4, "/x", false, model.SetOf(model.CapNetRaw), model.SetOf(model.CapChown), false, 0},
		{5, "/indented", false, model.SetOf(model.CapKill), 0, false, 0},
		{6, "/gone", true, 0, 0, false, 0},
		{7, "/empty", true, 0, 0, false, 0},
		{8, "/bare", true, 0, 0, false, 0},
		{9, "/nothing", true, 0, 0, false, 0},
		{10, "/ns", false, model.SetOf(model.CapNetRaw), 0, true, 1000},
		{11, "/old", false, model.SetOf(model.CapNetRaw), 0, true, 0},
		{12, "/tab", false, model.SetOf(model.CapKill), 0, false, 0},
		{13, "/last", false, model.SetOf(model.CapBpf), 0, false, 0},
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
		{"bad rootid", "/a cap_kill=p [rootid=x]\n", `caps.list:1: invalid rootid "x"`, 1},
		{"rootid too large", "/a cap_kill=p [rootid=4294967295]\n", `caps.list:1: invalid rootid "4294967295"`, 1},
		{"NUL in path", "/a\x00b cap_kill=p\n", `caps.list:1: NUL byte in path at offset 2`, 1},
		{"escaped NUL in path", "/a\\000b cap_kill=p\n", `caps.list:1: NUL byte in path at offset 2`, 1},
		{"rootid -1", "/a cap_kill=p [rootid=-1]\n", `caps.list:1: invalid rootid "-1"`, 1},
		{"rootid twice", "/a cap_kill=p [rootid=1] [rootid=2]\n", `caps.list:1: option [rootid=...] given twice`, 1},
		{"bad fallback", "/a cap_kill=p [fallback=setgid]\n", `caps.list:1: invalid fallback "setgid"`, 1},
		{"bad mode", "/a - [mode=4759]\n", `caps.list:1: invalid mode "4759"`, 1},
		{"mode too large", "/a - [mode=17777]\n", `caps.list:1: invalid mode "17777"`, 1},
		{"owner by name", "/a - [owner=root:root]\n", `caps.list:1: invalid owner "root:root"`, 1},
		{"owner without group", "/a - [owner=0]\n", `caps.list:1: invalid owner "0"`, 1},
		{"mode twice", "/a - [mode=4755] [mode=755]\n", `caps.list:1: option [mode=...] given twice`, 1},
		{"NUL in text", "/a cap_kill=p\x00\n", `caps.list:1: invalid capability text`, 1},
		{"comment after text", "/a cap_kill=p # why\n", `caps.list:1: invalid capability text "cap_kill=p # why"`, 1},
		{"long line", "/a cap_kill=p\n/" + strings.Repeat("x", MaxLine) + "\n", `caps.list:2: line longer than 65536 bytes`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAll(t, tt.text)
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want a *Error", err)
			}
			if me.Line != tt.line || me.File != "caps.list" || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %q (line %d), want prefix %q (line %d)", err, me.Line, tt.want, tt.line)
			}
		})
	}
}

func TestParseManifestTextErrorUnwraps(t *testing.T) {
	_, err := parseAll(t, "/a cap_nope=p\n")
	var te *model.TextError
	if !errors.As(err, &te) || te.Text != "cap_nope=p" {
		t.Errorf("err = %v, want it to wrap a *model.TextError for the text", err)
	}
}

func TestParseManifestLongestLine(t *testing.T) {
	path := "/" + strings.Repeat("x", MaxLine-1)
	got, err := parseAll(t, path+"\n")
	if err != nil || len(got) != 1 || got[0].Path != path {
		t.Fatalf("a %d-byte line: %d entries, err %v", MaxLine, len(got), err)
	}
}

func TestParseManifestStopsAtCallbackError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := Parse(strings.NewReader("/a -\n/b -\n/c -\n"), "m", manifestLast, func(Entry) error {
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
	err := Parse(r, "m", manifestLast, func(Entry) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "read m: disk on fire") {
		t.Errorf("err = %v, want the read error with the manifest name", err)
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
	r := &endless{line: line, n: n, tail: []byte("/a -\n/b cap_bogus=p\n")}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := Parse(r, "huge", manifestLast, func(Entry) error { return nil })
	runtime.ReadMemStats(&after)
	var me *Error
	if !errors.As(err, &me) || me.Line != n+2 {
		t.Fatalf("err = %v, want a bad text on line %d", err, n+2)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("parsing 1 GiB allocated %d bytes; want a bounded amount", grew)
	}
}

func TestParseOptionsAndEscapes(t *testing.T) {
	got, err := parseAll(t, "/a\\040b cap_kill=p [rootid=-2]\n"+
		"/ping cap_net_raw=ep [fallback=setuid]\n"+
		"/both cap_net_raw=ep [rootid=7] [fallback=setuid]\n"+
		"/lit\\x\\400 -\n"+
		"\\043hash cap_chown=p\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		path   string
		rootid uint32
		fb     Fallback
	}{
		{"/a b", 4294967294, NoFallback},
		{"/ping", 0, FallbackSetuid},
		{"/both", 7, FallbackSetuid},
		{`/lit\x\400`, 0, NoFallback},
		{"#hash", 0, NoFallback},
	}
	for i, w := range want {
		if g := got[i]; g.Path != w.path || g.Caps.RootID != w.rootid || g.Fallback != w.fb {
			t.Errorf("entry %d = %q rootid %d fallback %d, want %q %d %d", i, g.Path, g.Caps.RootID, g.Fallback, w.path, w.rootid, w.fb)
		}
	}
}

func TestEscapeRoundTripsEveryByte(t *testing.T) {
	var all []byte
	for c := 1; c < 256; c++ {
		all = append(all, byte(c))
	}
	for _, p := range []string{"/usr/bin/ping", "#x", "/a b", "/new\nline", "\\", string(all), "/caf\xc3\xa9", "/\xff"} {
		e := Escape(p)
		if strings.ContainsAny(e, " \t\n\r") || strings.HasPrefix(e, "#") {
			t.Errorf("Escape(%q) = %q holds a blank or starts a comment", p, e)
		}
		if got, reason := Unescape(e); got != p || reason != "" {
			t.Errorf("Unescape(Escape(%q)) = %q, %q", p, got, reason)
		}
	}
	if e := Escape("/usr/bin/ping"); e != "/usr/bin/ping" {
		t.Errorf("an ordinary path was escaped: %q", e)
	}
	if e := Escape("/a b#c"); e != `/a\040b#c` {
		t.Errorf("Escape = %q", e)
	}
}

// TestParseManifestModeAndOwner: [mode=] and [owner=] (what audit's
// baselines record) come in any order with the other options, and
// FormatEntry writes every option back as Parse reads it.
func TestParseManifestModeAndOwner(t *testing.T) {
	text := "/usr/bin/passwd - [mode=4755] [owner=0:0]\n" +
		"/usr/bin/ping cap_net_raw=ep [owner=0:0] [mode=0755]\n" +
		"/ns cap_kill=p [mode=755] [rootid=1000]\n" +
		"/fb cap_net_raw=ep [fallback=setuid]\n" +
		"/crontab - [owner=0:106] [mode=2755]\n"
	got, err := parseAll(t, text)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		mode, uid, gid    uint32
		hasMode, hasOwner bool
		line              string
	}{
		{0o4755, 0, 0, true, true, "/usr/bin/passwd - [mode=4755] [owner=0:0]"},
		{0o755, 0, 0, true, true, "/usr/bin/ping cap_net_raw=ep [mode=0755] [owner=0:0]"},
		{0o755, 0, 0, true, false, "/ns cap_kill=p [rootid=1000] [mode=0755]"},
		{0, 0, 0, false, false, "/fb cap_net_raw=ep [fallback=setuid]"},
		{0o2755, 0, 106, true, true, "/crontab - [mode=2755] [owner=0:106]"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Mode != w.mode || g.HasMode != w.hasMode || g.UID != w.uid || g.GID != w.gid || g.HasOwner != w.hasOwner {
			t.Errorf("%s: mode %o (%v) owner %d:%d (%v), want %o (%v) %d:%d (%v)", g.Path, g.Mode, g.HasMode, g.UID, g.GID, g.HasOwner,
				w.mode, w.hasMode, w.uid, w.gid, w.hasOwner)
		}
		if line := FormatEntry(g, manifestLast); line != w.line {
			t.Errorf("FormatEntry = %q, want %q", line, w.line)
		}
	}
}
