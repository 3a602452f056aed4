package execve

import (
	"os"
	"strings"
	"testing"
)

func TestELFInterpreterOfRealBinaries(t *testing.T) {
	for _, p := range []string{"/bin/true", "/bin/cat"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Skipf("no %s: %v", p, err)
		}
		interp, ok, known := ELFInterpreter(b[:min(len(b), ELFHeadMax)])
		if !known || (ok && !strings.HasPrefix(interp, "/")) {
			t.Errorf("%s: interpreter %q ok %v known %v", p, interp, ok, known)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(self)
	if _, _, known := ELFInterpreter(b[:min(len(b), ELFHeadMax)]); !known {
		t.Errorf("the test binary: not known")
	}
}

func TestELFInterpreterRefusesShortAndForeignHeads(t *testing.T) {
	for _, head := range []string{"", "\x7fELF", "#!/bin/sh\n", "\x7fELF\x02\x01" + strings.Repeat("\x00", 100), "\x7fELF\x03" + strings.Repeat("\x00", 100)} {
		if _, ok, _ := ELFInterpreter([]byte(head)); ok {
			t.Errorf("ELFInterpreter(%q) found an interpreter", head)
		}
	}
}
