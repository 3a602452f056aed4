package ocicap

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// collect removes the blobs of the old image (its manifest, its config
// and the layers that were replaced) that nothing in index.json refers
// to any more, and returns them.
func (im *image) collect(layers []layerRef, edited map[int]*newLayer) ([]v1.Hash, error) {
	cfgName, err := im.img.ConfigName()
	if err != nil {
		return nil, err
	}
	candidates := []v1.Hash{im.desc.Digest, cfgName}
	for i := range edited {
		candidates = append(candidates, layers[i].desc.Digest)
	}
	used, err := im.referenced()
	if err != nil {
		return nil, err
	}
	var removed []v1.Hash
	for _, h := range candidates {
		if used[h] {
			continue
		}
		if err := im.path.RemoveBlob(h); err != nil {
			return removed, fmt.Errorf("%s: remove unused blob %s: %w", im.path, h, err)
		}
		removed = append(removed, h)
	}
	return removed, nil
}

// referenced lists every blob index.json refers to, through nested
// indexes and image manifests.
func (im *image) referenced() (map[v1.Hash]bool, error) {
	idx, err := im.path.ImageIndex()
	if err != nil {
		return nil, err
	}
	used := map[v1.Hash]bool{}
	return used, walkIndex(idx, used)
}

func walkIndex(idx v1.ImageIndex, used map[v1.Hash]bool) error {
	m, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range m.Manifests {
		used[d.Digest] = true
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return err
			}
			if err := walkIndex(child, used); err != nil {
				return err
			}
		case d.MediaType.IsImage():
			if err := walkImage(idx, d.Digest, used); err != nil {
				return err
			}
		}
	}
	return nil
}

func walkImage(idx v1.ImageIndex, h v1.Hash, used map[v1.Hash]bool) error {
	img, err := idx.Image(h)
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	used[m.Config.Digest] = true
	for _, l := range m.Layers {
		used[l.Digest] = true
	}
	return nil
}
