package main

import (
	"encoding/binary"
	"os"

	"github.com/rogpeppe/go-internal/testscript"
)

// staticELF is the header of a static x86-64 executable (no program
// header, so no PT_INTERP): enough for explain, which reads the format
// and looks for a loader, to take the file for a static binary, as a
// container's programs often are.
func staticELF() []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], 2)  // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], 62) // EM_X86_64
	binary.LittleEndian.PutUint32(h[20:], 1)  // EV_CURRENT
	binary.LittleEndian.PutUint64(h[32:], 64) // e_phoff
	binary.LittleEndian.PutUint16(h[52:], 64) // e_ehsize
	binary.LittleEndian.PutUint16(h[54:], 56) // e_phentsize
	return h
}

// staticelf FILE...: writes each FILE as a static ELF executable, mode 0755.
func cmdStaticELF(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: staticelf FILE...")
	}
	for _, f := range args {
		ts.Check(os.WriteFile(ts.MkAbs(f), staticELF(), 0o755))
		ts.Check(os.Chmod(ts.MkAbs(f), 0o755))
	}
}
