package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"

	"fcap/model/cred"
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

// startbg [-userns MAP] VAR CMD [ARGS...]: starts CMD in the background
// (in a new user namespace with uid and gid map MAP, INSIDE:OUTSIDE:COUNT)
// and sets VAR to its pid; it is killed at the end of the script.
func cmdStartBg(ts *testscript.TestScript, neg bool, args []string) {
	var maps []syscall.SysProcIDMap
	if len(args) > 1 && args[0] == "-userns" {
		m, err := cred.ParseIDMap(args[1])
		ts.Check(err)
		for _, r := range m {
			maps = append(maps, syscall.SysProcIDMap{ContainerID: int(r.Inside), HostID: int(r.Outside), Size: int(r.Count)})
		}
		args = args[2:]
	}
	if neg || len(args) < 2 {
		ts.Fatalf("usage: startbg [-userns MAP] VAR CMD [ARGS...]")
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	if maps != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, UidMappings: maps, GidMappings: maps,
			Credential: &syscall.Credential{Uid: uint32(maps[0].ContainerID), Gid: uint32(maps[0].ContainerID), NoSetGroups: true}}
	}
	ts.Check(cmd.Start())
	ts.Defer(func() { cmd.Process.Kill(); cmd.Wait() })
	ts.Setenv(args[0], strconv.Itoa(cmd.Process.Pid))
}
