package tarcap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func compressWith(t *testing.T, c Compression, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := Compress(&buf, c)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOutputIsCompressedLikeTheInput(t *testing.T) {
	root := sampleTree(t)
	plain := makeArchive(t, root, archiveFormats[3])
	want, _, err := editBytes(t, plain, planOf(t, "bin/tool cap_net_raw=ep\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Compression{Plain, Gzip, Zstd} {
		for _, out := range []Compression{AsInput, Plain, Gzip, Zstd} {
			t.Run(c.String()+"-to-"+out.String(), func(t *testing.T) {
				var buf bytes.Buffer
				got, err := EditStream(&buf, bytes.NewReader(compressWith(t, c, plain)), planOf(t, "bin/tool cap_net_raw=ep\n"), out, nil)
				if err != nil || got != c {
					t.Fatalf("EditStream = %v, %v; want %v", got, err, c)
				}
				r, gotOut, err := Decompress(&buf)
				if err != nil {
					t.Fatal(err)
				}
				if want := map[bool]Compression{true: c, false: out}[out == AsInput]; gotOut != want {
					t.Errorf("output compressed with %v, want %v", gotOut, want)
				}
				var dec bytes.Buffer
				if _, err := dec.ReadFrom(r); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(dec.Bytes(), want) {
					t.Error("decompressed output differs from the plain edit")
				}
			})
		}
	}
}

func TestRefusedCompressionsSayWhatToDo(t *testing.T) {
	for name, head := range map[string][]byte{"xz": magicXz, "bzip2": []byte("BZh91AY"), "lz4": magicLz4} {
		_, _, err := Decompress(bytes.NewReader(append(head, make([]byte, 100)...)))
		if err == nil || !strings.Contains(err.Error(), "compressed with "+name+": decompress it first") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestFailedOutputIsRefusedByEveryReader checks that the output of a
// failed edit, whatever point it stopped at and however it is
// compressed, makes GNU tar, bsdtar and the decompressors fail rather
// than pass for a shorter archive.
func TestFailedOutputIsRefusedByEveryReader(t *testing.T) {
	root := sampleTree(t)
	plain := makeArchive(t, root, archiveFormats[0])
	inputs := map[string][]byte{
		"missing entry": plain,
		// Cut after a header whose data is exactly one block: a reader
		// would take the marker block for the data.
		"truncated after one block of data": plain[:headerOffset(t, plain, "./etc/conf")+2*blockSize-1],
	}
	for name, in := range inputs {
		for _, c := range []Compression{Plain, Gzip, Zstd} {
			t.Run(name+"/"+c.String(), func(t *testing.T) {
				var out bytes.Buffer
				_, err := EditStream(&out, bytes.NewReader(compressWith(t, c, in)), planOf(t, "nope cap_chown=p\n"), AsInput, nil)
				if err == nil {
					t.Fatal("edit succeeded")
				}
				for _, reader := range [][]string{{"tar", "-tf", "-"}, {"bsdtar", "-tf", "-"}} {
					needTool(t, reader[0])
					cmd := exec.Command(reader[0], reader[1:]...)
					cmd.Stdin = bytes.NewReader(out.Bytes())
					if msg, err := cmd.CombinedOutput(); err == nil {
						t.Errorf("%s accepts the output of a failed edit:\n%s", reader[0], msg)
					}
				}
				checkDecompressorFails(t, c, out.Bytes())
			})
		}
	}
}

func checkDecompressorFails(t *testing.T, c Compression, b []byte) {
	t.Helper()
	var err error
	switch c {
	case Gzip:
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(bytes.NewReader(b)); err == nil {
			_, err = new(bytes.Buffer).ReadFrom(zr)
		}
	case Zstd:
		var zr *zstd.Decoder
		if zr, err = zstd.NewReader(bytes.NewReader(b)); err == nil {
			_, err = new(bytes.Buffer).ReadFrom(zr)
		}
	default:
		return
	}
	if err == nil {
		t.Errorf("%v output of a failed edit decompresses without error", c)
	}
}

// headerOffset finds the offset of the header of the entry named name
// (a GNU-format archive without extension headers before it).
func headerOffset(t *testing.T, b []byte, name string) int {
	t.Helper()
	off := 0
	for _, u := range units(t, b) {
		var h block
		copy(h[:], u)
		if h.name() == name {
			return off
		}
		off += len(u)
	}
	t.Fatalf("no entry %s", name)
	return 0
}

// TestFileToFileIsTheSameAsThroughBuffers checks the copy between files
// inside the kernel (copy_file_range): same bytes as through buffers, a
// fallback where the output does not allow it (opened for appending),
// and a truncated input still found truncated.
func TestFileToFileIsTheSameAsThroughBuffers(t *testing.T) {
	root := sampleTree(t)
	in := makeArchive(t, root, archiveFormats[3])
	want, _, err := editBytes(t, in, planOf(t, "bin/tool cap_net_raw=ep\n"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := []struct {
		name  string
		input []byte
		flags int
		want  string
	}{
		{"plain", in, os.O_WRONLY, ""},
		{"appending output", in, os.O_WRONLY | os.O_APPEND, ""},
		{"truncated input", in[:len(in)/2+100], os.O_WRONLY, "archive truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := filepath.Join(dir, c.name+".in")
			if err := os.WriteFile(src, c.input, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(src)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			dstPath := filepath.Join(dir, c.name+".out")
			dst, err := os.OpenFile(dstPath, c.flags|os.O_CREATE, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			_, err = EditStream(dst, f, planOf(t, "bin/tool cap_net_raw=ep\n"), AsInput, nil)
			dst.Close()
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v, want %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(dstPath)
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from the buffered edit at byte %d", commonPrefix(got, want))
			}
		})
	}
}
