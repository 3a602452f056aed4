package capfile_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fcap/capfile"
	"fcap/model"
)

// oracleKind says, independently of Decode and from the notes' table
// alone, which error a value deserves (0 for none): under 4 bytes there
// is no magic; the revision byte must be 1, 2 or 3; the size must be 12,
// 20 or 24 to match it; only flag bit 0 may be set.
func oracleKind(b []byte) capfile.Kind {
	if len(b) < 4 {
		return capfile.TooShort
	}
	size := map[byte]int{1: 12, 2: 20, 3: 24}[b[3]]
	switch {
	case size == 0:
		return capfile.UnknownRevision
	case len(b) != size:
		return capfile.WrongSize
	case binary.LittleEndian.Uint32(b)&0x00fffffe != 0:
		return capfile.UnknownFlags
	}
	return 0
}

// FuzzDecode: Decode never panics and never modifies its input; it
// accepts exactly what the oracle accepts, and its errors are
// *FormatError of the oracle's kind whose messages can be printed. For
// an accepted value, Decode(Encode(v)) is v except for the revision
// (2 for rootid 0, else 3; a revision-1 value must first be refused by
// Encode), and revision-2 values and revision-3 values with a nonzero
// rootid re-encode to the very same bytes.
//
// Seeds: testdata/fuzz/FuzzDecode (every testdata/*.hex vector), which
// plain `go test` replays.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		v, err := capfile.Decode(b)
		if !bytes.Equal(b, in) {
			t.Fatalf("Decode modified its input: %x became %x", in, b)
		}
		want := oracleKind(b)
		if err != nil {
			msg := err.Error()
			var fe *capfile.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode(%x): error %T (%s) is not a *FormatError", b, err, msg)
			}
			if fe.Kind != want {
				t.Fatalf("Decode(%x): kind %d (%s), oracle says %d", b, fe.Kind, msg, want)
			}
			if !bytes.Equal(fe.Value, b) {
				t.Fatalf("Decode(%x): FormatError.Value = %x", b, fe.Value)
			}
			if v != (model.FileCaps{}) {
				t.Fatalf("Decode(%x) returned %+v with its error", b, v)
			}
			return
		}
		if want != 0 {
			t.Fatalf("Decode(%x) = %+v, oracle wants kind %d", b, v, want)
		}
		if v.Revision != int(b[3]) || (v.Revision != 3 && v.RootID != 0) {
			t.Fatalf("Decode(%x) = %+v: revision or rootid wrong", b, v)
		}

		enc, err := capfile.Encode(v)
		if v.Revision == 1 {
			if !errors.Is(err, capfile.ErrRevision1) {
				t.Fatalf("Encode(%+v) = %x, %v; want ErrRevision1", v, enc, err)
			}
			v.Revision = 2
			enc, err = capfile.Encode(v)
		}
		if err != nil {
			t.Fatalf("Encode(%+v): %v", v, err)
		}
		wantEnc := b
		if b[3] == 1 || v.RootID == 0 {
			wantEnc = v2Equivalent(b)
		}
		if !bytes.Equal(enc, wantEnc) {
			t.Fatalf("Encode(Decode(%x)) = %x, want %x", b, enc, wantEnc)
		}
		got, err := capfile.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(%+v) = %x): %v", v, enc, err)
		}
		wantRev := 2
		if v.RootID != 0 {
			wantRev = 3
		}
		if !got.SameCaps(v) || got.Revision != wantRev {
			t.Fatalf("Decode(Encode(v)) for input %x\n got %+v\nwant %+v with revision %d", b, got, v, wantRev)
		}
	})
}

// TestFuzzSeedsHoldEveryVector: each testdata/*.hex vector is also a
// FuzzDecode seed with the same bytes, so plain `go test` replays them
// through the fuzz properties too.
func TestFuzzSeedsHoldEveryVector(t *testing.T) {
	for _, v := range loadVectors(t) {
		data, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzDecode", v.name))
		if err != nil {
			t.Errorf("%s: no seed: %v", v.name, err)
			continue
		}
		body, ok := strings.CutPrefix(string(data), "go test fuzz v1\n[]byte(")
		body, ok2 := strings.CutSuffix(body, ")\n")
		if !ok || !ok2 {
			t.Errorf("%s: seed is not one []byte in corpus format: %q", v.name, data)
			continue
		}
		s, err := strconv.Unquote(body)
		if err != nil || s != string(v.value) {
			t.Errorf("%s: seed holds %q (%v), want %x", v.name, s, err, v.value)
		}
	}
}
