package capfile_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fcap/capfile"
	"fcap/model"
)

// vector is one file of testdata: good_*.hex decode to want, bad_*.hex
// fail with kind.
type vector struct {
	name    string // file name without .hex
	comment string
	value   []byte
	good    bool
	want    model.FileCaps    // good vectors
	kind    capfile.Kind      // bad vectors
	fields  map[string]string // the expectation after "=>"
}

var kindNames = map[string]capfile.Kind{
	"TooShort":        capfile.TooShort,
	"UnknownRevision": capfile.UnknownRevision,
	"WrongSize":       capfile.WrongSize,
	"UnknownFlags":    capfile.UnknownFlags,
}

// loadVectors reads every testdata/*.hex file. The first line is
// "# description => key=value ...", the second the value in hex (empty
// for a 0-byte value).
func loadVectors(t testing.TB) []vector {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no testdata/*.hex vectors")
	}
	var vs []vector
	for _, p := range paths {
		v, err := parseVector(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func parseVector(path string) (vector, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return vector{}, err
	}
	v := vector{name: strings.TrimSuffix(filepath.Base(path), ".hex")}
	switch {
	case strings.HasPrefix(v.name, "good_"):
		v.good = true
	case strings.HasPrefix(v.name, "bad_"):
	default:
		return v, fmt.Errorf("name must start with good_ or bad_")
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 2 || !strings.HasPrefix(lines[0], "# ") {
		return v, fmt.Errorf("want a '# comment' line and one hex line, got %d lines", len(lines))
	}
	desc, expect, ok := strings.Cut(strings.TrimPrefix(lines[0], "# "), " => ")
	if !ok {
		return v, fmt.Errorf("comment has no ' => expectation'")
	}
	v.comment = desc
	if len(lines) == 2 {
		if v.value, err = hex.DecodeString(strings.Join(strings.Fields(lines[1]), "")); err != nil {
			return v, err
		}
	}
	v.fields = map[string]string{}
	for _, f := range strings.Fields(expect) {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			return v, fmt.Errorf("expectation %q is not key=value", f)
		}
		if _, dup := v.fields[k]; dup {
			return v, fmt.Errorf("expectation key %q repeated", k)
		}
		v.fields[k] = val
	}
	if !v.good {
		if len(v.fields) != 1 || v.fields["kind"] == "" {
			return v, fmt.Errorf("bad vector needs exactly kind=..., got %q", expect)
		}
		if v.kind, ok = kindNames[v.fields["kind"]]; !ok {
			return v, fmt.Errorf("unknown kind %q", v.fields["kind"])
		}
		return v, nil
	}
	if len(v.fields) != 5 {
		return v, fmt.Errorf("good vector needs permitted, inheritable, effective, revision, rootid; got %q", expect)
	}
	p, err1 := strconv.ParseUint(v.fields["permitted"], 0, 64)
	i, err2 := strconv.ParseUint(v.fields["inheritable"], 0, 64)
	e, err3 := strconv.ParseBool(v.fields["effective"])
	r, err4 := strconv.Atoi(v.fields["revision"])
	id, err5 := strconv.ParseUint(v.fields["rootid"], 0, 32)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return v, fmt.Errorf("expectation %q: %v", expect, err)
	}
	v.want = model.FileCaps{Permitted: model.Set(p), Inheritable: model.Set(i), Effective: e, Revision: r, RootID: uint32(id)}
	return v, nil
}

func goodVectors(t testing.TB, revisions ...int) []vector {
	var out []vector
	for _, v := range loadVectors(t) {
		if !v.good {
			continue
		}
		for _, r := range revisions {
			if v.want.Revision == r {
				out = append(out, v)
			}
		}
	}
	return out
}

// v2Equivalent builds, independently of Encode, the revision-2 value
// holding the same capabilities as the good revision-1 or revision-3
// value b: what setcap would write, and what getxattr returns for a
// revision-3 value with rootid 0.
func v2Equivalent(b []byte) []byte {
	out := make([]byte, capfile.SizeV2)
	copy(out, b[:3])
	out[3] = 2
	copy(out[4:12], b[4:12])
	if len(b) >= capfile.SizeV2 {
		copy(out[12:20], b[12:20])
	}
	return out
}

// TestVectorsDecode checks every testdata vector: good ones decode to the
// value in their comment, bad ones fail with a *FormatError of the kind
// in their comment.
func TestVectorsDecode(t *testing.T) {
	vs := loadVectors(t)
	var good, bad int
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			got, err := capfile.Decode(v.value)
			if v.good {
				good++
				if err != nil {
					t.Fatalf("Decode(%x) (%s): %v", v.value, v.comment, err)
				}
				if got != v.want {
					t.Fatalf("Decode(%x) (%s)\n got %+v\nwant %+v", v.value, v.comment, got, v.want)
				}
				return
			}
			bad++
			if err == nil {
				t.Fatalf("Decode(%x) (%s) = %+v, want a %v error", v.value, v.comment, got, v.fields["kind"])
			}
			var fe *capfile.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode(%x): error %T %v is not a *FormatError", v.value, err, err)
			}
			if fe.Kind != v.kind {
				t.Fatalf("Decode(%x) (%s): kind %d (%v), want %d (%s)", v.value, v.comment, fe.Kind, err, v.kind, v.fields["kind"])
			}
			if !bytes.Equal(fe.Value, v.value) {
				t.Fatalf("FormatError.Value = %x, want %x", fe.Value, v.value)
			}
			if got != (model.FileCaps{}) {
				t.Fatalf("Decode returned %+v with its error, want the zero value", got)
			}
		})
	}
	// The notes' byte examples, and every kind, must stay covered.
	if good < 20 || bad < 15 {
		t.Fatalf("only %d good and %d bad vectors", good, bad)
	}
}

// TestVectorsCoverEveryKindAndRevision guards the corpus itself: each
// error kind and each revision has at least one vector.
func TestVectorsCoverEveryKindAndRevision(t *testing.T) {
	kinds := map[capfile.Kind]int{}
	revs := map[int]int{}
	for _, v := range loadVectors(t) {
		if v.good {
			revs[v.want.Revision]++
		} else {
			kinds[v.kind]++
		}
	}
	for name, k := range kindNames {
		if kinds[k] == 0 {
			t.Errorf("no bad vector of kind %s", name)
		}
	}
	for _, r := range []int{1, 2, 3} {
		if revs[r] == 0 {
			t.Errorf("no good vector of revision %d", r)
		}
	}
}

// TestEncodeReproducesGoodVectors: Encode(Decode(b)) == b for every good
// revision-2 and revision-3 value, except revision 3 with rootid 0, which
// Encode writes as revision 2 exactly as the kernel hands it back.
func TestEncodeReproducesGoodVectors(t *testing.T) {
	vs := goodVectors(t, 2, 3)
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			f, err := capfile.Decode(v.value)
			if err != nil {
				t.Fatal(err)
			}
			got, err := capfile.Encode(f)
			if err != nil {
				t.Fatalf("Encode(%+v): %v", f, err)
			}
			want := v.value
			if f.Revision == 3 && f.RootID == 0 {
				want = v2Equivalent(v.value)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Encode(Decode(%x))\n got %x\nwant %x", v.value, got, want)
			}
		})
	}
}

// TestEncodeRefusesRevision1: a decoded revision-1 value cannot be
// encoded as is (ErrRevision1), and with its revision reset it encodes
// to the revision-2 value with the same bits.
func TestEncodeRefusesRevision1(t *testing.T) {
	vs := goodVectors(t, 1)
	if len(vs) == 0 {
		t.Fatal("no revision-1 vectors")
	}
	for _, v := range vs {
		f, err := capfile.Decode(v.value)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if b, err := capfile.Encode(f); !errors.Is(err, capfile.ErrRevision1) || b != nil {
			t.Errorf("%s: Encode(%+v) = %x, %v; want nil, ErrRevision1", v.name, f, b, err)
		}
		for _, rev := range []int{0, 2, 3} {
			g := f
			g.Revision = rev
			got, err := capfile.Encode(g)
			if err != nil {
				t.Errorf("%s: Encode with Revision %d: %v", v.name, rev, err)
				continue
			}
			if want := v2Equivalent(v.value); !bytes.Equal(got, want) {
				t.Errorf("%s: Encode with Revision %d\n got %x\nwant %x", v.name, rev, got, want)
			}
		}
	}
}

// TestEncodeChoosesRevisionByRootID: the Revision field (other than 1)
// does not matter; rootid 0 gives 20 bytes of revision 2, any other
// rootid 24 bytes of revision 3.
func TestEncodeChoosesRevisionByRootID(t *testing.T) {
	tests := []struct {
		f    model.FileCaps
		want string
	}{
		{model.FileCaps{}, "0000000200000000000000000000000000000000"},
		{model.FileCaps{Revision: 2, Effective: true, Permitted: model.SetOf(model.CapNetRaw)}, "0100000200200000000000000000000000000000"},
		{model.FileCaps{Revision: 3, Effective: true, Permitted: model.SetOf(model.CapNetRaw)}, "0100000200200000000000000000000000000000"},
		{model.FileCaps{Revision: 4, Inheritable: model.SetOf(model.CapChown, 63)}, "0000000200000000010000000000000000000080"},
		{model.FileCaps{Revision: -1, Permitted: model.SetOf(model.CapBpf)}, "0000000200000000000000008000000000000000"},
		{model.FileCaps{Revision: 2, RootID: 1000, Effective: true, Permitted: model.SetOf(model.CapNetRaw)}, "0100000300200000000000000000000000000000e8030000"},
		{model.FileCaps{Revision: 0, RootID: 16, Effective: true, Permitted: model.SetOf(model.CapNetRaw)}, "010000030020000000000000000000000000000010000000"},
		{model.FileCaps{Revision: 3, RootID: 0xffffffff}, "0000000300000000000000000000000000000000ffffffff"},
	}
	for _, tt := range tests {
		got, err := capfile.Encode(tt.f)
		if err != nil {
			t.Errorf("Encode(%+v): %v", tt.f, err)
			continue
		}
		if hex.EncodeToString(got) != tt.want {
			t.Errorf("Encode(%+v)\n got %x\nwant %s", tt.f, got, tt.want)
		}
	}
}

// randomFileCaps draws values that stress the word boundaries: whole
// random sets, single bits, empty and full sets, rootid 0 or not.
func randomFileCaps(r *rand.Rand) model.FileCaps {
	set := func() model.Set {
		switch r.IntN(5) {
		case 0:
			return 0
		case 1:
			return ^model.Set(0)
		case 2:
			return model.SetOf(model.Cap(r.IntN(64)))
		default:
			return model.Set(r.Uint64())
		}
	}
	f := model.FileCaps{Permitted: set(), Inheritable: set(), Effective: r.IntN(2) == 0, Revision: []int{0, 2, 3, 7}[r.IntN(4)]}
	switch r.IntN(4) {
	case 0:
	case 1:
		f.RootID = 0xffffffff
	default:
		f.RootID = r.Uint32()
	}
	return f
}

// TestDecodeInvertsEncode: Decode(Encode(x)) == x for random values,
// with Revision 2 when the rootid is 0 and 3 otherwise.
func TestDecodeInvertsEncode(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		x := randomFileCaps(r)
		b, err := capfile.Encode(x)
		if err != nil {
			t.Fatalf("Encode(%+v): %v", x, err)
		}
		want, wantSize := x, capfile.SizeV2
		want.Revision = 2
		if x.RootID != 0 {
			want.Revision, wantSize = 3, capfile.SizeV3
		}
		if len(b) != wantSize {
			t.Fatalf("Encode(%+v) is %d bytes, want %d", x, len(b), wantSize)
		}
		got, err := capfile.Decode(b)
		if err != nil {
			t.Fatalf("Decode(Encode(%+v) = %x): %v", x, b, err)
		}
		if got != want {
			t.Fatalf("Decode(Encode(x)) for %x\n got %+v\nwant %+v", b, got, want)
		}
	}
}

// TestEncodeLayoutIsLittleEndianWords checks Encode's layout against the
// notes' table word by word, for random values.
func TestEncodeLayoutIsLittleEndianWords(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 2000; n++ {
		x := randomFileCaps(r)
		b, err := capfile.Encode(x)
		if err != nil {
			t.Fatal(err)
		}
		word := func(i int) uint32 { return binary.LittleEndian.Uint32(b[4*i:]) }
		magic := uint32(0x02000000)
		if x.RootID != 0 {
			magic = 0x03000000
		}
		if x.Effective {
			magic |= 1
		}
		want := []uint32{magic, uint32(x.Permitted), uint32(x.Inheritable), uint32(x.Permitted >> 32), uint32(x.Inheritable >> 32)}
		if x.RootID != 0 {
			want = append(want, x.RootID)
		}
		for i, w := range want {
			if word(i) != w {
				t.Fatalf("Encode(%+v) = %x: word %d is %08x, want %08x", x, b, i, word(i), w)
			}
		}
	}
}

// TestDecodeDoesNotRetainInput: neither the result nor a FormatError
// shares memory with the caller's slice.
func TestDecodeDoesNotRetainInput(t *testing.T) {
	for _, v := range loadVectors(t) {
		if len(v.value) == 0 {
			continue
		}
		b := bytes.Clone(v.value)
		f, err := capfile.Decode(b)
		for i := range b {
			b[i] ^= 0xff
		}
		if v.good {
			if f != v.want {
				t.Errorf("%s: decoded value changed with the input", v.name)
			}
			continue
		}
		var fe *capfile.FormatError
		if !errors.As(err, &fe) || !bytes.Equal(fe.Value, v.value) {
			t.Errorf("%s: FormatError.Value shares the input: %v", v.name, err)
		}
	}
}

// TestFormatErrorMessages: every bad vector's message names the value and
// says what is wrong with it.
func TestFormatErrorMessages(t *testing.T) {
	phrase := map[capfile.Kind]string{
		capfile.TooShort:        "too short",
		capfile.UnknownRevision: "unknown revision",
		capfile.WrongSize:       "does not fit revision",
		capfile.UnknownFlags:    "unknown flag bits",
	}
	tests := map[string]string{
		"bad_3_bytes":           "invalid capability xattr 010000: 3 bytes is too short for a capability value",
		"bad_0_bytes":           "invalid capability xattr : 0 bytes is too short for a capability value",
		"bad_magic_04":          "unknown revision 0x04",
		"bad_v2_24_bytes":       "24 bytes does not fit revision 2 (want 20)",
		"bad_v3_20_bytes":       "20 bytes does not fit revision 3 (want 24)",
		"bad_v1_magic_20_bytes": "20 bytes does not fit revision 1 (want 12)",
		"bad_flags_3":           "unknown flag bits 0x000002",
		"bad_flags_bit_23":      "unknown flag bits 0x800000",
	}
	seen := 0
	for _, v := range loadVectors(t) {
		if v.good {
			continue
		}
		_, err := capfile.Decode(v.value)
		if err == nil {
			t.Fatalf("%s: no error", v.name)
		}
		msg := err.Error()
		if !strings.Contains(msg, hex.EncodeToString(v.value)) || !strings.Contains(msg, phrase[v.kind]) {
			t.Errorf("%s: message %q lacks the value or %q", v.name, msg, phrase[v.kind])
		}
		if want, ok := tests[v.name]; ok {
			seen++
			if !strings.Contains(msg, want) {
				t.Errorf("%s: message %q does not contain %q", v.name, msg, want)
			}
		}
	}
	if seen != len(tests) {
		t.Errorf("checked %d of %d exact messages: a vector was renamed", seen, len(tests))
	}
}

func TestDecodeForExecIgnoresUnknownFlagsLikeTheKernel(t *testing.T) {
	b := []byte{0x03, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := capfile.Decode(b); err == nil {
		t.Fatal("Decode accepted unknown flag bits")
	}
	f, err := capfile.DecodeForExec(b)
	if err != nil || !f.Effective || f.Permitted != model.SetOf(model.CapNetRaw) {
		t.Fatalf("DecodeForExec = %+v, %v", f, err)
	}
	if _, err := capfile.DecodeForExec(b[:19]); err == nil {
		t.Fatal("DecodeForExec accepted a wrong size")
	}
}
