package main

import (
	"io"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
)

// publicdir VAR: makes a directory every user may enter (mode 0755,
// outside $WORK, whose parents are private), removed at the end, and
// sets VAR to it. Explaining an exec by another user needs one: the
// kernel checks search permission on every directory of the path.
func cmdPublicDir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: publicdir VAR")
	}
	dir, err := os.MkdirTemp("", "fcap-script-")
	ts.Check(err)
	ts.Defer(func() { os.RemoveAll(dir) })
	ts.Check(os.Chmod(dir, 0o755))
	ts.Setenv(args[0], dir)
}

// fcapbin DIR: copies the fcap under test to DIR/fcap, where other users
// can run it (the test binary's own directory is private).
func cmdFcapBin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fcapbin DIR")
	}
	self, err := os.Executable()
	ts.Check(err)
	in, err := os.Open(self)
	ts.Check(err)
	defer in.Close()
	out, err := os.OpenFile(filepath.Join(ts.MkAbs(args[0]), "fcap"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	ts.Check(err)
	_, err = io.Copy(out, in)
	ts.Check(err)
	ts.Check(out.Close())
}
