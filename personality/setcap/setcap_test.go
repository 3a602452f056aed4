package setcap

import (
	"fcap/model"
	"fcap/personality"
	"io"
	"strings"
	"testing"
)

// TestSetcapRootID checks -n parsing against what setcap 2.66 was seen to
// accept: strtoul base 0, nonzero, no leading '-', low 32 bits kept.
func TestSetcapRootID(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"1000", 1000, true}, {"0x10", 16, true}, {"010", 8, true}, {"+5", 5, true},
		{" 12", 12, true}, {" -5", 0xfffffffb, true}, {"4294967295", 0xffffffff, true},
		{"4294967296", 0, true}, {"18446744073709551616", 0xffffffff, true},
		{"0", 0, false}, {"", 0, false}, {"-5", 0, false}, {"abc", 0, false},
		{"12abc", 0, false}, {"0x", 0, false}, {"08", 0, false}, {" ", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseSetcapRootID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseSetcapRootID(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// chunkReader returns one chunk per Read, like read(2) on a pipe.
type chunkReader struct{ chunks []string }

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if r.chunks[0] == "" {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

// TestSetcapStdin checks how - reads: until end of input or a read that
// starts with a newline, at most 2048 bytes, up to a NUL.
func TestSetcapStdin(t *testing.T) {
	tests := []struct {
		chunks []string
		want   string
		ok     bool
	}{
		{[]string{"cap_chown=p\n"}, "cap_chown=p\n", true},
		{[]string{"cap_chown=p\n\ncap_kill=p\n"}, "cap_chown=p\n\ncap_kill=p\n", true},
		{[]string{"cap_chown=p\n", "cap_kill=p\n", "\n", "cap_fowner=p\n"}, "cap_chown=p\ncap_kill=p\n", true},
		{[]string{"\ncap_chown=p\n"}, "", false},
		{nil, "", false},
		{[]string{"cap_chown=p\x00junk"}, "cap_chown=p", true},
		{[]string{strings.Repeat(" ", 3000)}, strings.Repeat(" ", 2048), true},
	}
	for _, tt := range tests {
		s := &run{Options: Options{Stdin: &chunkReader{chunks: append([]string(nil), tt.chunks...)}}, emit: func(personality.Event) {}, quiet: true}
		got, _, ok := s.readStdinCaps()
		if got != tt.want || ok != tt.ok {
			t.Errorf("chunks %q: got %q, %v; want %q, %v", tt.chunks, got, ok, tt.want, tt.ok)
		}
	}
}

// TestSetcapNote checks when setcap prints its NOTE about effective bits.
func TestSetcapNote(t *testing.T) {
	last := model.Cap(40)
	tests := map[string]bool{
		"cap_chown=ep cap_kill+p":  true,
		"cap_net_raw=e":            true,
		"cap_chown=ep":             false,
		"cap_chown=p":              false,
		"cap_kill=ep cap_chown=i":  false, // chown (0) differs before any e bit
		"CAP_NET_RAW=ep 0x5,015+i": false,
		"cap_chown=ep 63+p":        true,
	}
	for text, want := range tests {
		c, err := model.ParseText(text, last)
		if err != nil {
			t.Fatal(err)
		}
		if got := setcapNoteApplies(c); got != want {
			t.Errorf("%q: note %v, want %v", text, got, want)
		}
	}
}
