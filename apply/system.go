package apply

import "fcap/dropin"

// SystemSources opens the drop-in manifests of the system beneath root
// ("" for /) as Sources, in the order package dropin gives them. Masked
// drop-ins are left out. Refused and unreadable drop-ins are returned as
// errors (a *dropin.TrustError for a refusal); the others are still
// usable, and a refused one hides the lower-precedence files of its name.
func SystemSources(root string) ([]*Source, []error) {
	files, errs := dropin.Find(dropin.Options{Root: root})
	var srcs []*Source
	for _, f := range files {
		if f.Masked {
			continue
		}
		s, err := FromFile(f.Path, f.File)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		srcs = append(srcs, s)
	}
	return srcs, errs
}
