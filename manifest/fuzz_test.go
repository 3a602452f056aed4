package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzParseManifest checks that any input either parses or fails with a
// *Error naming a line that exists, never panics, that entries
// come in line order with clean paths, and that printing the entries
// back as a manifest (as `fcap get -n` would) parses to the same values.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"/usr/bin/ping cap_net_raw=ep\n",
		"# c\n\n/x cap_chown=i cap_net_raw+p\n/y -\n/z =\n/w\n",
		"/ns cap_net_raw=ep [rootid=1000]\r\n/old = cap_net_raw+ep\n",
		"/a cap_kill=p\n/a -\n",
		"/a\\040b cap_kill=p [rootid=-5] [fallback=setuid]\n\\043x -\n",
		"/p - [mode=4755] [owner=0:42]\n/q cap_kill=p [owner=1:2] [mode=0]\n",
		"\t/t\tcap_bpf,45=p\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := fuzzParse(data)
		if err != nil {
			checkFuzzError(t, data, err)
		}
		checkFuzzEntries(t, entries)
		again, err := fuzzParse(reprint(entries))
		if err != nil {
			t.Fatalf("reprinted manifest does not parse: %v\n%s", err, reprint(entries))
		}
		if len(again) != len(entries) {
			t.Fatalf("reprint has %d entries, want %d", len(again), len(entries))
		}
		for i := range again {
			a, e := again[i], entries[i]
			if a.Path != e.Path || a.None != e.None || a.Fallback != e.Fallback ||
				(!a.None && !a.Caps.SameCaps(e.Caps)) ||
				a.HasMode != e.HasMode || a.Mode != e.Mode || a.HasOwner != e.HasOwner || a.UID != e.UID || a.GID != e.GID {
				t.Fatalf("entry %d changed through a reprint: %+v -> %+v", i, entries[i], again[i])
			}
		}
	})
}

func fuzzParse(data []byte) ([]Entry, error) {
	var got []Entry
	err := Parse(bytes.NewReader(data), "fuzz", manifestLast, func(e Entry) error {
		got = append(got, e)
		return nil
	})
	return got, err
}

func checkFuzzError(t *testing.T, data []byte, err error) {
	var me *Error
	if !errors.As(err, &me) {
		t.Fatalf("err = %v (%T), want a *Error", err, err)
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	if me.File != "fuzz" || me.Line < 1 || me.Line > lines || me.Reason == "" {
		t.Fatalf("error %q names line %d of %d", err, me.Line, lines)
	}
	if !strings.HasPrefix(err.Error(), fmt.Sprintf("fuzz:%d: ", me.Line)) {
		t.Fatalf("error %q does not start with FILE:LINE", err)
	}
}

func checkFuzzEntries(t *testing.T, entries []Entry) {
	prev := 0
	for _, e := range entries {
		if e.Line <= prev || e.Path == "" || strings.ContainsRune(e.Path, 0) {
			t.Fatalf("bad entry %+v after line %d", e, prev)
		}
		prev = e.Line
		if !e.None && e.Caps.Permitted == 0 && e.Caps.Inheritable == 0 {
			t.Fatalf("entry %+v grants nothing but is not None", e)
		}
	}
}

// reprint renders entries as a manifest in fcap's canonical form.
func reprint(entries []Entry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString(FormatEntry(e, manifestLast))
		b.WriteByte('\n')
	}
	return b.Bytes()
}
