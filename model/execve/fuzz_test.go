package execve

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// FuzzParseShebang checks that ParseShebang never panics and keeps the
// kernel's shape: a line names an interpreter (no blank, no NUL, no
// newline in it, within the first ShebangMax bytes) or says why not, and
// only a head starting with "#!" is a script.
func FuzzParseShebang(f *testing.F) {
	for _, s := range []string{"#!/bin/sh\n", "#! /usr/bin/env python3 -u\n", "#!/bin/sh\r\n", "#!\n", "#!   ", "#!" + strings.Repeat("x", 300), "\x7fELF"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		s, script := ParseShebang(head)
		if script != bytes.HasPrefix(head, []byte("#!")) {
			t.Fatalf("ParseShebang(%q): script = %v", head, script)
		}
		if !script || s.Bad != "" {
			if s.Interp != "" || s.Arg != "" {
				t.Fatalf("ParseShebang(%q) = %+v: no interpreter expected", head, s)
			}
			return
		}
		if strings.ContainsAny(s.Interp, " \t\x00\n") || strings.ContainsAny(s.Arg, "\x00\n") {
			t.Fatalf("ParseShebang(%q) = %+v: a separator in a name", head, s)
		}
		if len(s.Interp)+len(s.Arg) > ShebangMax {
			t.Fatalf("ParseShebang(%q) = %+v: longer than the buffer", head, s)
		}
		if s.Interp != "" && !bytes.Contains(head, []byte(s.Interp)) {
			t.Fatalf("ParseShebang(%q) = %+v: interpreter not in the head", head, s)
		}
	})
}

// FuzzParseACL checks that ParseACL never panics and that what it accepts
// prints and is evaluated without panicking.
func FuzzParseACL(f *testing.F) {
	f.Add([]byte{2, 0, 0, 0, 1, 0, 7, 0, 0xff, 0xff, 0xff, 0xff, 0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseACL(b)
		if err != nil {
			return
		}
		if len(a) != (len(b)-4)/8 || (len(a) > 0 && a.String() == "") {
			t.Fatalf("ParseACL(%x) = %v", b, a)
		}
		in := Inode{Mode: 0o100750, UID: 1, GID: 2, ACL: a}
		mayExecute(userState(1000), in)
		maySearch(userState(1000), in)
	})
}

// FuzzELFInterpreter checks that ELFInterpreter never panics and that an
// interpreter it finds lies in the head.
func FuzzELFInterpreter(f *testing.F) {
	if b, err := os.ReadFile("/bin/true"); err == nil {
		f.Add(b[:min(len(b), 4096)])
	}
	f.Add([]byte("\x7fELF\x01\x01"))
	f.Fuzz(func(t *testing.T, head []byte) {
		interp, ok, known := ELFInterpreter(head)
		if ok && (!known || !bytes.Contains(head, []byte(interp))) {
			t.Fatalf("ELFInterpreter = %q %v %v", interp, ok, known)
		}
	})
}
