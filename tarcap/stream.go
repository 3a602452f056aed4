package tarcap

import (
	"errors"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// bufSize is the size of the input and output buffers: large enough that
// data moves in few system calls, small enough for the memory budget.
const bufSize = 512 << 10

// directWrite is the size from which a chunk of data is written straight
// from the input buffer instead of being copied into the output buffer.
const directWrite = 64 << 10

// input reads a tar stream through one buffer and counts its offset.
type input struct {
	r          io.Reader
	buf        []byte
	start, end int   // the unread bytes are buf[start:end]
	off        int64 // stream offset of buf[start]
	err        error // the error that ended reading, once met
	// file is r when it is a regular file, whose data can be copied
	// to a regular output file inside the kernel (copy_file_range).
	file *os.File
}

// buffers recycles the input and output buffers of finished runs.
var buffers = sync.Pool{New: func() any { return new([bufSize]byte) }}

func newInput(r io.Reader) *input {
	return &input{r: r, buf: buffers.Get().(*[bufSize]byte)[:], file: regularFile(r)}
}

// regularFile returns the regular file x is, or wraps as it is; nil for
// anything else.
func regularFile(x any) *os.File {
	var f *os.File
	switch v := x.(type) {
	case *os.File:
		f = v
	case interface{ osFile() *os.File }:
		f = v.osFile()
	default:
		return nil
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	return f
}

// release gives the buffer back; the input is not used afterwards.
func (in *input) release() {
	buffers.Put((*[bufSize]byte)(in.buf))
	in.buf = nil
}

// fill reads once into the free end of the buffer, moving what is left
// to its start first. It returns false once the reader is exhausted.
func (in *input) fill() bool {
	if in.err != nil {
		return false
	}
	if in.start > 0 {
		in.end = copy(in.buf, in.buf[in.start:in.end])
		in.start = 0
	}
	n, err := in.r.Read(in.buf[in.end:])
	in.end += n
	if err != nil {
		in.err = err
	}
	return n > 0 || err == nil
}

// readErr is the reader's error after an early end: io.ErrUnexpectedEOF
// for a plain end of input.
func (in *input) readErr() error {
	if in.err == nil || errors.Is(in.err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return in.err
}

// readFull reads len(p) bytes. At the very end of the input it returns
// io.EOF when nothing was read, io.ErrUnexpectedEOF when part was.
func (in *input) readFull(p []byte) error {
	got := 0
	for got < len(p) {
		if in.start == in.end && !in.fill() {
			if got == 0 && errors.Is(in.err, io.EOF) {
				return io.EOF
			}
			return in.readErr()
		}
		n := copy(p[got:], in.buf[in.start:in.end])
		in.start += n
		in.off += int64(n)
		got += n
	}
	return nil
}

// atEOF reports whether the input is exhausted: no byte is left.
func (in *input) atEOF() bool {
	return in.start == in.end && !in.fill() && errors.Is(in.err, io.EOF)
}

// copyN passes the next n bytes to w (nil: skips them) and returns how
// many it passed; short only on an input or output error.
func (in *input) copyN(w *output, n int64) (int64, error) {
	var done int64
	for done < n {
		if in.start == in.end && n-done >= directWrite && w != nil && w.file != nil && in.file != nil {
			k := in.copyRange(w, n-done)
			done += k
			if done == n {
				break
			}
		}
		if in.start == in.end && !in.fill() {
			return done, in.readErr()
		}
		chunk := in.buf[in.start:in.end]
		if rest := n - done; int64(len(chunk)) > rest {
			chunk = chunk[:rest]
		}
		if w != nil {
			if err := w.write(chunk); err != nil {
				return done, err
			}
		}
		in.start += len(chunk)
		in.off += int64(len(chunk))
		done += int64(len(chunk))
	}
	return done, nil
}

// copyRange copies up to n bytes from the input file, at its position
// (where the empty buffer ends), to the output file inside the kernel,
// as cat does between files. It returns how many it copied: fewer at
// the end of the input, or when the files do not allow it (another
// filesystem, an output opened for appending), after which the copy
// goes on through the buffer.
func (in *input) copyRange(w *output, n int64) int64 {
	if w.err = w.flush(); w.err != nil {
		return 0
	}
	var done int64
	for done < n {
		k, err := unix.CopyFileRange(int(in.file.Fd()), nil, int(w.file.Fd()), nil, int(min(n-done, 1<<30)), 0)
		if err != nil || k == 0 {
			if err != nil {
				in.file = nil
			}
			break
		}
		done += int64(k)
	}
	in.off += done
	w.n += done
	return done
}

// output buffers small writes (headers) and passes large ones (data)
// straight through.
type output struct {
	w   io.Writer
	buf []byte
	err error
	n   int64 // bytes written, buffer included
	// file is w when it is a regular file: the input's data may be
	// copied to it inside the kernel.
	file *os.File
}

func newOutput(w io.Writer) *output {
	return &output{w: w, buf: buffers.Get().(*[bufSize]byte)[:0], file: regularFile(w)}
}

// release gives the buffer back once flushed.
func (o *output) release() {
	buffers.Put((*[bufSize]byte)(o.buf[:bufSize]))
	o.buf = nil
}

func (o *output) write(p []byte) error {
	if o.err != nil {
		return o.err
	}
	o.n += int64(len(p))
	if len(p) >= directWrite {
		if o.err = o.flush(); o.err != nil {
			return o.err
		}
		_, o.err = o.w.Write(p)
		return o.err
	}
	if len(o.buf)+len(p) > cap(o.buf) {
		if o.err = o.flush(); o.err != nil {
			return o.err
		}
	}
	o.buf = append(o.buf, p...)
	return nil
}

func (o *output) flush() error {
	if o.err != nil || len(o.buf) == 0 {
		return o.err
	}
	_, o.err = o.w.Write(o.buf)
	o.buf = o.buf[:0]
	return o.err
}
