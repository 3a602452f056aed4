package tarcap

import (
	"errors"
	"fmt"
	"io"
)

// EditStream is Edit for an input that may be compressed with gzip or
// zstd: the output is compressed with out, or like the input for
// AsInput. It returns the input's compression.
//
// When the edit fails, what was already written is marked as broken so
// that no reader takes it for a whole archive: a header block whose
// checksum no reader accepts and a partial block are written after it
// (wherever a reader is, in a header or in data, it fails), and a
// compressed output is left without the end of its compressed stream.
func EditStream(dst io.Writer, src io.Reader, p *Plan, out Compression, fn func(Change)) (Compression, error) {
	in, comp, err := Decompress(src)
	if err != nil {
		return 0, spoil(plainWriter{dst}, err)
	}
	defer in.Close()
	if out == AsInput {
		out = comp
	}
	zw, err := newCompressor(dst, out)
	if err != nil {
		return comp, spoil(plainWriter{dst}, err)
	}
	if err := Edit(zw, in, p, fn); err != nil {
		return comp, spoil(zw, err)
	}
	if err := zw.Close(); err != nil {
		return comp, fmt.Errorf("write archive: %w", err)
	}
	return comp, nil
}

// CheckStream is Check for an input that may be compressed.
func CheckStream(src io.Reader, p *Plan, fn func(Change)) error {
	in, _, err := Decompress(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return Check(in, p, fn)
}

// spoil ends a failed output with a block no reader accepts and one
// byte more, so that the output is not a whole number of blocks either,
// flushed through the compressor without ending its stream; it returns
// the edit's error.
func spoil(zw compressor, cause error) error {
	zw.Write(append(brokenBlock(cause), '\n'))
	zw.Flush()
	return &IncompleteError{Err: cause}
}

// IncompleteError is the error of an edit that stopped after writing
// part of its output; that output ends in a block no tar reader
// accepts.
type IncompleteError struct{ Err error }

func (e *IncompleteError) Error() string { return e.Err.Error() }

// Unwrap returns the edit's error.
func (e *IncompleteError) Unwrap() error { return e.Err }

// brokenBlock is a header block with an invalid checksum field, whose
// name says why the archive stops there.
func brokenBlock(cause error) []byte {
	var b block
	name := "fcap: INCOMPLETE ARCHIVE: " + cause.Error()
	var me *MissingError
	if errors.As(cause, &me) {
		name = "fcap: INCOMPLETE ARCHIVE: manifest entries not found"
	}
	copy(b[offName:offName+lenName], name)
	copy(b[offMode:], "0000644\x00")
	copy(b[offSize:], "00000000000\x00")
	copy(b[offChksum:offChksum+lenChksum], "invalid\x00")
	b[offType] = typeReg
	copy(b[offMagic:], magicUSTAR)
	return b[:]
}
