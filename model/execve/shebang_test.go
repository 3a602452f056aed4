package execve

import (
	"strings"
	"testing"
)

func TestParseShebangReadsTheLineLikeBinfmtScript(t *testing.T) {
	long := "#!/" + strings.Repeat("x", 300)
	tests := []struct {
		name, head  string
		script      bool
		interp, arg string
		bad         bool
	}{
		{"plain shebang", "#!/bin/sh\necho hi\n", true, "/bin/sh", "", false},
		{"space and one argument", "#! /usr/bin/env python3 -u\n", true, "/usr/bin/env", "python3 -u", false},
		{"tab separated", "#!\t/bin/bash\t-e\t\n", true, "/bin/bash", "-e", false},
		{"no newline, file ends", "#!/bin/bash", true, "/bin/bash", "", false},
		{"a CRLF line keeps the carriage return in the name", "#!/bin/sh\r\n", true, "/bin/sh\r", "", false},
		{"a CRLF line keeps it in the argument", "#!/usr/bin/env python3\r\n", true, "/usr/bin/env", "python3\r", false},
		{"NUL ends the name", "#!/bin/sh\x00junk\n", true, "/bin/sh", "", false},
		{"not a script", "\x7fELF...", false, "", "", false},
		{"empty file", "", false, "", "", false},
		{"no interpreter", "#!\n", true, "", "", true},
		{"only blanks", "#!  \t \n", true, "", "", true},
		// Without a newline the kernel takes the NUL padding for an empty
		// name, and opening "" opens the working directory: EACCES.
		{"only blanks, no newline: an empty name", "#!   ", true, "", "", false},
		{"nothing after #!, no newline: an empty name", "#!", true, "", "", false},
		{"a name longer than the buffer is refused", long, true, "", "", true},
		{"a long argument is cut, not refused", "#!/bin/sh " + strings.Repeat("a", 300), true, "/bin/sh", strings.Repeat("a", 245), false},
	}
	for _, tt := range tests {
		s, script := ParseShebang([]byte(tt.head))
		if script != tt.script || s.Interp != tt.interp || s.Arg != tt.arg || (s.Bad != "") != tt.bad {
			t.Errorf("%s: ParseShebang = %+v, %v; want interp %q arg %q bad %v", tt.name, s, script, tt.interp, tt.arg, tt.bad)
		}
	}
}

func TestDetectFormat(t *testing.T) {
	for head, want := range map[string]Format{"\x7fELF\x02": FormatELF, "#!/bin/sh": FormatScript, "x": FormatUnknown, "": FormatUnknown, "#": FormatUnknown} {
		if got := DetectFormat([]byte(head)); got != want {
			t.Errorf("DetectFormat(%q) = %s, want %s", head, got, want)
		}
	}
}
