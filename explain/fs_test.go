package explain

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"fcap/host"
	"fcap/model/execve"
)

// tree makes files under dir: a name ending in "/" is a directory, "->"
// makes a symlink, anything else a file with that content.
func tree(t *testing.T, dir string, entries ...[2]string) {
	t.Helper()
	for _, e := range entries {
		p := filepath.Join(dir, e[0])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case e[0][len(e[0])-1] == '/':
			err = os.MkdirAll(p, 0o755)
		case len(e[1]) > 3 && e[1][:3] == "-> ":
			err = os.Symlink(e[1][3:], p)
		default:
			err = os.WriteFile(p, []byte(e[1]), 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func openFS(t *testing.T, root, cwd string) *FS {
	t.Helper()
	fs, err := OpenFS(root, cwd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fs.Close)
	return fs
}

func inspect(t *testing.T, fs *FS, p string) Program {
	t.Helper()
	prog, err := Inspect(fs, p)
	if err != nil {
		t.Fatalf("Inspect(%s): %v", p, err)
	}
	return prog
}

// TestFSKeepsEverySymlinkInsideItsRoot: a root filesystem is hostile
// input; its symlinks (absolute, "..", /proc/self/root) resolve inside
// it, never to the host's files.
func TestFSKeepsEverySymlinkInsideItsRoot(t *testing.T) {
	root := t.TempDir()
	tree(t, root,
		[2]string{"usr/bin/passwd", "\x7fELF rootfs copy"},
		[2]string{"bin/abs", "-> /usr/bin/passwd"},
		[2]string{"bin/dotdot", "-> ../../../../../../usr/bin/passwd"},
		[2]string{"bin/proc", "-> /proc/self/root/usr/bin/passwd"},
		[2]string{"bin/su", "-> /bin/su"},
		[2]string{"bin/host", "-> /usr/bin/su"},
		[2]string{"bin/up", "-> .."},
	)
	fs := openFS(t, root, "/")
	for _, p := range []string{"/bin/abs", "bin/dotdot", "/bin/proc/", "/../../usr/bin/passwd", "/bin/up/bin/up/usr/bin/passwd"} {
		prog := inspect(t, fs, p)
		s := prog.Steps[0]
		if p == "/bin/proc/" {
			if s.Lookup.Err != "ENOENT" {
				t.Errorf("%s: %+v, want ENOENT (there is no /proc in the root)", p, s.Lookup)
			}
			continue
		}
		if s.Lookup.Err != "" || s.Lookup.Resolved != "/usr/bin/passwd" || s.Format != execve.FormatELF {
			t.Errorf("%s: lookup %+v format %s, want the root's /usr/bin/passwd", p, s.Lookup, s.Format)
		}
	}
	if s := inspect(t, fs, "/bin/host").Steps[0]; s.Lookup.Err != "ENOENT" {
		t.Errorf("/bin/host -> /usr/bin/su: %+v, want ENOENT, not the host's su", s.Lookup)
	}
	if s := inspect(t, fs, "/bin/su").Steps[0]; s.Lookup.Err != "ELOOP" {
		t.Errorf("/bin/su -> /bin/su: %+v, want ELOOP, not the host's su", s.Lookup)
	}
}

func TestFSRecordsEachDirectorySearchedInOrder(t *testing.T) {
	root := t.TempDir()
	tree(t, root, [2]string{"a/b/prog", "\x7fELF"}, [2]string{"l/link", "-> ../a/b/prog"})
	fs := openFS(t, root, "/l")
	s := inspect(t, fs, "link").Steps[0]
	var dirs []string
	for _, d := range s.Lookup.Dirs {
		dirs = append(dirs, d.Path)
	}
	want := []string{"/l", "/l", "/", "/a", "/a/b"}
	if !slices.Equal(dirs, want) || s.Lookup.Resolved != "/a/b/prog" {
		t.Errorf("dirs %v resolved %s; want %v", dirs, s.Lookup.Resolved, want)
	}
}

func TestFSLookupErrorsAreTheKernels(t *testing.T) {
	root := t.TempDir()
	tree(t, root, [2]string{"file", "x"}, [2]string{"loop", "-> loop"}, [2]string{"dir/", ""})
	fs := openFS(t, root, "/")
	tests := map[string]string{
		"/missing":  "ENOENT",
		"/file/x":   "ENOTDIR",
		"/file/":    "ENOTDIR",
		"/loop":     "ELOOP",
		"/dir/../x": "ENOENT",
		"":          "ENOENT",
	}
	for p, want := range tests {
		if s := inspect(t, fs, p).Steps[0]; s.Lookup.Err != want || s.Lookup.ErrDetail == "" {
			t.Errorf("%q: %+v, want %s", p, s.Lookup, want)
		}
	}
	if s := inspect(t, fs, "/dir").Steps[0]; s.Lookup.Err != "" || s.File.Mode&0o170000 != 0o040000 {
		t.Errorf("/dir: a directory is found (exec then refuses it): %+v", s)
	}
}

func TestInspectFollowsTheScriptChain(t *testing.T) {
	root := t.TempDir()
	tree(t, root,
		[2]string{"bin/sh", "\x7fELF"},
		[2]string{"s1", "#!/bin/sh -e\n"},
		[2]string{"s2", "#! /s1\n"},
		[2]string{"crlf", "#!/bin/sh\r\n"},
		[2]string{"rel", "#!bin/sh\n"},
	)
	fs := openFS(t, root, "/")
	prog := inspect(t, fs, "/s2")
	if len(prog.Steps) != 3 || prog.Steps[2].Path != "/bin/sh" || prog.Steps[1].Shebang.Arg != "-e" || prog.Decider() != 2 {
		t.Fatalf("chain %+v", prog.Steps)
	}
	crlf := inspect(t, fs, "/crlf")
	if last := crlf.Steps[1]; last.Path != "/bin/sh\r" || last.Lookup.Err != "ENOENT" || len(crlf.Notes) == 0 {
		t.Errorf("CRLF: %+v notes %v", last, crlf.Notes)
	}
	if rel := inspect(t, fs, "/rel"); rel.Steps[1].Lookup.Err != "" || len(rel.Notes) == 0 {
		t.Errorf("a relative interpreter starts at the working directory: %+v %v", rel.Steps[1].Lookup, rel.Notes)
	}
}

func TestFSMountsHookReplacesFstatfs(t *testing.T) {
	root := t.TempDir()
	tree(t, root, [2]string{"opt/prog", "\x7fELF"})
	fs := openFS(t, root, "/")
	var asked []string
	fs.Mounts = func(p string) (host.MountFlags, bool) {
		asked = append(asked, p)
		return host.MountFlags{NoExec: true, NoSuid: true}, true
	}
	s := inspect(t, fs, "opt/prog").Steps[0]
	if !s.File.NoExec || !s.File.NoSuid || !slices.Equal(asked, []string{"/opt/prog"}) {
		t.Errorf("noexec %v nosuid %v asked %v", s.File.NoExec, s.File.NoSuid, asked)
	}
}
