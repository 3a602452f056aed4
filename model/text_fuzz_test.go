package model

import (
	"errors"
	"testing"
)

// fuzzLasts are the kernel last-capability values every input is tried
// with: none, a 32-bit boundary, 5.4, 6.x and all 64 bits named.
var fuzzLasts = []Cap{0, 31, 32, 37, 40, 63}

// FuzzParseText checks that ParseText never panics, that its errors are
// *TextError values describing the whole input, and that for an accepted
// input Format is the inverse of ParseText and is stable, for every last,
// and the parsed value formats and parses back relative to any last.
// Seeds are in testdata/fuzz/FuzzParseText.
func FuzzParseText(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		for _, last := range fuzzLasts {
			checkParseText(t, text, last)
		}
	})
}

// checkParseText runs the fuzz properties for one last.
func checkParseText(t *testing.T, text string, last Cap) {
	c, err := ParseText(text, last)
	if err != nil {
		var te *TextError
		if !errors.As(err, &te) || te.Text != text || te.Reason == "" {
			t.Fatalf("ParseText(%q, %d): error %#v is not a *TextError for the input", text, last, err)
		}
		return
	}
	out := c.Format(last)
	back, err := ParseText(out, last)
	if err != nil {
		t.Fatalf("ParseText(%q, %d) = %+v formats as %q, which does not parse: %v", text, last, c, out, err)
	}
	if back != c {
		t.Fatalf("ParseText(%q, %d) = %+v formats as %q, which parses as %+v", text, last, c, out, back)
	}
	if again := back.Format(last); again != out {
		t.Fatalf("Format is not stable for %q (last %d): %q then %q", text, last, out, again)
	}
	for _, other := range fuzzLasts {
		s := c.Format(other)
		if back, err := ParseText(s, other); err != nil || back != c {
			t.Fatalf("%+v formats as %q for last %d, which parses back as %+v, %v", c, s, other, back, err)
		}
	}
}
