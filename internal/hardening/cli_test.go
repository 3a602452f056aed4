package hardening

import (
	"path/filepath"
	"strings"
	"testing"

	"fcap/internal/testenv"
)

// TestFilesNamedHOrHelpAreTreatedAsPaths: "h" and "help" are ordinary
// file names. `fcap remove h` must remove h's capabilities, and `fcap
// get help` print help's, rather than print usage and exit 0 having done
// nothing (a script that cleans a directory would silently skip them).
func TestFilesNamedHOrHelpAreTreatedAsPaths(t *testing.T) {
	testenv.RequireRoot(t)
	for _, name := range []string{"h", "help"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, name), 0o755)
			setXattrHex(t, filepath.Join(dir, name), capChownP)

			r := fcap(t, dir, "get", name)
			if want := name + " cap_chown=p\n"; r.code != 0 || r.stdout != want {
				t.Errorf("fcap get %s: exit %d, stdout %.60q…, want %q", name, r.code, r.stdout, want)
			}
			r = fcap(t, dir, "remove", name)
			if got := xattrHex(filepath.Join(dir, name)); r.code != 0 || got != noCaps || strings.Contains(r.stdout, "USAGE") {
				t.Errorf("fcap remove %s: exit %d, the file still holds %s, stdout %.60q…", name, r.code, got, r.stdout)
			}
		})
	}
}
