package ocicap

import (
	"path"
	"strings"

	"fcap/manifest"
	"fcap/tarcap"
)

// OCI whiteouts: ".wh.NAME" deletes NAME from the layers below;
// ".wh..wh..opq" in a directory hides everything the layers below have
// in it.
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// locate finds, for each key the plan names, the topmost layer with an
// entry for it, reading layers from the top down until all are found.
// Keys no layer has, or that a layer above deleted, are returned as
// missing.
func locate(layers []layerRef, want map[string]bool) (found map[string]int, missing []string, err error) {
	found = map[string]int{}
	pending := map[string]bool{}
	for k := range want {
		pending[k] = true
	}
	for i := len(layers) - 1; i >= 0 && len(pending) > 0; i-- {
		hidden, err := scanLayer(layers[i], pending, found)
		if err != nil {
			return nil, nil, err
		}
		for k := range pending {
			if hidden[k] {
				delete(pending, k)
				missing = append(missing, k)
			}
		}
	}
	for k := range pending {
		missing = append(missing, k)
	}
	return found, missing, nil
}

// scanLayer records the pending keys layer l holds, and returns those
// it hides from the layers below: deleted by a whiteout, under an opaque
// directory, or under an entry that is not a directory.
func scanLayer(l layerRef, pending map[string]bool, found map[string]int) (map[string]bool, error) {
	tr, _, done, err := l.read()
	if err != nil {
		return nil, err
	}
	below := ancestors(pending)
	hidden := map[string]bool{}
	hide := func(k string) {
		hidden[k] = true
		for _, p := range below[k] {
			hidden[p] = true
		}
	}
	err = tarcap.Members(tr, func(m tarcap.Member) error {
		dir, base := path.Split(m.Key)
		switch {
		case base == opaqueMarker:
			for _, p := range below[strings.TrimSuffix(dir, "/")] {
				hidden[p] = true
			}
		case strings.HasPrefix(base, whiteoutPrefix):
			hide(dir + strings.TrimPrefix(base, whiteoutPrefix))
		case pending[m.Key]:
			found[m.Key] = l.index
			delete(pending, m.Key)
		case !m.Dir:
			hide(m.Key)
		}
		return nil
	})
	if err != nil {
		return nil, l.fail(err)
	}
	if err := done(); err != nil {
		return nil, err
	}
	return hidden, nil
}

// ancestors maps every directory above the keys ("" for the root) to
// the keys below it.
func ancestors(keys map[string]bool) map[string][]string {
	out := map[string][]string{}
	for k := range keys {
		for d := path.Dir(k); ; d = path.Dir(d) {
			if d == "." {
				out[""] = append(out[""], k)
				break
			}
			out[d] = append(out[d], k)
		}
	}
	return out
}

// missingError lists the plan's entries that are not in the image.
func missingError(entries []manifest.Entry, missing []string) error {
	if len(missing) == 0 {
		return nil
	}
	gone := map[string]bool{}
	for _, k := range missing {
		gone[k] = true
	}
	var out []manifest.Entry
	for _, e := range entries {
		if gone[tarcap.Key(e.Path)] {
			out = append(out, e)
		}
	}
	return &tarcap.MissingError{Entries: out, In: "image"}
}
