package execve

import (
	"bytes"
	"encoding/binary"
)

// ELFHeadMax is how much of an ELF file ELFInterpreter looks at: program
// headers and the PT_INTERP string of ordinary binaries lie well within.
const ELFHeadMax = 64 << 10

// elfHeaderSize is sizeof(Elf64_Ehdr): the ELF loader reads that much of
// a program's interpreter, and a shorter file fails with EIO.
const elfHeaderSize = 64

// ELFInterpreter returns the program interpreter (PT_INTERP, the dynamic
// loader such as /lib64/ld-linux-x86-64.so.2) an ELF binary names, from
// its first bytes. ok is false for a static binary; known is false when
// head is too short or malformed to tell.
func ELFInterpreter(head []byte) (interp string, ok, known bool) {
	if len(head) < 20 || !bytes.HasPrefix(head, []byte("\x7fELF")) {
		return "", false, false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if head[5] == 2 {
		bo = binary.BigEndian
	}
	var phoff, phentsize, phnum uint64
	switch head[4] {
	case 1: // ELFCLASS32
		if len(head) < 52 {
			return "", false, false
		}
		phoff, phentsize, phnum = uint64(bo.Uint32(head[28:])), uint64(bo.Uint16(head[42:])), uint64(bo.Uint16(head[44:]))
	case 2: // ELFCLASS64
		if len(head) < elfHeaderSize {
			return "", false, false
		}
		phoff, phentsize, phnum = bo.Uint64(head[32:]), uint64(bo.Uint16(head[54:])), uint64(bo.Uint16(head[56:]))
	default:
		return "", false, false
	}
	for i := uint64(0); i < phnum; i++ {
		off, size, isInterp, ok := programHeader(head, bo, head[4] == 2, phoff+i*phentsize, phentsize)
		if !ok {
			return "", false, false
		}
		if !isInterp {
			continue
		}
		if off > uint64(len(head)) || size > uint64(len(head))-off {
			return "", false, false
		}
		return cString(head[off : off+size]), true, true
	}
	return "", false, true
}

// programHeader reads the program header at at: whether it is PT_INTERP
// and where its contents lie. ok is false when it is outside head.
func programHeader(head []byte, bo binary.ByteOrder, is64 bool, at, entsize uint64) (off, size uint64, isInterp, ok bool) {
	const ptInterp = 3
	need := uint64(32)
	if is64 {
		need = 56
	}
	if entsize < need || at > uint64(len(head)) || need > uint64(len(head))-at {
		return 0, 0, false, false
	}
	ph := head[at:]
	if bo.Uint32(ph) != ptInterp {
		return 0, 0, false, true
	}
	if is64 {
		return bo.Uint64(ph[8:]), bo.Uint64(ph[32:]), true, true
	}
	return uint64(bo.Uint32(ph[4:])), uint64(bo.Uint32(ph[16:])), true, true
}
