package tarcap

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// header builds a ustar header block.
func header(name string, typ byte, size int64, mode string) []byte {
	var b block
	copy(b[offName:], name)
	copy(b[offMode:], mode+"\x00")
	copy(b[offUID:], "0000000\x00")
	copy(b[offGID:], "0000000\x00")
	b.setSize(size)
	copy(b[offMtime:], "00000000000\x00")
	b[offType] = typ
	copy(b[offMagic:], magicUSTAR)
	copy(b[offMagic+6:], "00")
	b.setChecksum()
	return b[:]
}

// withData pads data to whole blocks after its header.
func withData(h []byte, data []byte) []byte {
	out := append(bytes.Clone(h), data...)
	return append(out, make([]byte, blocksFor(int64(len(data)))-int64(len(data)))...)
}

// paxHeader builds a PAX header ('x' or 'g') with records in the given
// order, repeats allowed.
func paxHeader(typ byte, recs ...record) []byte {
	data := formatRecords(recs)
	return withData(header("PaxHeaders/x", typ, int64(len(data)), "0000644"), data)
}

// file is a regular file entry with its data.
func file(name, content string) []byte {
	return withData(header(name, typeReg, int64(len(content)), "0000755"), []byte(content))
}

// archive joins entries and ends the archive.
func archive(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return append(out, make([]byte, 2*blockSize)...)
}

func capRec(v []byte) record { return record{KeySchily, string(v)} }

func TestHostileArchivesAreRefusedNamingTheEntry(t *testing.T) {
	cases := []struct {
		name    string
		archive []byte
		want    string
	}{
		{"repeated path record", archive(paxHeader(typePAX, record{"path", "a"}, record{"path", "b"}), file("x", "1")),
			`PAX header "PaxHeaders/x" (entry 1 at byte 0): PAX record path given twice`},
		{"repeated capability record", archive(paxHeader(typePAX, capRec(netRawEP), capRec(bindSvcEP)), file("bin/x", "1")),
			"PAX record " + KeySchily + " given twice"},
		{"huge PAX header", archive(header("PaxHeaders/big", typePAX, 5<<30, "0000644")),
			`PAX header "PaxHeaders/big" (entry 1 at byte 0): PAX header of 5368709120 bytes: more than the 1048576 bytes allowed`},
		{"malformed record", archive(withData(header("PaxHeaders/m", typePAX, 12, "0000644"), []byte("99 path=abc\n")), file("x", "")),
			"malformed PAX record at byte 0 of the header"},
		{"long name and path differ", archive(withData(header("././@LongLink", typeLongName, 5, "0000644"), []byte("abcd\x00")),
			paxHeader(typePAX, record{"path", "other"}), file("x", "")),
			`PAX record path "other" and GNU long name "abcd" differ`},
		{"two PAX headers", archive(paxHeader(typePAX, record{"mtime", "1"}), paxHeader(typePAX, record{"mtime", "2"}), file("x", "")),
			"two PAX headers for one entry"},
		{"global capability", archive(paxHeader(typeGlobal, capRec(netRawEP)), file("x", "")),
			"global PAX header sets " + KeySchily + " for every later entry"},
		{"global path", archive(paxHeader(typeGlobal, record{"path", "x"}), file("x", "")),
			"global PAX header sets path"},
		{"data after a link", archive(withData(header("l", typeLink, 3, "0000644"), []byte("abc"))),
			"l (entry 1 at byte 0): a hard link header with 3 bytes of data"},
		{"data after a directory", archive(paxHeader(typePAX, record{"size", "10"}), header("d/", typeDir, 0, "0000755")),
			"a directory header with 10 bytes of data"},
		{"Solaris extended header", archive(header("x", typeSolarisX, 0, "0000644"), file("x", "")),
			"Solaris extended header"},
		{"capability forms differ", archive(paxHeader(typePAX, record{"LIBARCHIVE.xattr.security.capability", "AQAAAgAgAAAAAAAAAAAAAAAAAAA"}, capRec(bindSvcEP)), file("bin/x", "1")),
			"bin/x (entry 1 at byte 0): capability records"},
		{"bad base64", archive(paxHeader(typePAX, record{"LIBARCHIVE.xattr.security%2Ecapability", "!!"}), file("bin/x", "1")),
			"bad base64 value"},
		{"negative size", archive(paxHeader(typePAX, record{"size", "-1"}), file("x", "")),
			`invalid PAX record size="-1"`},
		{"empty name", archive(file("", "")), "entry with an empty name"},
		{"extension then end", archive(paxHeader(typePAX, record{"mtime", "1"})), "extension headers followed by the end-of-archive mark"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := editBytes(t, c.archive, NewPlan())
			var te *Error
			if !errors.As(err, &te) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want an *Error containing %q", err, c.want)
			}
			if _, err := Scan(bytes.NewReader(c.archive)); err == nil {
				t.Errorf("Scan accepts it")
			}
		})
	}
}

func TestSparseAndBinaryRecordsArePreserved(t *testing.T) {
	// Repeated sparse 0.0 records are legal and keep their order; a
	// value with NUL and newline bytes is raw.
	in := archive(paxHeader(typePAX,
		record{"GNU.sparse.offset", "0"}, record{"GNU.sparse.numbytes", "1"},
		record{"GNU.sparse.offset", "9"}, record{"GNU.sparse.numbytes", "1"},
		record{"SCHILY.xattr.user.x", "a\x00\nb"}), file("s", "ab"))
	out, _, err := editBytes(t, in, planOf(t, "s cap_net_raw=ep\n"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := parseRecords(out[blockSize : blockSize+int(mustSize(t, out))])
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range recs {
		keys = append(keys, r.key)
	}
	if got := strings.Join(keys, " "); got != "GNU.sparse.offset GNU.sparse.numbytes GNU.sparse.offset GNU.sparse.numbytes SCHILY.xattr.user.x "+KeySchily {
		t.Errorf("records after the edit: %s", got)
	}
	if recs[4].value != "a\x00\nb" || recs[5].value != string(netRawEP) {
		t.Errorf("values changed: %q %q", recs[4].value, recs[5].value)
	}
}

func mustSize(t *testing.T, b []byte) int64 {
	var h block
	copy(h[:], b)
	n, ok := h.size()
	if !ok {
		t.Fatal("bad size")
	}
	return n
}
