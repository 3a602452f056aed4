package execve

import "testing"

func TestParseShebangTakesTheFirstWordLikeTheKernel(t *testing.T) {
	tests := []struct{ name, head, want string }{
		{"plain shebang", "#!/bin/sh\necho hi\n", "/bin/sh"},
		{"space and argument", "#! /usr/bin/env python3 -u\n", "/usr/bin/env"},
		{"no newline", "#!/bin/bash", "/bin/bash"},
		{"not a script", "\x7fELF...", ""},
		{"empty shebang", "#!\n", ""},
		{"empty file", "", ""},
	}
	for _, tt := range tests {
		if got := ParseShebang([]byte(tt.head)); got != tt.want {
			t.Errorf("%s: ParseShebang = %q, want %q", tt.name, got, tt.want)
		}
	}
}
