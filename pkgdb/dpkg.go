package pkgdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// dpkgAdmin is dpkg's database directory.
const dpkgAdmin = "/var/lib/dpkg"

// maxScript is the largest maintainer script read; larger ones are
// reported, not read.
const maxScript = 4 << 20

// readDpkg reads the setcap calls of every package's postinst.
func readDpkg(opt Options) ([]Entry, []Unread, string, error) {
	admin := filepath.Join(opt.Root, dpkgAdmin)
	info := filepath.Join(admin, "info")
	names, err := os.ReadDir(info)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, "dpkg: no database (" + info + ")", nil
	}
	if err != nil {
		return nil, nil, "", fmt.Errorf("read dpkg database: %w", err)
	}
	db, err := openDpkgDB(admin, opt)
	if err != nil {
		return nil, nil, "", err
	}
	scripts := 0
	for _, d := range names {
		pkg, ok := strings.CutSuffix(d.Name(), ".postinst")
		if !ok || !d.Type().IsRegular() {
			continue
		}
		scripts++
		if err := db.read(filepath.Join(info, d.Name()), pkg); err != nil {
			return nil, nil, "", err
		}
	}
	return db.entries, db.unread, fmt.Sprintf("dpkg: %d postinst scripts in %s, %d of them call setcap", scripts, info, db.mention), nil
}

// dpkgDB is what the scripts are read with (dpkg's diversions and
// statoverrides) and what they declared so far.
type dpkgDB struct {
	opt       Options
	divert    map[string]string
	overrides map[string]string
	entries   []Entry
	unread    []Unread
	mention   int // scripts that mention setcap
}

func openDpkgDB(admin string, opt Options) (*dpkgDB, error) {
	divert, err := readDiversions(filepath.Join(admin, "diversions"))
	if err != nil {
		return nil, err
	}
	overrides, err := readStatoverrides(filepath.Join(admin, "statoverride"))
	if err != nil {
		return nil, err
	}
	return &dpkgDB{opt: opt, divert: divert, overrides: overrides}, nil
}

// truename is what dpkg-divert --truename prints for p.
func (db *dpkgDB) truename(p string) string {
	if to, ok := db.divert[p]; ok {
		return to
	}
	return p
}

// read reads one package's postinst, noting statoverrides on the paths
// it declares.
func (db *dpkgDB) read(path, pkg string) error {
	e, u, seen, err := readPostinst(path, pkg, db.truename, db.opt)
	if err != nil {
		return err
	}
	if seen {
		db.mention++
	}
	for i := range e {
		if o, ok := db.overrides[e[i].Path]; ok {
			e[i].Notes = append(e[i].Notes, "dpkg-statoverride sets "+o+" on this path (the postinst may leave it alone)")
		}
	}
	db.entries = append(db.entries, e...)
	db.unread = append(db.unread, u...)
	return nil
}

// readPostinst reads one package's postinst; seen says it mentions
// setcap at all.
func readPostinst(path, pkg string, truename func(string) string, opt Options) ([]Entry, []Unread, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxScript+1))
	if err != nil {
		return nil, nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if !bytes.Contains(src, []byte("setcap")) {
		return nil, nil, false, nil
	}
	if len(src) > maxScript {
		return nil, []Unread{{Package: pkg, File: path, Reason: fmt.Sprintf("the script is larger than %d bytes", maxScript)}}, true, nil
	}
	found, unread := readScript(string(src), path, truename, opt.Last)
	var entries []Entry
	for _, e := range found {
		entries = append(entries, Entry{Entry: e, Package: pkg, From: "dpkg postinst"})
	}
	for i := range unread {
		unread[i].Package = pkg
	}
	return entries, unread, true, nil
}

// readDiversions reads dpkg's diversions: groups of three lines, the
// diverted path, where it was moved, and the diverting package.
func readDiversions(path string) (map[string]string, error) {
	m := map[string]string{}
	lines, err := readLines(path)
	for i := 0; i+2 < len(lines); i += 3 {
		m[lines[i]] = lines[i+1]
	}
	return m, err
}

// readStatoverrides reads dpkg's statoverride file: `USER GROUP MODE
// PATH` per line; it returns "USER GROUP MODE" by path.
func readStatoverrides(path string) (map[string]string, error) {
	m := map[string]string{}
	lines, err := readLines(path)
	for _, l := range lines {
		f := strings.SplitN(l, " ", 4)
		if len(f) == 4 {
			m[f[3]] = strings.Join(f[:3], " ")
		}
	}
	return m, err
}

// readLines reads a small text file of the dpkg database; a missing file
// has no lines.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return lines, nil
}
