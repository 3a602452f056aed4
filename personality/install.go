package personality

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Names are the programs fcap stands in for.
var Names = []string{"setcap", "getcap"}

// Install makes DIR/setcap and DIR/getcap symlinks to the fcap binary at
// target ("" for the running one), creating DIR if needed. An existing
// link to fcap is replaced; any other existing file is left alone and is
// an error unless force. Nothing is changed unless every link can be
// made. It returns the links made, each as "DIR/NAME -> TARGET".
func Install(dir, targetPath string, force bool) ([]string, error) {
	t, err := target(targetPath)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var refused []error
	for _, name := range Names {
		if err := checkReplaceable(filepath.Join(dir, name), dir, t, force); err != nil {
			refused = append(refused, err)
		}
	}
	if len(refused) > 0 {
		return nil, errors.Join(refused...)
	}
	var made []string
	for _, name := range Names {
		link := filepath.Join(dir, name)
		if err := replaceWithSymlink(link, t); err != nil {
			return made, err
		}
		made = append(made, link+" -> "+t)
	}
	return made, nil
}

// target is what the links point to: the flag's value, or the
// running binary with its symlinks resolved.
func target(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the running fcap: %w", err)
	}
	return filepath.EvalSymlinks(exe)
}

// checkReplaceable says whether link may be (re)created: it does not
// exist, it is already a link to fcap, or force is set and it is not a
// directory.
func checkReplaceable(link, dir, target string, force bool) error {
	info, err := os.Lstat(link)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a directory; not replacing it", link)
	}
	if force || isFcapLink(link, dir, target) {
		return nil
	}
	return fmt.Errorf("%s exists and is not a link to fcap; not replacing it (use --force)", link)
}

// isFcapLink reports whether link is a symlink to target, to the same
// file as target, or to a file named fcap (an earlier install).
func isFcapLink(link, dir, target string) bool {
	dest, err := os.Readlink(link)
	if err != nil {
		return false
	}
	if dest == target || filepath.Base(dest) == "fcap" {
		return true
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	a, errA := os.Stat(link)
	b, errB := os.Stat(target)
	return errA == nil && errB == nil && os.SameFile(a, b)
}

// replaceWithSymlink makes link a symlink to target atomically: a new
// link is made beside it and renamed over it.
func replaceWithSymlink(link, target string) error {
	if dest, err := os.Readlink(link); err == nil && dest == target {
		return nil
	}
	tmp := fmt.Sprintf("%s.fcap-tmp-%d", link, os.Getpid())
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
