//go:build linux

package kernelcheck

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/model/execve"
)

// loaderSetup is what a scenario does to the dynamic loader of the
// "loader" location's cat: a copy of the real one, none, a file shorter
// than an ELF header, or a longer file that is not ELF; with the mode,
// owner and ACL of File and of its directory Dir.
type loaderSetup struct {
	Kind      string // "copy", "missing", "short", "not-elf"
	File, Dir fileSetup
}

// addLoaderLocation adds a location whose cat names a program
// interpreter under a directory of the fixture's own: a copy of /bin/cat
// whose PT_INTERP string is replaced by a path of the same length.
func (f *fixture) addLoaderLocation(t *testing.T, r *rand.Rand) error {
	cat, err := os.ReadFile("/bin/cat")
	if err != nil {
		return err
	}
	interp, ok, _ := execve.ELFInterpreter(cat[:min(len(cat), execve.ELFHeadMax)])
	if !ok {
		return errors.New("/bin/cat names no program interpreter")
	}
	digits := len(interp) - len("/tmp/fcapld-/ld")
	if digits < 4 || bytes.Count(cat, []byte(interp)) != 1 {
		return fmt.Errorf("cannot make a path as long as %s", interp)
	}
	dir := fmt.Sprintf("/tmp/fcapld-%0*d", digits, r.Uint64()%pow10(digits))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	loc := &location{Name: "loader", Dir: f.mkdir(t, "loader"), Weight: 8, Loader: filepath.Join(dir, "ld")}
	loc.Sub = filepath.Join(loc.Dir, "sub")
	must(t, os.Mkdir(loc.Sub, 0o755))
	patched := bytes.Replace(cat, []byte(interp), []byte(loc.Loader), 1)
	loc.Probes = map[string]string{"cat": filepath.Join(loc.Sub, "cat")}
	if err := os.WriteFile(loc.Probes["cat"], patched, 0o755); err != nil {
		return err
	}
	loc.realLoader = interp
	f.locs = append(f.locs, loc)
	return nil
}

func pow10(n int) uint64 {
	p := uint64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// loader draws what happens to the loader of a scenario.
func (g *generator) loader() *loaderSetup {
	l := &loaderSetup{Kind: "copy"}
	switch n := g.r.IntN(100); {
	case n < 10:
		l.Kind = "missing"
	case n < 18:
		l.Kind = "short"
	case n < 26:
		l.Kind = "not-elf"
	}
	l.File = fileSetup{Mode: 0o755, UID: g.pick(g.ids.owners), GID: g.pick(g.ids.fileGroups)}
	if g.chance(30) {
		l.File.Mode = modes[g.r.IntN(len(modes))]
	}
	if g.chance(5) {
		l.File.ACL = g.acl()
	}
	l.Dir = fileSetup{Mode: g.dirMode(), UID: g.pick(g.ids.owners), GID: g.pick(g.ids.fileGroups)}
	return l
}

// prepareLoader makes the scenario's loader.
func prepareLoader(loc *location, l *loaderSetup) error {
	if err := os.Remove(loc.Loader); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var content []byte
	switch l.Kind {
	case "missing":
		return setFile(filepath.Dir(loc.Loader), l.Dir)
	case "copy":
		b, err := os.ReadFile(loc.realLoader)
		if err != nil {
			return err
		}
		content = b
	case "short":
		content = []byte("#!/bin/sh\n")
	case "not-elf":
		content = bytes.Repeat([]byte("x"), 200)
	}
	if err := os.WriteFile(loc.Loader, content, 0o700); err != nil {
		return err
	}
	if err := setFile(loc.Loader, l.File); err != nil {
		return err
	}
	if err := unix.Chmod(loc.Loader, l.File.Mode); err != nil {
		return err
	}
	return setFile(filepath.Dir(loc.Loader), l.Dir)
}
