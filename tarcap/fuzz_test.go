package tarcap

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"fcap/manifest"
)

// FuzzEdit feeds arbitrary bytes to the reader through Edit and Scan:
// no panic; every error is an *Error (or, with a plan, a
// *MissingError); an archive Edit accepts with an empty plan comes out
// byte for byte; one it accepts with a plan reads back with the
// capability the plan set.
func FuzzEdit(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _, err := editBytes(t, data, NewPlan())
		checkFuzzErr(t, err)
		if err == nil && !bytes.Equal(out, data) {
			t.Fatalf("an empty plan changed the archive")
		}
		_, serr := Scan(bytes.NewReader(data))
		checkFuzzErr(t, serr)
		out, _, err = editBytes(t, data, planOf(t, "x cap_net_raw=ep\n"))
		checkFuzzErr(t, err)
		if err != nil {
			return
		}
		tree, err := Scan(bytes.NewReader(out))
		if serr == nil && err != nil {
			t.Fatalf("the edited archive does not scan: %v", err)
		}
		for _, fl := range tree.Files {
			if fl.Path == "./x" && !bytes.Equal(fl.Value, netRawEP) {
				t.Fatalf("x has %x after the edit", fl.Value)
			}
		}
	})
}

func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	var te *Error
	var me *MissingError
	if err != nil && !errors.As(err, &te) && !errors.As(err, &me) {
		t.Fatalf("err = %v (%T), want an *Error or *MissingError", err, err)
	}
	if te != nil && (te.Reason == "" || te.Index < 1 || te.Offset < 0) {
		t.Fatalf("incomplete error %+v", te)
	}
}

// fuzzSeeds are small archives of every kind the tests make.
func fuzzSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		archive(paxHeader(typePAX, capRec(netRawEP)), file("x", "x"), link("y", "x", capRec(netRawEP))),
		archive(paxHeader(typeGlobal, record{"comment", "c"}), file("./x", "")),
		archive(withData(header("././@LongLink", typeLongName, 2, "0000644"), []byte("x\x00")), file("ignored", "1")),
		archive(paxHeader(typePAX, record{"GNU.sparse.major", "1"}, record{"GNU.sparse.minor", "0"}, record{"GNU.sparse.name", "x"}), file("GNUSparseFile.0/x", "1\n0\n1\n")),
	}
	// Archives of a one-file tree by the real writers, when present.
	root := t.TempDir()
	if err := writeFile(root+"/x", "content"); err == nil {
		for _, f := range archiveFormats {
			if f.tool == "tar" && !strings.Contains(f.name, "sparse") {
				if b, err := toolArchive(root, f); err == nil {
					seeds = append(seeds, trimPadding(b))
				}
			}
		}
	}
	return seeds
}

// FuzzReadPlan feeds arbitrary manifests to ReadPlan: no panic; errors
// are *manifest.Error naming a line; a plan's keys are clean.
func FuzzReadPlan(f *testing.F) {
	for _, s := range []string{
		"/usr/bin/ping cap_net_raw=ep\n./usr/bin/x -\nusr/lib/y cap_chown=p [rootid=5]\n",
		"./a cap_kill=p\n/a -\n",
		"/ cap_kill=p\n",
		"a\\040b//c/../d cap_net_raw+p\n# c\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadPlan(bytes.NewReader(data), "fuzz", testLast, PlanOptions{RootID: 9})
		if err != nil {
			var me *manifest.Error
			if !errors.As(err, &me) || me.Line < 1 || me.Reason == "" {
				t.Fatalf("err = %v (%T)", err, err)
			}
			return
		}
		for k, w := range p.entries {
			if k == "" || Key(k) != k || Key(w.entry.Path) != k {
				t.Fatalf("key %q for path %q", k, w.entry.Path)
			}
			if (w.value == nil) != w.entry.None {
				t.Fatalf("entry %+v has value %x", w.entry, w.value)
			}
		}
	})
}

// trimPadding drops the zeros GNU tar pads the last record with, keeping
// the end-of-archive mark: smaller seeds minimize faster.
func trimPadding(b []byte) []byte {
	end := len(b)
	for end >= blockSize && firstNonZero(b[end-blockSize:end]) < 0 {
		end -= blockSize
	}
	return b[:min(len(b), end+2*blockSize)]
}
