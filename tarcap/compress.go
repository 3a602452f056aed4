package tarcap

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression is how a tar stream is compressed.
type Compression int

// The compressions this package reads and writes.
const (
	// AsInput, as an output's compression, means the input's.
	AsInput Compression = iota
	Plain
	Gzip
	Zstd
)

var compressionNames = [...]string{"auto", "none", "gzip", "zstd"}

// String returns "auto", "none", "gzip" or "zstd".
func (c Compression) String() string {
	if c < 0 || int(c) >= len(compressionNames) {
		return fmt.Sprintf("compression(%d)", int(c))
	}
	return compressionNames[c]
}

// ParseCompression reads a name String returns.
func ParseCompression(s string) (Compression, error) {
	for i, n := range compressionNames {
		if s == n {
			return Compression(i), nil
		}
	}
	return 0, fmt.Errorf("unknown compression %q (want auto, none, gzip or zstd)", s)
}

// maxZstdWindow bounds the memory a zstd input may ask for. zstd's own
// levels use at most 8 MiB; only --long and --ultra go beyond.
const maxZstdWindow = 16 << 20

// magics of the compressed formats this package recognizes.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0}
	magicBzip2 = []byte("BZh")
	magicLz4   = []byte{0x04, 0x22, 0x4d, 0x18}
)

// Decompress detects the compression of src from its first bytes and
// returns the uncompressed stream. xz, bzip2 and lz4 are recognized and
// refused.
func Decompress(src io.Reader) (io.ReadCloser, Compression, error) {
	head, r, err := peek(src, 6)
	if err != nil {
		return nil, 0, fmt.Errorf("read archive: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, magicGzip):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, 0, fmt.Errorf("gzip input: %w", err)
		}
		return named{zr, "gzip"}, Gzip, nil
	case bytes.HasPrefix(head, magicZstd):
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return nil, 0, fmt.Errorf("zstd input: %w", err)
		}
		return named{zstdReadCloser{zr}, "zstd"}, Zstd, nil
	}
	for name, m := range map[string][]byte{"xz": magicXz, "bzip2": magicBzip2, "lz4": magicLz4} {
		if bytes.HasPrefix(head, m) {
			return nil, 0, fmt.Errorf("the archive is compressed with %s: decompress it first (gzip and zstd are read directly)", name)
		}
	}
	if f, ok := r.(*os.File); ok {
		return plainFile{f}, Plain, nil
	}
	return io.NopCloser(r), Plain, nil
}

// plainFile is an uncompressed input file, read as it is; closing it is
// left to whoever opened it.
type plainFile struct{ f *os.File }

func (p plainFile) Read(b []byte) (int, error) { return p.f.Read(b) }
func (p plainFile) Close() error               { return nil }
func (p plainFile) osFile() *os.File           { return p.f }

// peek returns the first n bytes of src (fewer if it is shorter) and a
// reader of all of it. A regular file is read at its position without
// moving it, so that it stays a file (see input.copyRange).
func peek(src io.Reader, n int) ([]byte, io.Reader, error) {
	head := make([]byte, n)
	if f := regularFile(src); f != nil {
		pos, err := f.Seek(0, io.SeekCurrent)
		if err == nil {
			k, err := f.ReadAt(head, pos)
			if err != nil && err != io.EOF {
				return nil, nil, err
			}
			return head[:k], f, nil
		}
	}
	k, err := io.ReadFull(src, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, nil, err
	}
	return head[:k], io.MultiReader(bytes.NewReader(head[:k]), src), nil
}

// named prefixes a decompressor's errors with the format's name.
type named struct {
	io.ReadCloser
	format string
}

func (n named) Read(p []byte) (int, error) {
	k, err := n.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s input: %w", n.format, err)
	}
	return k, err
}

// zstdReadCloser makes a decoder's Close (which returns nothing) fit
// io.Closer.
type zstdReadCloser struct{ *zstd.Decoder }

func (z zstdReadCloser) Close() error {
	z.Decoder.Close()
	return nil
}

// compressor is a compressing writer that can also be flushed without
// ending its stream.
type compressor interface {
	io.WriteCloser
	Flush() error
}

// Compress returns a writer that compresses what it is given into dst
// with c (Plain: as it is). Close ends the compressed stream; it does
// not close dst.
func Compress(dst io.Writer, c Compression) (io.WriteCloser, error) {
	return newCompressor(dst, c)
}

func newCompressor(dst io.Writer, c Compression) (compressor, error) {
	switch c {
	case Plain:
		return plainWriter{dst}, nil
	case Gzip:
		return gzip.NewWriterLevel(dst, gzip.DefaultCompression)
	case Zstd:
		return zstd.NewWriter(dst, zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true),
			zstd.WithWindowSize(4<<20))
	}
	return nil, fmt.Errorf("no compressor for %v", c)
}

// plainWriter is an uncompressed compressor.
type plainWriter struct{ io.Writer }

func (plainWriter) Close() error { return nil }
func (plainWriter) Flush() error { return nil }
