package apply

import (
	"fcap/manifest"
	"fcap/model"
)

// validate parses every manifest whole, applying nothing, and marks the
// good ones. A path may appear in only one of them: duplicates are found
// in memory that does not grow with the manifests (manifest.DupFinder),
// with a second read only when the filter has suspects.
func validate(srcs []*Source, last model.Cap, refuse func(*Source, error)) {
	var size int64
	for _, s := range srcs {
		if fi, err := s.f.Stat(); err == nil {
			size += fi.Size()
		}
	}
	dups := manifest.NewDupFinder(size)
	for _, s := range srcs {
		if err := validateOne(s, last, dups); err != nil {
			refuse(s, err)
			continue
		}
		s.ok = true
	}
	if dups.Suspects() > 0 {
		confirmDuplicates(srcs, last, dups, refuse)
	}
}

func validateOne(s *Source, last model.Cap, dups *manifest.DupFinder) error {
	if err := s.rewind(); err != nil {
		return err
	}
	s.entries = 0
	err := manifest.Parse(s.f, s.Name, last, func(e manifest.Entry) error {
		s.entries++
		dups.Note(e.Path)
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.stamp(false)
	return err
}

// confirmDuplicates reads the good manifests again to tell the filter's
// suspects from real duplicates; a manifest with one is refused.
func confirmDuplicates(srcs []*Source, last model.Cap, dups *manifest.DupFinder, refuse func(*Source, error)) {
	for _, s := range srcs {
		if !s.ok {
			continue
		}
		if err := s.rewind(); err != nil {
			refuse(s, err)
			continue
		}
		err := manifest.Parse(s.f, s.Name, last, func(e manifest.Entry) error {
			if ff, fl, dup := dups.Check(e.Path, e.File, e.Line); dup {
				return manifest.DuplicateError(e.Path, e.File, e.Line, ff, fl)
			}
			return nil
		})
		if err != nil {
			refuse(s, err)
		}
	}
}
