package dropin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Dirs are the drop-in directories, highest precedence first.
var Dirs = []string{"/etc/fcap.d", "/run/fcap.d", "/usr/local/lib/fcap.d", "/usr/lib/fcap.d"}

// Suffix ends every drop-in's name.
const Suffix = ".conf"

// Options say where to look.
type Options struct {
	// Root, when set, is a directory taken as / (an image, a test tree):
	// the drop-in directories are looked for beneath it.
	Root string
}

// File is a drop-in that takes part: the highest-precedence file of its
// name.
type File struct {
	// Name is the file name, e.g. "ping.conf".
	Name string
	// Path is where it is, the Root prefix included.
	Path string
	// Masked: it is a symlink to /dev/null and declares nothing.
	Masked bool
	// Overrides lists the lower-precedence files of the same name it
	// hides.
	Overrides []string
	// File is open for reading; nil when Masked. The caller closes it.
	File *os.File
}

// TrustError is a drop-in file or directory that is refused.
type TrustError struct {
	Path   string // the drop-in or drop-in directory refused
	Reason string
}

func (e *TrustError) Error() string {
	return fmt.Sprintf("refusing drop-in %s: %s", e.Path, e.Reason)
}

// Find lists the drop-ins that take part, sorted by name, each open and
// checked, and every refusal (a *TrustError) or read error met on the
// way. Missing directories are not errors.
func Find(opt Options) ([]*File, []error) {
	var errs []error
	winners := map[string]*candidate{}
	var order []string
	for _, dir := range Dirs {
		names, d, err := listDir(opt.Root, dir)
		if err != nil {
			errs = append(errs, err)
		}
		for _, name := range names {
			if c, ok := winners[name]; ok {
				c.overrides = append(c.overrides, filepath.Join(opt.Root, dir, name))
				continue
			}
			winners[name] = &candidate{dir: d, refused: err != nil}
			order = append(order, name)
		}
		if d != nil {
			defer d.close()
		}
	}
	sort.Strings(order)
	var files []*File
	for _, name := range order {
		c := winners[name]
		if c.refused {
			continue
		}
		f, err := c.dir.open(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f.Overrides = c.overrides
		files = append(files, f)
	}
	return files, errs
}

// candidate is the highest-precedence file of a name.
type candidate struct {
	dir       *dirHandle
	refused   bool // its directory is refused: the name is claimed, nothing read
	overrides []string
}

// isDropIn says whether a directory entry's name is a drop-in's: NAME.conf,
// not hidden (dpkg's .dpkg-new and .dpkg-old files and editors' backups
// end otherwise).
func isDropIn(name string) bool {
	return strings.HasSuffix(name, Suffix) && len(name) > len(Suffix) && !strings.HasPrefix(name, ".")
}

// Close closes every file of files.
func Close(files []*File) {
	for _, f := range files {
		if f.File != nil {
			f.File.Close()
		}
	}
}

// errAbsent says a drop-in directory does not exist.
var errAbsent = errors.New("absent")

// callerUID is who besides root may own drop-ins: the user running fcap
// (a user's own files can make fcap do only what that user can do).
var callerUID = uint32(unix.Geteuid())
