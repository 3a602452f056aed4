package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

func TestMain(m *testing.M) {
	os.Exit(testscript.RunMain(m, map[string]func() int{
		"fcap": func() int { return run(os.Args, os.Stdin, os.Stdout, os.Stderr) },
		// fcap as setcap and getcap (compat.go). Not named setcap and
		// getcap: these commands are put first on PATH, where they would
		// hide libcap's programs from the scripts that compare with them.
		"fcap-setcap": func() int { return run(append([]string{"setcap"}, os.Args[1:]...), os.Stdin, os.Stdout, os.Stderr) },
		"fcap-getcap": func() int { return run(append([]string{"getcap"}, os.Args[1:]...), os.Stdin, os.Stdout, os.Stderr) },
	}))
}

// TestScripts runs the CLI scenarios in testdata/script. Scripts that need
// root, xattr support or a peer tool declare it with a condition and are
// skipped, with the reason, when it is missing.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("..", "..", "testdata", "script"),
		// FCAP_UPDATE_SCRIPTS=1 rewrites the files that cmp compares
		// with, for a change of output made on purpose (review the diff).
		UpdateScripts: os.Getenv("FCAP_UPDATE_SCRIPTS") != "",
		Condition:     scriptCondition,
		Setup: func(env *testscript.Env) error {
			b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
			env.Setenv("CAP_LAST_CAP", strings.TrimSpace(string(b)))
			// FCAPBIN is the directory of the commands above, for a
			// script that sets PATH to nothing else.
			env.Setenv("FCAPBIN", filepath.SplitList(env.Getenv("PATH"))[0])
			return err
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"xattrhex":    cmdXattrHex,
			"setxattrhex": cmdSetXattrHex,
			"mkfifo":      cmdMkfifo,
			"mountbindfs": cmdMountBindfs,
			"mountro":     cmdMountRO,
			"publicdir":   cmdPublicDir,
			"fcapbin":     cmdFcapBin,
			"startbg":     cmdStartBg,
			"staticelf":   cmdStaticELF,
		},
	})
}

// scriptCondition answers [root], [xattr] (the work directory stores
// security.capability), [bindfs] (bindfs and /dev/fuse, as root) and
// [peer] (setcap and getcap are on PATH).
func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "root":
		return os.Geteuid() == 0, nil
	case "xattr":
		return testenv.CanStoreCaps("") == nil, nil
	case "bindfs":
		_, err := exec.LookPath("bindfs")
		_, ferr := os.Stat("/dev/fuse")
		return err == nil && ferr == nil && os.Geteuid() == 0, nil
	case "peer":
		_, e1 := exec.LookPath("setcap")
		_, e2 := exec.LookPath("getcap")
		return e1 == nil && e2 == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// xattrhex FILE HEX: the file's raw security.capability is HEX ("none"
// for no attribute).
func cmdXattrHex(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: xattrhex FILE HEX|none")
	}
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(ts.MkAbs(args[0]), "security.capability", buf)
	got := "none"
	if err == nil {
		got = hex.EncodeToString(buf[:n])
	} else if err != unix.ENODATA {
		ts.Fatalf("getxattr %s: %v", args[0], err)
	}
	if (got == args[1]) == neg {
		ts.Fatalf("%s: xattr is %s, want %s%s", args[0], got, map[bool]string{true: "not "}[neg], args[1])
	}
}

// setxattrhex FILE HEX: write raw bytes, bypassing fcap.
func cmdSetXattrHex(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: setxattrhex FILE HEX")
	}
	v, err := hex.DecodeString(args[1])
	ts.Check(err)
	err = unix.Lsetxattr(ts.MkAbs(args[0]), "security.capability", v, 0)
	if (err == nil) == neg {
		ts.Fatalf("setxattr %s: %v", args[0], err)
	}
}

// mkfifo PATH
func cmdMkfifo(ts *testscript.TestScript, neg bool, args []string) {
	for _, a := range args {
		ts.Check(unix.Mkfifo(ts.MkAbs(a), 0o644))
	}
}

// mountbindfs SRC MNT [OPTION...]: mount a bindfs view of SRC on MNT
// (bindfs mounts nosuid unless given -o suid), unmounted at the end.
func cmdMountBindfs(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: mountbindfs SRC MNT [OPTION...]")
	}
	mnt := ts.MkAbs(args[1])
	argv := append(append([]string{}, args[2:]...), ts.MkAbs(args[0]), mnt)
	if out, err := exec.Command("bindfs", argv...).CombinedOutput(); err != nil {
		ts.Fatalf("bindfs %v: %v: %s", argv, err, out)
	}
	ts.Defer(func() { exec.Command("umount", mnt).Run() })
}

// mountro DIR: bind-mount DIR read-only over itself, unmounted at the end.
func cmdMountRO(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: mountro DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(unix.Mount(dir, dir, "", unix.MS_BIND, ""))
	ts.Defer(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	ts.Check(unix.Mount("", dir, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""))
}
