package tarcap

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// archiveFormat makes an archive of a tree with a real writer.
type archiveFormat struct {
	name string
	tool string
	args []string
}

var archiveFormats = []archiveFormat{
	{"gnu", "tar", []string{"--format=gnu"}},
	{"oldgnu", "tar", []string{"--format=oldgnu"}},
	{"ustar", "tar", []string{"--format=ustar"}},
	{"posix", "tar", []string{"--format=posix"}},
	{"posix-xattrs", "tar", []string{"--format=posix", "--xattrs", "--xattrs-include=*"}},
	{"gnu-sparse", "tar", []string{"--format=gnu", "--sparse"}},
	{"posix-sparse-0.0", "tar", []string{"--format=posix", "--sparse", "--sparse-version=0.0"}},
	{"posix-sparse-0.1", "tar", []string{"--format=posix", "--sparse", "--sparse-version=0.1"}},
	{"posix-sparse-1.0", "tar", []string{"--format=posix", "--sparse", "--sparse-version=1.0", "--xattrs"}},
	{"bsdtar-pax", "bsdtar", []string{"--format=pax", "--xattrs"}},
	{"bsdtar-gnutar", "bsdtar", []string{"--format=gnutar"}},
	{"bsdtar-ustar", "bsdtar", []string{"--format=ustar"}},
}

// makeArchive archives root with the format's writer, sorted by name so
// that runs agree.
func makeArchive(t testing.TB, root string, f archiveFormat) []byte {
	t.Helper()
	needTool(t, f.tool)
	b, err := toolArchive(root, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toolArchive(root string, f archiveFormat) ([]byte, error) {
	args := append([]string{"-cf", "-"}, f.args...)
	if f.tool == "tar" {
		return command(root, f.tool, append(args, "--sort=name", ".")...)
	}
	// bsdtar does not sort: give it the names in order, so that the
	// first name of the hard-linked file is always bin/ping.
	found, err := command(root, "find", ".")
	if err != nil {
		return nil, err
	}
	names := strings.Fields(string(found))
	sort.Strings(names)
	list, err := os.CreateTemp("", "fcap-list")
	if err != nil {
		return nil, err
	}
	defer os.Remove(list.Name())
	list.WriteString(strings.Join(names, "\n") + "\n")
	list.Close()
	return command(root, f.tool, append(args, "-n", "-T", list.Name())...)
}

// withCaps sets cap_net_raw=ep on root/bin/ping when the process can.
func withCaps(t testing.TB, root string) bool {
	err := unix.Lsetxattr(root+"/bin/ping", "security.capability", netRawEP, 0)
	return err == nil
}

func TestEmptyPlanCopiesEveryByte(t *testing.T) {
	root := sampleTree(t)
	withCaps(t, root)
	for _, f := range archiveFormats {
		t.Run(f.name, func(t *testing.T) {
			in := makeArchive(t, root, f)
			out, changes, err := editBytes(t, in, NewPlan())
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) != 0 {
				t.Errorf("changes %v with an empty plan", changes)
			}
			if !bytes.Equal(in, out) {
				t.Fatalf("output differs from input (%d vs %d bytes) at byte %d", len(out), len(in), commonPrefix(in, out))
			}
		})
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// checkOnlyPAXHeadersDiffer checks that out is in with PAX headers
// inserted, replaced or removed, and nothing else changed: the archives
// are cut into headers with their data (a test-only walker that reads
// only the octal size field) and compared in order.
func checkOnlyPAXHeadersDiffer(t *testing.T, in, out []byte, max int) {
	t.Helper()
	a, b := units(t, in), units(t, out)
	diffs := 0
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(a) > 0 && len(b) > 0 && bytes.Equal(a[0], b[0]):
			a, b = a[1:], b[1:]
			continue
		case len(a) > 0 && a[0][offType] == typePAX && len(b) > 0 && b[0][offType] == typePAX:
			a, b = a[1:], b[1:]
		case len(b) > 0 && b[0][offType] == typePAX:
			b = b[1:]
		case len(a) > 0 && a[0][offType] == typePAX:
			a = a[1:]
		default:
			t.Fatalf("archives differ in more than PAX headers (%d units left in the input, %d in the output)", len(a), len(b))
		}
		diffs++
	}
	if diffs == 0 || diffs > max {
		t.Fatalf("%d PAX headers differ, want 1 to %d", diffs, max)
	}
}

// units cuts an archive into its headers, each with its data.
func units(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for off := 0; off+blockSize <= len(b); {
		var h block
		copy(h[:], b[off:])
		if h.isZero() {
			return append(out, b[off:])
		}
		size, _ := parseOctal(h[offSize : offSize+lenSize])
		if headerOnly(h.typ()) {
			size = 0
		}
		end := off + blockSize
		for ext := h.typ() == typeSparse && h[offGNUExtended] != 0; ext; ext = b[end-blockSize+offGNUExtExtended] != 0 {
			end += blockSize
		}
		end += int(blocksFor(size))
		if !h.checksumOK() || end > len(b) {
			t.Fatalf("bad unit at byte %d", off)
		}
		out = append(out, b[off:end])
		off = end
	}
	return out
}

// goReader lists an archive with archive/tar: each entry's name, its
// capability record and the hash of its data.
func goReader(t *testing.T, b []byte) map[string]string {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("archive/tar: %v", err)
		}
		sum := sha256.New()
		if _, err := io.Copy(sum, tr); err != nil {
			t.Fatalf("archive/tar: %s: %v", h.Name, err)
		}
		out[Key(h.Name)] = fmt.Sprintf("%x caps=%x", sum.Sum(nil)[:8], h.PAXRecords[KeySchily])
	}
}

func TestApplyRewritesOnlyTheNamedEntrysPAXHeader(t *testing.T) {
	root := sampleTree(t)
	withCaps(t, root)
	cases := []struct {
		name, manifest, key string
		want                []byte
	}{
		{"set", "./bin/tool cap_net_bind_service=ep\n", "bin/tool", bindSvcEP},
		{"replace", "/bin/ping cap_net_bind_service+ep\n", "bin/ping", bindSvcEP},
		{"remove", "bin/ping -\n", "bin/ping", nil},
		{"long name", "/" + longName + " cap_net_raw=ep\n", longName, netRawEP},
		{"sparse file", "sparse cap_net_raw=ep\n", "sparse", netRawEP},
	}
	for _, f := range archiveFormats {
		in := makeArchive(t, root, f)
		before := goReader(t, in)
		for _, c := range cases {
			t.Run(f.name+"/"+c.name, func(t *testing.T) {
				out, changes, err := editBytes(t, in, planOf(t, c.manifest))
				if err != nil {
					t.Fatal(err)
				}
				after := goReader(t, out)
				if before[c.key] == after[c.key] {
					if !bytes.Equal(in, out) {
						t.Fatal("output differs, though the entry already had what the manifest asks")
					}
				} else {
					checkOnlyPAXHeadersDiffer(t, in, out, 2)
				}
				for k, v := range before {
					want := v
					// A link entry's own record (bsdtar writes one) follows
					// its target's.
					ownRecord := k == "bin/ping-link" && c.key == "bin/ping" && !strings.HasSuffix(v, "caps=")
					if k == c.key || ownRecord {
						want = v[:strings.Index(v, "caps=")] + fmt.Sprintf("caps=%x", c.want)
					}
					if after[k] != want {
						t.Errorf("%s: archive/tar reads %s, want %s", k, after[k], want)
					}
				}
				if len(after) != len(before) {
					t.Errorf("%d entries after, %d before", len(after), len(before))
				}
				if (before[c.key] == after[c.key]) != (len(changes) == 0) {
					t.Errorf("changes = %v", changes)
				}
			})
		}
	}
}

func TestEditErrorsNameTheEntry(t *testing.T) {
	root := sampleTree(t)
	posix := makeArchive(t, root, archiveFormats[3])
	cases := []struct {
		name     string
		archive  func() []byte
		manifest string
		want     string
	}{
		{"truncated data", func() []byte { return posix[:len(posix)/2] }, "", "archive truncated in its data"},
		{"truncated header", func() []byte { return posix[:blockSize+100] }, "", "archive truncated in"},
		{"bad checksum", func() []byte { return corruptFirstHeader(posix) }, "", "bad header checksum"},
		{"gzip garbage", func() []byte { return append([]byte{0x1f, 0x8b, 8, 0}, posix[:600]...) }, "", "gzip"},
		{"missing entry", func() []byte { return posix }, "/bin/nope cap_chown=p\n", "m:1: /bin/nope: no such file in the archive"},
		{"directory", func() []byte { return posix }, "/bin cap_chown=p\n", "./bin/ (entry"},
		{"symlink", func() []byte { return posix }, "bin/sym cap_chown=p\n", "a symlink: capabilities go on regular files"},
		{"empty", func() []byte { return nil }, "", "empty input"},
		{"lone zero block", loneZero, "", "a lone zero block"},
		{"trailing data", func() []byte { return append(bytes.Clone(posix), 'x') }, "", "data after the end-of-archive mark"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := EditStream(&out, bytes.NewReader(c.archive()), planOf(t, c.manifest), AsInput, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
			if !errors.As(err, new(*IncompleteError)) {
				t.Errorf("err = %T, want an *IncompleteError", err)
			}
		})
	}
}

func corruptFirstHeader(b []byte) []byte {
	c := bytes.Clone(b)
	c[10] ^= 0x20
	return c
}

// loneZero is an archive of two empty files with a zero block between
// them.
func loneZero() []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{"a", "b"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Format: tar.FormatUSTAR})
	}
	tw.Close()
	b := buf.Bytes()
	out := append(bytes.Clone(b[:blockSize]), make([]byte, blockSize)...)
	return append(out, b[blockSize:]...)
}
