package hardening

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"fcap/internal/testenv"
)

// errorCase is one row of the error matrix: a file in an odd state or
// on an odd filesystem, a command on it, and exactly what fcap must say.
type errorCase struct {
	name string
	// setup prepares the case in base (the command's working directory)
	// and returns the paths, relative to base, that must not change; it
	// may skip t with a reason.
	setup func(t *testing.T, base string) []string
	args  []string
	// as runs fcap as another caller: asNobody or asNoSetfcap.
	as     string
	stderr string // the exact stderr, "" for none
	// stdout, when set, is a line stdout must contain.
	stdout string
	code   int
	// want is the raw value these files must hold afterwards (the
	// command succeeds); every other watched file must be unchanged.
	want map[string]string
	// needs names a command that fcap may not have yet.
	needs string
}

const (
	asNobody    = "uid 65534"
	asNoSetfcap = "root without CAP_SETFCAP"
)

const (
	msgNotSupported = "filesystem does not support file capabilities"
	msgPermission   = "permission denied (need CAP_SETFCAP, or the file is immutable)"
	msgSymlink      = "is a symlink (refused: fcap never follows symlinks)"
	msgUnreadable   = "capability xattr present but unreadable (revision 1 or malformed)"
)

func errorCases() []errorCase {
	return []errorCase{
		{name: "filesystem without xattr support (bindfs --xattr-none)", setup: setupBindfsXattrNone,
			args: []string{"set", "cap_net_raw=ep", "mnt/f"}, stderr: "fcap: set mnt/f: " + msgNotSupported, code: 1},
		{name: "filesystem without xattr support (bindfs --xattr-none)", setup: setupBindfsXattrNone,
			args: []string{"remove", "mnt/f"}, code: 0}, // it has none: nothing to do
		{name: "filesystem without xattr support (bindfs --xattr-none)", setup: setupBindfsXattrNone,
			args: []string{"get", "mnt/f"}, code: 0},
		{name: "ramfs (no xattr support)", setup: setupRamfs,
			args: []string{"set", "cap_net_raw=ep", "ram/f"}, stderr: "fcap: set ram/f: " + msgNotSupported, code: 1},
		{name: "ramfs (no xattr support)", setup: withManifest(setupRamfs, "ram/f cap_net_raw=ep"), needs: "apply",
			args: []string{"apply", "manifest"}, stderr: "fcap: set ram/f: " + msgNotSupported, code: 1},
		{name: "ramfs (no xattr support), setuid root program", setup: withMode(setupRamfs, "ram/f", 0o4755), needs: "convert",
			args:   []string{"convert", "--caps", "cap_net_raw=ep", "ram/f"},
			stderr: "fcap: convert ram/f: fell back: the capabilities could not be written (set ram/f: " + msgNotSupported + "); it keeps setuid root", code: 3},
		{name: "read-only bind mount", setup: setupReadOnlyBind,
			args: []string{"set", "cap_net_raw=ep", "ro/f"}, stderr: "fcap: set ro/f: read-only filesystem", code: 1},
		{name: "read-only bind mount", setup: withManifest(setupReadOnlyBind, "ro/f cap_net_raw=ep"), needs: "apply",
			args: []string{"apply", "manifest"}, stderr: "fcap: set ro/f: read-only filesystem", code: 1},
		{name: "read-only bind mount, setuid root program", setup: withMode(setupReadOnlyBind, "rw/f", 0o4755), needs: "convert",
			args:   []string{"convert", "--caps", "cap_net_raw=ep", "ro/f"},
			stderr: "fcap: convert ro/f: fell back: the capabilities could not be written (set ro/f: read-only filesystem); it keeps setuid root", code: 3},
		{name: "read-only bind mount, file without caps", setup: setupReadOnlyBind,
			args: []string{"remove", "ro/f"}, code: 0},
		{name: "read-only bind mount, file with caps", setup: withCaps(setupReadOnlyBind, "rw/f"),
			args: []string{"remove", "ro/f"}, stderr: "fcap: remove ro/f: read-only filesystem", code: 1},
		{name: "nosuid tmpfs: caps can be stored", setup: setupNosuid,
			args: []string{"set", "cap_net_raw=ep", "nosuid/f"}, code: 0,
			want: map[string]string{"nosuid/f": capNetRawEP}},
		{name: "nosuid tmpfs: explain says they are ignored", setup: withCaps(withProgram(setupNosuid, "nosuid/f"), "nosuid/f"),
			args: []string{"explain", "nosuid/f"}, code: 0,
			stdout: "WARNING: the file's mount is nosuid: its capabilities and set-id bits are ignored"},
		{name: "tmpfs", setup: setupTmpfs,
			args: []string{"set", "cap_net_raw=ep", "tmp/f"}, code: 0,
			want: map[string]string{"tmp/f": capNetRawEP}},
		{name: "tmpfs", setup: withCaps(setupTmpfs, "tmp/f"),
			args: []string{"get", "tmp/f"}, code: 0, stdout: "tmp/f cap_chown=p"},
		{name: "FIFO without a writer (must not block)", setup: setupFIFO,
			args: []string{"set", "cap_net_raw=ep", "fifo"}, stderr: "fcap: open fifo: not a regular file (FIFO)", code: 1},
		{name: "FIFO without a writer (must not block)", setup: setupFIFO,
			args: []string{"get", "fifo"}, stderr: "fcap: open fifo: not a regular file (FIFO)", code: 1},
		{name: "FIFO without a writer (must not block)", setup: setupFIFO,
			args: []string{"remove", "fifo"}, stderr: "fcap: open fifo: not a regular file (FIFO)", code: 1},
		{name: "unix socket", setup: setupSocket,
			args: []string{"set", "cap_net_raw=ep", "sock"}, stderr: "fcap: open sock: not a regular file (socket)", code: 1},
		{name: "character device (a /dev/null twin on tmpfs)", setup: setupCharDevice,
			args: []string{"set", "cap_net_raw=ep", "dev/null"}, stderr: "fcap: open dev/null: not a regular file (character device)", code: 1},
		{name: "directory", setup: setupDir,
			args: []string{"set", "cap_net_raw=ep", "dir"}, stderr: "fcap: open dir: not a regular file (directory)", code: 1},
		{name: "dangling symlink", setup: setupDangling,
			args: []string{"set", "cap_net_raw=ep", "dangling"}, stderr: "fcap: open dangling: " + msgSymlink, code: 1},
		{name: "symlink to a regular file", setup: setupSymlinkToFile,
			args: []string{"set", "cap_net_raw=ep", "link"}, stderr: "fcap: open link: " + msgSymlink, code: 1},
		{name: "symlink to a regular file", setup: setupSymlinkToFile,
			args: []string{"remove", "link"}, stderr: "fcap: open link: " + msgSymlink, code: 1},
		{name: "missing file", setup: setupNothing,
			args: []string{"set", "cap_net_raw=ep", "missing"}, stderr: "fcap: open missing: no such file or directory", code: 1},
		{name: "a path component is a file", setup: setupFile("f"),
			args: []string{"set", "cap_net_raw=ep", "f/x"}, stderr: "fcap: open f/x: no such file or directory", code: 1},
		{name: "caller " + asNobody + ", no capabilities", setup: setupFile("f"), as: asNobody,
			args: []string{"set", "cap_net_raw=ep", "f"}, stderr: "fcap: set f: " + msgPermission, code: 1},
		{name: "caller " + asNobody + ", no capabilities", setup: withCaps(setupFile("f"), "f"), as: asNobody,
			args: []string{"remove", "f"}, stderr: "fcap: remove f: " + msgPermission, code: 1},
		{name: "caller " + asNoSetfcap, setup: setupFile("f"), as: asNoSetfcap,
			args: []string{"set", "cap_net_raw=ep", "f"}, stderr: "fcap: set f: " + msgPermission, code: 1},
		{name: "caller " + asNoSetfcap, setup: withCaps(setupFile("f"), "f"), as: asNoSetfcap,
			args: []string{"remove", "f"}, stderr: "fcap: remove f: " + msgPermission, code: 1},
		{name: "immutable file (chattr +i)", setup: setupImmutable,
			args: []string{"set", "cap_net_raw=ep", "f"}, stderr: "fcap: set f: " + msgPermission, code: 1},
		{name: "immutable file (chattr +i) with caps", setup: setupImmutable,
			args: []string{"remove", "g"}, stderr: "fcap: remove g: " + msgPermission, code: 1},
		{name: fmt.Sprintf("path longer than PATH_MAX (%d bytes)", len(longPath)), setup: setupLongPath,
			args: []string{"set", "cap_net_raw=ep", longPath}, stderr: "fcap: open " + longPath + ": file name too long", code: 1},
		{name: "tree with a path longer than PATH_MAX", setup: setupLongPath,
			args: []string{"get", "-r", "long"}, stdout: longPath + " cap_net_raw=ep", code: 0},
		{name: "value of 100 bytes on disk (ext4 image, debugfs)", setup: setupImage,
			args: []string{"get", "img/big"}, stderr: "fcap: get img/big: " + msgUnreadable, code: 1},
		{name: "revision-1 value on disk (ext4 image, debugfs)", setup: setupImage,
			args: []string{"get", "img/v1"}, stderr: "fcap: get img/v1: " + msgUnreadable, code: 1},
		{name: "value of 100 bytes on disk (ext4 image, debugfs)", setup: setupImage,
			args: []string{"set", "cap_net_raw=ep", "img/big"}, code: 0,
			want: map[string]string{"img/big": capNetRawEP}},
		{name: "drop-in", setup: setupDropIn(func(*testing.T, string) {}),
			args: []string{"apply", "--system", "--root", "sys"}, code: 0, stdout: "/usr/bin/f: set cap_net_raw=ep (was none)",
			want: map[string]string{"sys/usr/bin/f": capNetRawEP}},
		{name: "world-writable drop-in", setup: setupDropIn(chmodIn("etc/fcap.d/f.conf", 0o666)),
			args:   []string{"apply", "--system", "--root", "sys"},
			stderr: "fcap: refusing drop-in sys/etc/fcap.d/f.conf: sys/etc/fcap.d/f.conf is writable by everyone (mode 0666)", code: 1},
		{name: "drop-in owned by uid 65534", setup: setupDropIn(chownIn("etc/fcap.d/f.conf", 65534)),
			args:   []string{"apply", "--system", "--root", "sys"},
			stderr: "fcap: refusing drop-in sys/etc/fcap.d/f.conf: sys/etc/fcap.d/f.conf is owned by nobody (uid 65534), not root", code: 1},
		{name: "group-writable drop-in directory", setup: setupDropIn(chmodIn("etc/fcap.d", 0o775)),
			args:   []string{"apply", "--system", "--root", "sys"},
			stderr: "fcap: refusing drop-in sys/etc/fcap.d: sys/etc/fcap.d is writable by the members of group root (mode 0775)", code: 1},
		{name: "world-writable directory above the drop-ins", setup: setupDropIn(chmodIn("etc", 0o777)),
			args:   []string{"apply", "--system", "--root", "sys"},
			stderr: "fcap: refusing drop-in sys/etc/fcap.d: sys/etc is writable by everyone (mode 0777)", code: 1},
		{name: "drop-in that is a symlink to another file", setup: setupDropIn(symlinkIn("/etc/hostname")),
			args:   []string{"apply", "--system", "--root", "sys"},
			stderr: `fcap: refusing drop-in sys/etc/fcap.d/f.conf: a symlink (to "/etc/hostname"); the only symlink allowed is one to /dev/null, which masks the files of its name`,
			code:   1},
		{name: "drop-in masked by a symlink to /dev/null", setup: setupDropIn(symlinkIn("/dev/null")),
			args: []string{"apply", "--system", "--root", "sys"}, code: 0},
	}
}

// TestErrorMatrix runs fcap on broken and odd files and filesystems and
// checks, for each, the exact one-line message (naming the path and the
// cause), the exit status, and that nothing changed: the raw value,
// mode, owner, size and ctime of every file involved are as before (or,
// where the command works, the value is the one asked for). With
// FCAP_WRITE_ERROR_TABLE=1 it writes the matrix to docs/ERRORS.md.
func TestErrorMatrix(t *testing.T) {
	testenv.RequireRoot(t)
	var rows []matrixRow
	var skipped []string
	for _, c := range errorCases() {
		name := c.name + ": " + strings.Join(c.args, " ")
		var row matrixRow
		ran := false
		t.Run(name, func(t *testing.T) {
			row = c.check(t)
			ran = !t.Skipped()
		})
		if ran {
			rows = append(rows, row)
		} else {
			skipped = append(skipped, name)
		}
	}
	if t.Failed() {
		return // the table would not be true: neither written nor compared
	}
	table := errorTable(rows, skipped)
	path := filepath.Join("..", "..", "docs", "ERRORS.md")
	if os.Getenv("FCAP_WRITE_ERROR_TABLE") == "1" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d rows, %d skipped)", path, len(rows), len(skipped))
		return
	}
	old, err := os.ReadFile(path)
	if err == nil && len(skipped) == 0 && string(old) != table {
		t.Errorf("%s is stale: rewrite it with FCAP_WRITE_ERROR_TABLE=1 go test ./internal/hardening -run '^TestErrorMatrix$'", path)
	}
}

// check runs one case and returns its row of the table.
func (c errorCase) check(t *testing.T) matrixRow {
	if c.needs != "" && !fcapHas(t, c.needs) {
		t.Skipf("fcap has no %s command", c.needs)
	}
	base := testenv.PublicDir(t)
	watch := c.setup(t, base)
	before := map[string]fileState{}
	for _, p := range watch {
		before[p] = stateOf(filepath.Join(base, p))
	}
	opts := runOpts{dir: base, timeout: 20 * time.Second}
	switch c.as {
	case asNobody:
		opts.cred = &syscall.Credential{Uid: nobody, Gid: nobody}
	case asNoSetfcap:
		opts.wrap = []string{requireTool(t, "setpriv"), "--inh-caps=-setfcap", "--bounding-set=-setfcap"}
	}
	r := run(t, opts, c.args...)
	wantErr := ""
	if c.stderr != "" {
		wantErr = c.stderr + "\n"
	}
	if r.stderr != wantErr {
		t.Errorf("stderr:\n got %q\nwant %q", r.stderr, wantErr)
	}
	if r.code != c.code {
		t.Errorf("exit status %d, want %d", r.code, c.code)
	}
	if c.stdout != "" && !containsLine(r.stdout, c.stdout) {
		t.Errorf("stdout has no line %q:\n%s", c.stdout, r.stdout)
	}
	for _, p := range watch {
		after := stateOf(filepath.Join(base, p))
		if want, ok := c.want[p]; ok {
			if after.Xattr != want {
				t.Errorf("%s: xattr %s, want %s", p, after.Xattr, want)
			}
			continue
		}
		if after != before[p] {
			t.Errorf("%s changed:\n before %v\n after  %v", p, before[p], after)
		}
	}
	msg := "`" + c.stderr + "`"
	switch {
	case c.stdout != "" && c.stderr == "":
		msg = "stdout: `" + c.stdout + "`"
	case c.want != nil:
		msg = "(works: the value is written and read back)"
	case c.stderr == "":
		msg = "(works, prints nothing)"
	}
	who := ""
	if c.as == asNoSetfcap {
		who = "setpriv --inh-caps=-setfcap --bounding-set=-setfcap "
	}
	return matrixRow{Case: c.name, Command: who + "fcap " + strings.Join(c.args, " "), Message: msg, Status: c.code}
}

func containsLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

// matrixRow is one line of docs/ERRORS.md.
type matrixRow struct {
	Case, Command, Message string
	Status                 int
}

// longComponent and longChain abbreviate the long path cases in the
// table: long/d00xxx…x/d01xxx…x/…/d21xxx…x/f is shown as
// long/d00…/…/d21…/f.
var (
	longComponent = regexp.MustCompile(`(d\d\d)x{100,}`)
	longChain     = regexp.MustCompile(`(d\d\d…)(/d\d\d…)+(/d\d\d…)`)
)

// abbreviate shortens the long paths in s.
func abbreviate(s string) string {
	return longChain.ReplaceAllString(longComponent.ReplaceAllString(s, "$1…"), "$1/…$3")
}

func errorTable(rows []matrixRow, skipped []string) string {
	var b bytes.Buffer
	b.WriteString(`# What fcap says when it cannot do what it was asked

Generated by TestErrorMatrix (internal/hardening/errors_test.go), which runs
the real fcap binary as root on real files and mounts and checks every row:
the exact message on stderr, the exit status, and that nothing changed (the
raw security.capability value, mode, owner, size and ctime of every file
involved are as before; where a command works, the value is the one asked
for). Rewrite this file with:

    sudo FCAP_WRITE_ERROR_TABLE=1 go test ./internal/hardening -run '^TestErrorMatrix$'

Commands run in the case's directory, so paths are relative. The long
paths are 22 nested directories of 200-byte names, d00xxx…x to d21xxx…x,
shown as long/d00…/…/d21…. Messages are on stderr unless marked stdout.
Exit status: 0 done, 1 a path failed, 2 usage error.

| case | command | message | exit status |
|---|---|---|---|
`)
	cell := func(s string) string { return strings.ReplaceAll(abbreviate(s), "|", `\|`) }
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %d |\n", r.Case, cell(r.Command), cell(r.Message), r.Status)
	}
	if len(skipped) > 0 {
		b.WriteString("\nSkipped when this file was generated (a tool or feature was missing):\n\n")
		for _, s := range skipped {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}
	b.WriteString(errorNotes)
	return b.String()
}

const errorNotes = `
## Notes

- **No xattr support** (ramfs, bindfs --xattr-none, some FUSE and network
  filesystems): the kernel answers ENOTSUP. ` + "`get`" + ` treats such a file as
  having no capabilities (it cannot have any), so ` + "`remove`" + ` has nothing to do
  and succeeds; ` + "`set`" + ` fails.
- **nosuid**: the value is stored, but exec ignores file capabilities (and
  set-id bits) on a nosuid mount; ` + "`fcap explain`" + ` warns.
- **Permission denied** covers both a caller without CAP_SETFCAP and an
  immutable or append-only file: the kernel answers EPERM for both.
- **convert** keeps the set-id bit and exits 3 ("fell back") whenever the
  capabilities cannot be written: on a filesystem without xattrs, but also
  on a read-only mount (where the set-id bit could not have been cleared
  either).
- **A path component that is a file** (ENOTDIR) is reported as "no such
  file or directory".
- **PATH_MAX**: a path given on the command line may be up to 4,095 bytes
  (PATH_MAX 4,096 counts the final NUL); TestLongPathNearPathMaxWorks sets
  and lists a file at a 4,000-byte path. A longer path fails with
  ENAMETOOLONG ("file name too long"). ` + "`get -r`" + ` walks with directory
  descriptors, so it lists files at any depth and prints their full paths,
  even past PATH_MAX (such a path cannot be handed back to fcap: the
  kernel refuses it as an argument to open).
- **Values that are not 20 or 24 bytes.** The kernel checks the value on
  both sides: setxattr accepts only a valid revision-2 (20 bytes) or
  revision-3 (24 bytes) value, and getxattr of security.capability
  (cap_inode_getsecurity) returns only such values, converted for the
  caller's user namespace. Anything else on disk (revision 1, a wrong size,
  a 100-byte value written with debugfs into an ext4 image, as above) makes
  getxattr fail with EINVAL, which fcap reports as unreadable. So a value
  longer than 24 bytes can be put on disk but never reaches fcap;
  fcap reads with a 96-byte buffer anyway, so a longer answer would fail
  with ERANGE ("capability xattr too large to be valid") instead of being
  read. ` + "`fcap set`" + ` over an unreadable value replaces it.
`
