package ocicap

import (
	"fmt"
	"io"
	"os"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"fcap/tarcap"
)

// Options tunes Apply.
type Options struct {
	// Check reads and compares only: nothing is written.
	Check bool
	// CreatedBy is recorded in the history entry the change adds (the
	// command that made it); empty for "fcap tar image".
	CreatedBy string
}

// Change is a file whose capabilities changed (or, with Check, differ)
// in layer Layer (0 for the base layer).
type Change struct {
	Layer int
	tarcap.Change
}

// Result says what Apply did.
type Result struct {
	// Old and New are the digests of the image's manifest before and
	// after; New is Old when nothing changed or with Check.
	Old, New v1.Hash
	// Layers are the indexes of the rewritten layers (with Check: of the
	// layers that differ).
	Layers []int
	// Removed are the blobs only the old image used, now deleted.
	Removed []v1.Hash
}

// Apply makes the files of the image ref (the layout's only image when
// ref is "") in the layout dir carry the capabilities plan names, and
// calls fn for each file it changes. It fails, writing nothing, when a
// manifest entry is in no layer (*tarcap.MissingError), when a layer is
// damaged or malformed, or for the reasons tarcap.Edit fails.
func Apply(dir, ref string, plan *tarcap.Plan, opt Options, fn func(Change)) (*Result, error) {
	im, err := open(dir, ref)
	if err != nil {
		return nil, err
	}
	layers, err := im.layers()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	byLayer, err := assign(layers, plan)
	if err != nil {
		return nil, err
	}
	res := &Result{Old: im.desc.Digest, New: im.desc.Digest}
	edited := map[int]*newLayer{}
	defer removeTemps(edited)
	for _, i := range sortedKeys(byLayer) {
		nl, changed, err := editLayer(dir, layers[i], plan.Subset(func(k string) bool { return byLayer[i][k] }), opt.Check, fn)
		if err != nil {
			return nil, err
		}
		if changed {
			res.Layers = append(res.Layers, i)
		}
		if nl != nil {
			edited[i] = nl
		}
	}
	if opt.Check || len(edited) == 0 {
		return res, nil
	}
	return res, im.replace(layers, edited, plan, opt, res)
}

// assign finds the layer of each file the plan names.
func assign(layers []layerRef, plan *tarcap.Plan) (map[int]map[string]bool, error) {
	entries := plan.Entries()
	want := map[string]bool{}
	for _, e := range entries {
		want[tarcap.Key(e.Path)] = true
	}
	found, missing, err := locate(layers, want)
	if err != nil {
		return nil, err
	}
	if err := missingError(entries, missing); err != nil {
		return nil, err
	}
	byLayer := map[int]map[string]bool{}
	for k, i := range found {
		if byLayer[i] == nil {
			byLayer[i] = map[string]bool{}
		}
		byLayer[i][k] = true
	}
	return byLayer, nil
}

func sortedKeys(m map[int]map[string]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// editLayer edits one layer into a temporary file of the layout (or,
// checking, only compares). It returns nil when nothing changed.
func editLayer(dir string, l layerRef, plan *tarcap.Plan, check bool, fn func(Change)) (*newLayer, bool, error) {
	tr, comp, done, err := l.read()
	if err != nil {
		return nil, false, err
	}
	changed := false
	report := func(c tarcap.Change) {
		changed = true
		if fn != nil {
			fn(Change{Layer: l.index, Change: c})
		}
	}
	if check {
		if err := tarcap.Check(tr, plan, report); err != nil {
			return nil, false, l.fail(err)
		}
		return nil, changed, done()
	}
	nl, err := writeLayer(dir, l, tr, comp, plan, report)
	if err == nil {
		err = done()
	}
	if err != nil || !changed {
		removeTemps(map[int]*newLayer{0: nl})
		return nil, false, err
	}
	return nl, true, nil
}

// writeLayer writes the edited layer, compressed as it was, to a
// temporary file, hashing both forms.
func writeLayer(dir string, l layerRef, tr io.Reader, comp tarcap.Compression, plan *tarcap.Plan, report func(tarcap.Change)) (*newLayer, error) {
	f, err := os.CreateTemp(dir, ".fcap-layer-*")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	nl := &newLayer{file: f.Name(), mediaType: l.desc.MediaType}
	blob := newHashingWriter(f)
	zw, err := tarcap.Compress(blob, comp)
	if err == nil {
		stream := newHashingWriter(zw)
		if err = tarcap.Edit(stream, tr, plan, report); err == nil {
			err = zw.Close()
		}
		nl.diffID = stream.sum()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	nl.digest, nl.size = blob.sum(), blob.n
	if err != nil {
		return nl, l.fail(err)
	}
	return nl, nil
}

// removeTemps deletes the temporary files of edited layers.
func removeTemps(m map[int]*newLayer) {
	for _, nl := range m {
		if nl != nil {
			os.Remove(nl.file)
		}
	}
}
