package ocicap

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"fcap/tarcap"
)

// layerRef is one layer of the image with what the image says of it.
type layerRef struct {
	index  int
	layer  v1.Layer
	desc   v1.Descriptor
	diffID v1.Hash
}

// layers lists the image's layers, base first.
func (im *image) layers() ([]layerRef, error) {
	m, err := im.img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	cfg, err := im.img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	ls, err := im.img.Layers()
	if err != nil {
		return nil, fmt.Errorf("read layers: %w", err)
	}
	if len(ls) != len(m.Layers) || len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("the manifest lists %d layers but the config %d diff_ids", len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	out := make([]layerRef, len(ls))
	for i := range ls {
		out[i] = layerRef{index: i, layer: ls[i], desc: m.Layers[i], diffID: cfg.RootFS.DiffIDs[i]}
	}
	return out, nil
}

// read opens the layer's tar stream. done, called once the stream was
// read to its end, checks the blob against its digest and the stream
// against its diff_id.
func (l layerRef) read() (tar io.Reader, comp tarcap.Compression, done func() error, err error) {
	rc, err := l.layer.Compressed()
	if err != nil {
		return nil, 0, nil, l.fail(err)
	}
	blob := newHashing(rc)
	plain, comp, err := tarcap.Decompress(blob)
	if err != nil {
		rc.Close()
		return nil, 0, nil, l.fail(err)
	}
	stream := newHashing(plain)
	done = func() error {
		defer rc.Close()
		defer plain.Close()
		if _, err := io.Copy(io.Discard, blob); err != nil {
			return l.fail(err)
		}
		if got := blob.sum(); got != l.desc.Digest {
			return l.fail(fmt.Errorf("the blob's digest is %s, not %s: the layout is damaged", got, l.desc.Digest))
		}
		if got := stream.sum(); got != l.diffID {
			return l.fail(fmt.Errorf("the layer's diff_id is %s, not %s as the config says: the layout is damaged", got, l.diffID))
		}
		return nil
	}
	return stream, comp, done, nil
}

func (l layerRef) fail(err error) error {
	return fmt.Errorf("layer %d (%s): %w", l.index, l.desc.Digest, err)
}

// hashing is a reader (or writer) that hashes what passes through it.
type hashing struct {
	r io.Reader
	w io.Writer
	h hash.Hash
	n int64
}

func newHashing(r io.Reader) *hashing { return &hashing{r: r, h: sha256.New()} }

func newHashingWriter(w io.Writer) *hashing { return &hashing{w: w, h: sha256.New()} }

func (h *hashing) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func (h *hashing) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func (h *hashing) sum() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.h.Sum(nil))}
}

// newLayer is an edited layer, kept in a temporary file of the layout
// until it is written as a blob.
type newLayer struct {
	file      string
	digest    v1.Hash
	diffID    v1.Hash
	size      int64
	mediaType types.MediaType
}

var _ partial.CompressedLayer = (*newLayer)(nil)

func (l *newLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *newLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *newLayer) Size() (int64, error)                { return l.size, nil }
func (l *newLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }
func (l *newLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.file) }
func (l *newLayer) asLayer() (v1.Layer, error)          { return partial.CompressedToLayer(l) }
