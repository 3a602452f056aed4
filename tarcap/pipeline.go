package tarcap

import (
	"fmt"
	"io"
)

// EditStream is Edit for an input that may be compressed with gzip or
// zstd: the output is compressed with out, or like the input for
// AsInput. It returns the input's compression.
//
// When the edit fails, what was already written is marked as broken so
// that no reader takes it for a whole archive: the header of a file
// larger than what follows and a partial block are written after it
// (wherever a reader is, in a header or in data, it finds the archive
// truncated), and a compressed output is left without the end of its
// compressed stream.
func EditStream(dst io.Writer, src io.Reader, p *Plan, out Compression, fn func(Change)) (Compression, error) {
	in, comp, err := Decompress(src)
	if err != nil {
		return 0, spoil(plainWriter{dst}, 0, err)
	}
	defer in.Close()
	if out == AsInput {
		out = comp
	}
	zw, err := newCompressor(dst, out)
	if err != nil {
		return comp, spoil(plainWriter{dst}, 0, err)
	}
	var w io.Writer = zw
	if out == Plain {
		w = dst // as it is: a file stays a file (see input.copyRange)
	}
	if n, err := edit(w, in, p, fn); err != nil {
		return comp, spoil(zw, n, err)
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

// spoil ends a failed output of n bytes: zeros up to the next block
// boundary, the header of a file larger than what follows, and one byte
// more. Wherever a reader is when it meets them, in a header or in data,
// it finds the archive truncated (a reader that lost the block boundary
// would search for the next header and might end quietly). The
// compressor is flushed without ending its stream. spoil returns the
// edit's error.
func spoil(zw compressor, n int64, cause error) error {
	if n%blockSize != 0 {
		zw.Write(make([]byte, blockSize-n%blockSize))
	}
	zw.Write(append(brokenHeader(), '\n'))
	zw.Flush()
	return &IncompleteError{Err: cause}
}

// IncompleteError is the error of an edit that stopped after writing
// part of its output; that output ends in a way no tar reader accepts.
type IncompleteError struct{ Err error }

func (e *IncompleteError) Error() string { return e.Err.Error() }

// Unwrap returns the edit's error.
func (e *IncompleteError) Unwrap() error { return e.Err }

// brokenHeader is the header of a regular file of 8 GiB named
// fcap-INCOMPLETE-ARCHIVE, which a reader that extracts what it can
// leaves as a sign.
func brokenHeader() []byte {
	var b block
	copy(b[offName:], "fcap-INCOMPLETE-ARCHIVE")
	copy(b[offMode:], "0000644\x00")
	copy(b[offUID:], "0000000\x00")
	copy(b[offGID:], "0000000\x00")
	b.setSize(1<<33 - 1)
	copy(b[offMtime:], "00000000000\x00")
	b[offType] = typeReg
	copy(b[offMagic:], magicUSTAR)
	copy(b[offMagic+6:], "00")
	b.setChecksum()
	return b[:]
}
