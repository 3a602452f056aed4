package pkgdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"fcap/manifest"
	"fcap/model"
)

// rpmQueryFormat prints, for every file of every package, its FILECAPS
// (what %caps declared, libcap text; empty or "(none)" without), the
// package's name and the path, which comes last so a tab in it does no
// harm.
const rpmQueryFormat = "[%{FILECAPS}\t%{=NAME}\t%{FILENAMES}\n]"

// readRPM asks rpm for the capabilities its packages declare.
func readRPM(opt Options) ([]Entry, []Unread, string, error) {
	prog := opt.RPM
	if prog == "" {
		p, err := exec.LookPath("rpm")
		if err != nil {
			return nil, nil, "rpm: not installed", nil
		}
		prog = p
	}
	// rpm -qa creates an empty database where there is none: ask where
	// it is first, and leave a system without one alone.
	db, err := rpmDBPath(prog, opt.Root)
	if err != nil {
		return nil, nil, "", err
	}
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, "rpm: no database (" + db + ")", nil
	}
	entries, unread, files, err := queryRPM(prog, opt)
	if err != nil {
		return nil, nil, "", err
	}
	return entries, unread, fmt.Sprintf("rpm: FILECAPS of %d installed files (%s)", files, prog), nil
}

// queryRPM runs rpm -qa and reads its answer as it comes.
func queryRPM(prog string, opt Options) ([]Entry, []Unread, int, error) {
	args := []string{"-qa", "--qf", rpmQueryFormat}
	if opt.Root != "" {
		args = append([]string{"--root", opt.Root}, args...)
	}
	cmd := exec.Command(prog, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		return nil, nil, 0, fmt.Errorf("run rpm: %w", err)
	}
	entries, unread, files, serr := parseRPM(bufio.NewScanner(out), opt.Last)
	io.Copy(io.Discard, out) // whatever is left, so rpm does not block
	err = cmd.Wait()
	var ee *exec.ExitError
	switch {
	case serr != nil:
		return nil, nil, 0, fmt.Errorf("read rpm -qa: %w", serr)
	case errors.As(err, &ee):
		return nil, nil, 0, fmt.Errorf("rpm -qa: %v: %s", err, strings.TrimSpace(stderr.String()))
	case err != nil:
		return nil, nil, 0, fmt.Errorf("rpm -qa: %w", err)
	}
	return entries, unread, files, nil
}

// rpmDBPath is where rpm keeps its database, beneath root.
func rpmDBPath(prog, root string) (string, error) {
	out, err := exec.Command(prog, "--eval", "%{_dbpath}").Output()
	if err != nil {
		return "", fmt.Errorf("rpm --eval %%{_dbpath}: %w", err)
	}
	return filepath.Join("/", root, strings.TrimSpace(string(out))), nil
}

// parseRPM reads rpm's answer: one line per file.
func parseRPM(s *bufio.Scanner, last model.Cap) ([]Entry, []Unread, int, error) {
	s.Buffer(make([]byte, 64<<10), 1<<20)
	var entries []Entry
	var unread []Unread
	files := 0
	for s.Scan() {
		files++
		caps, rest, ok := strings.Cut(s.Text(), "\t")
		if !ok || caps == "" || caps == "(none)" {
			continue
		}
		pkg, path, ok := strings.Cut(rest, "\t")
		if !ok {
			continue
		}
		e, reason, _ := manifest.ParseLine(manifest.Escape(path)+" "+caps, last)
		if reason != "" {
			unread = append(unread, Unread{Package: pkg, File: "rpm", Command: "%caps(" + caps + ") " + path, Reason: reason})
			continue
		}
		entries = append(entries, Entry{Entry: e, Package: pkg, From: "rpm %caps"})
	}
	return entries, unread, files, s.Err()
}
