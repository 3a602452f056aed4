package host

import (
	"os"
	"path/filepath"
	"testing"
)

func TestScriptInterpreterReadsTheShebangLikeTheKernel(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"plain shebang", "#!/bin/sh\necho hi\n", "/bin/sh"},
		{"space and argument", "#! /usr/bin/env python3 -u\n", "/usr/bin/env"},
		{"no newline", "#!/bin/bash", "/bin/bash"},
		{"not a script", "\x7fELF...", ""},
		{"empty shebang", "#!\n", ""},
		{"empty file", "", ""},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, []byte(tt.content), 0o755); err != nil {
			t.Fatal(err)
		}
		got, err := ScriptInterpreter(p)
		if err != nil || got != tt.want {
			t.Errorf("%s: ScriptInterpreter = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestScriptInterpreterRefusesASymlink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "l")
	if err := os.Symlink("/bin/sh", link); err != nil {
		t.Fatal(err)
	}
	if _, err := ScriptInterpreter(link); err == nil {
		t.Error("ScriptInterpreter followed a symlink")
	}
}

func TestLastCapMatchesProc(t *testing.T) {
	c, err := LastCap()
	if err != nil {
		t.Fatal(err)
	}
	if c < 30 || c > 63 {
		t.Errorf("LastCap = %d, not a plausible kernel value", c)
	}
}

func TestReadStatusOfSelf(t *testing.T) {
	p, err := ReadStatus(0)
	if err != nil {
		t.Fatal(err)
	}
	if int(p.UID) != os.Getuid() || int(p.EGID) != os.Getegid() {
		t.Errorf("ReadStatus(0) ids %d/%d, want %d/%d", p.UID, p.EGID, os.Getuid(), os.Getegid())
	}
}
