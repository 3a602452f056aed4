package pkgdb

import (
	"strings"
	"testing"

	"fcap/model"
)

// FuzzReadScript: any script is read without a panic, and every entry
// has an absolute path, a place and a value; every unread call a place
// and a reason.
func FuzzReadScript(f *testing.F) {
	for _, s := range []string{
		iputilsPing, iproute2,
		"for f in /a /b; do echo cap_kill=p | setcap - $f || chmod 4755 $f; done\n",
		"case $1 in configure|*) X=$(dpkg-divert --truename /x); setcap cap_kill+ep \"$X\";; esac",
		"cat <<-E\n\tsetcap\n\tE\nsetcap -n 5 cap_kill=p /n\n",
		"A=${B:-c} `x` $((1+2)) '\"' \"\\$x\" \\\nsetcap",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		entries, unread := readScript(src, "fuzz", func(p string) string { return p }, model.LastNamed)
		for _, e := range entries {
			if !strings.HasPrefix(e.Path, "/") || e.File != "fuzz" || e.Line < 1 {
				t.Fatalf("bad entry %+v", e)
			}
			if !e.None && e.Caps.Revision == 0 {
				t.Fatalf("entry without a value %+v", e)
			}
		}
		for _, u := range unread {
			if u.Reason == "" || u.Line < 1 || u.File != "fuzz" {
				t.Fatalf("bad unread %+v", u)
			}
		}
	})
}
