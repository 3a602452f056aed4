package getcap

import (
	"fcap/personality"
	"sort"
	"strings"
	"testing"
)

// TestGetcapOptions checks getopt-style parsing.
func TestGetcapOptions(t *testing.T) {
	tests := []struct {
		args  []string
		files []string
		flags string // r, v, n set
		done  bool
	}{
		{[]string{"-rv", "a"}, []string{"a"}, "rv", false},
		{[]string{"a", "-n", "b"}, []string{"a", "b"}, "n", false},
		{[]string{"-", "a"}, []string{"-", "a"}, "", false},
		{[]string{"a", "--", "-v"}, []string{"a", "-v"}, "", false},
		{[]string{"-vx", "a"}, nil, "v", true},
		{[]string{"-h", "a"}, nil, "", true},
	}
	for _, tt := range tests {
		g := &run{argv0: "getcap", emit: func(personality.Event) {}}
		files, _, done := g.options(tt.args)
		flags := ""
		for c, set := range map[string]bool{"r": g.recursive, "v": g.verbose, "n": g.rootid} {
			if set {
				flags += c
			}
		}
		if !sameLetters(flags, tt.flags) || done != tt.done || strings.Join(files, " ") != strings.Join(tt.files, " ") {
			t.Errorf("%q: files %q flags %q done %v; want %q %q %v", tt.args, files, flags, done, tt.files, tt.flags, tt.done)
		}
	}
}

func sameLetters(a, b string) bool {
	x, y := []byte(a), []byte(b)
	sort.Slice(x, func(i, j int) bool { return x[i] < x[j] })
	sort.Slice(y, func(i, j int) bool { return y[i] < y[j] })
	return string(x) == string(y)
}

// TestNftwPath checks how walked paths are named after the argument.
func TestNftwPath(t *testing.T) {
	tests := []struct{ root, path, want string }{
		{"d", "d/a", "d/a"},
		{"./d", "d/a", "./d/a"},
		{".", "a/b", "./a/b"},
		{"d/./sub", "d/sub/b", "d/./sub/b"},
		{"/", "/etc", "/etc"},
		{"///tmp//x", "/tmp/x/y", "///tmp//x/y"},
		{"..", "../o", "../o"},
		{"d", "d", "d"},
	}
	for _, tt := range tests {
		if got := nftwPath(tt.root, tt.path); got != tt.want {
			t.Errorf("nftwPath(%q, %q) = %q, want %q", tt.root, tt.path, got, tt.want)
		}
	}
	for in, want := range map[string]string{"d/": "d", "d//": "d", "/": "/", "///": "/", "a": "a"} {
		if got := trimTrailingSlashes(in); got != want {
			t.Errorf("trimTrailingSlashes(%q) = %q, want %q", in, got, want)
		}
	}
}
