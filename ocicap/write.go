package ocicap

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"

	"fcap/tarcap"
)

// replace writes the image with its edited layers, points index.json at
// it and removes the blobs only the old image used.
func (im *image) replace(layers []layerRef, edited map[int]*newLayer, plan *tarcap.Plan, opt Options, res *Result) error {
	dir := string(im.path)
	img, err := im.rebuild(layers, edited, history(plan, opt))
	if err != nil {
		return fmt.Errorf("%s: build the new image: %w", dir, err)
	}
	if err := im.path.WriteImage(img); err != nil {
		return fmt.Errorf("%s: write the new image: %w", dir, err)
	}
	if err := im.verify(img); err != nil {
		return err
	}
	desc, err := partial.Descriptor(img)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	desc.Annotations, desc.Platform, desc.URLs = im.desc.Annotations, im.desc.Platform, im.desc.URLs
	im.index.Manifests[im.pos] = *desc
	if err := writeIndex(dir, im.index); err != nil {
		return err
	}
	res.New = desc.Digest
	res.Removed, err = im.collect(layers, edited)
	return err
}

// rebuild makes the new image: the old config and manifest with the
// edited layers in place of the old ones (new diff_ids, digests and
// sizes), and the old history with one entry more.
func (im *image) rebuild(layers []layerRef, edited map[int]*newLayer, h v1.History) (v1.Image, error) {
	m, err := im.img.Manifest()
	if err != nil {
		return nil, err
	}
	cfg, err := im.img.ConfigFile()
	if err != nil {
		return nil, err
	}
	bare := cfg.DeepCopy()
	bare.RootFS.DiffIDs, bare.History = nil, nil
	mt := m.MediaType
	if mt == "" { // optional in a manifest; index.json has it
		mt = im.desc.MediaType
	}
	base, err := mutate.ConfigFile(mutate.ConfigMediaType(mutate.MediaType(empty.Image, mt), m.Config.MediaType), bare)
	if err != nil {
		return nil, err
	}
	adds := make([]mutate.Addendum, len(layers))
	for i, l := range layers {
		layer := l.layer
		if nl, ok := edited[i]; ok {
			if layer, err = nl.asLayer(); err != nil {
				return nil, err
			}
		}
		adds[i] = mutate.Addendum{Layer: layer, MediaType: l.desc.MediaType, Annotations: l.desc.Annotations, URLs: l.desc.URLs}
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return nil, err
	}
	// Append added one history entry per layer: put back the old ones.
	final, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	final.History = append(cfg.History, h)
	if img, err = mutate.ConfigFile(img, final); err != nil {
		return nil, err
	}
	if len(m.Annotations) > 0 {
		img = mutate.Annotations(img, m.Annotations).(v1.Image)
	}
	return img, nil
}

// maxListed bounds the paths the history entry names.
const maxListed = 20

// history is the entry the change adds to the image's history.
func history(plan *tarcap.Plan, opt Options) v1.History {
	by := opt.CreatedBy
	if by == "" {
		by = "fcap tar image"
	}
	var paths []string
	entries := plan.Entries()
	for _, e := range entries[:min(len(entries), maxListed)] {
		paths = append(paths, tarcap.Key(e.Path))
	}
	if more := len(entries) - len(paths); more > 0 {
		paths = append(paths, fmt.Sprintf("and %d more", more))
	}
	return v1.History{CreatedBy: by, EmptyLayer: true,
		Comment: "file capabilities set on: " + strings.Join(paths, " ")}
}

// verify reads back the new image's blobs and checks their digests.
func (im *image) verify(img v1.Image) error {
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	for _, h := range append([]v1.Hash{d, m.Config.Digest}, layerDigests(m)...) {
		if err := checkBlob(im.path.Blob, h); err != nil {
			return fmt.Errorf("%s: read back blob %s: %w", im.path, h, err)
		}
	}
	return nil
}

func layerDigests(m *v1.Manifest) []v1.Hash {
	out := make([]v1.Hash, len(m.Layers))
	for i, l := range m.Layers {
		out[i] = l.Digest
	}
	return out
}

func checkBlob(open func(v1.Hash) (io.ReadCloser, error), h v1.Hash) error {
	rc, err := open(h)
	if err != nil {
		return err
	}
	defer rc.Close()
	got := newHashing(rc)
	if _, err := io.Copy(io.Discard, got); err != nil {
		return err
	}
	if got.sum() != h {
		return fmt.Errorf("its content hashes to %s", got.sum())
	}
	return nil
}

// writeIndex replaces index.json through a rename, so that it is never
// seen half written (the library's own writer writes in place).
func writeIndex(dir string, index *v1.IndexManifest) error {
	b, err := json.MarshalIndent(index, "", "   ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".index.json.fcap-*")
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, "index.json"))
	}
	if err != nil {
		return fmt.Errorf("%s: write index.json: %w", dir, err)
	}
	return nil
}
