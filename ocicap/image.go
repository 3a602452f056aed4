package ocicap

import (
	"fmt"
	"os"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// refAnnotation names an image in index.json, as skopeo and umoci set
// it ("oci:DIR:REF", "umoci --image DIR:REF").
const refAnnotation = "org.opencontainers.image.ref.name"

// SplitRef splits "DIR:REF" as skopeo's oci: transport and umoci write
// it. A name that is itself an existing directory, or whose part after
// the last colon holds a slash, is a directory without a reference.
func SplitRef(arg string) (dir, ref string) {
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		return arg, ""
	}
	i := strings.LastIndexByte(arg, ':')
	if i <= 0 || strings.ContainsRune(arg[i+1:], '/') {
		return arg, ""
	}
	return arg[:i], arg[i+1:]
}

// image is the image a run works on, as index.json lists it.
type image struct {
	path  layout.Path
	index *v1.IndexManifest
	pos   int // of its descriptor in index.Manifests
	desc  v1.Descriptor
	img   v1.Image
}

// open finds the image named ref (the only one when ref is "").
func open(dir, ref string) (*image, error) {
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: not an OCI image layout: %w", dir, err)
	}
	idx, err := lp.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("%s: read index.json: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("%s: read index.json: %w", dir, err)
	}
	pos, err := pick(im, dir, ref)
	if err != nil {
		return nil, err
	}
	desc := im.Manifests[pos]
	if !desc.MediaType.IsImage() {
		return nil, fmt.Errorf("%s: %s is a %s, not an image manifest (multi-platform indexes are not supported)", dir, describeRef(desc), desc.MediaType)
	}
	img, err := lp.Image(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("%s: read image %s: %w", dir, describeRef(desc), err)
	}
	return &image{path: lp, index: im, pos: pos, desc: desc, img: img}, nil
}

// pick chooses the descriptor of index.json to work on.
func pick(im *v1.IndexManifest, dir, ref string) (int, error) {
	var refs []string
	found := -1
	for i, d := range im.Manifests {
		name := d.Annotations[refAnnotation]
		refs = append(refs, name)
		if ref != "" && name == ref {
			if found >= 0 {
				return 0, fmt.Errorf("%s: two images are named %q", dir, ref)
			}
			found = i
		}
	}
	switch {
	case found >= 0:
		return found, nil
	case ref != "":
		return 0, fmt.Errorf("%s: no image named %q (there are: %s)", dir, ref, listRefs(refs))
	case len(im.Manifests) == 1:
		return 0, nil
	case len(im.Manifests) == 0:
		return 0, fmt.Errorf("%s: the layout holds no image", dir)
	}
	return 0, fmt.Errorf("%s: the layout holds %d images: name one as %s:REF (%s)", dir, len(im.Manifests), dir, listRefs(refs))
}

func listRefs(refs []string) string {
	sort.Strings(refs)
	for i, r := range refs {
		if r == "" {
			refs[i] = "(unnamed)"
		}
	}
	return strings.Join(refs, ", ")
}

func describeRef(d v1.Descriptor) string {
	if r := d.Annotations[refAnnotation]; r != "" {
		return fmt.Sprintf("%q", r)
	}
	return d.Digest.String()
}
