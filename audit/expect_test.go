package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"fcap/internal/testenv"
	"fcap/model"
	"fcap/xattr"
)

// auditTree runs audit on root and returns "NAME kind/severity/baseline"
// per finding, NAME relative to root, sorted.
func auditTree(t *testing.T, root string, opt Options) []string {
	t.Helper()
	opt.Last = model.LastNamed
	var got []string
	Run([]string{root}, opt, func(f Finding) {
		rel, _ := filepath.Rel(root, f.Path)
		if r, err := filepath.EvalSymlinks(root); err == nil && !strings.HasPrefix(f.Path, root) {
			rel, _ = filepath.Rel(r, f.Path)
		}
		got = append(got, rel+" "+f.Kind+"/"+f.Severity.String()+"/"+f.Baseline)
	}, func(p string, err error) { t.Errorf("%s: %v", p, err) })
	sort.Strings(got)
	return got
}

func makeFile(t *testing.T, path string, mode os.FileMode, caps string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	setCaps(t, path, caps)
}

func setCaps(t *testing.T, path, caps string) {
	t.Helper()
	f, err := xattr.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if caps == "" {
		if _, err := f.RemoveCaps(); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := f.SetCaps(*testFileCaps(caps, 0)); err != nil {
		t.Fatal(err)
	}
}

// TestBaselineMakesTodaysFindingsExpected: a baseline written from a tree
// turns every finding about what its files grant into info; then a new
// setuid file, a changed capability and a lost one are each reported.
func TestBaselineMakesTodaysFindingsExpected(t *testing.T) {
	root := testenv.CapDir(t)
	makeFile(t, filepath.Join(root, "ping"), 0o755, "cap_net_raw=ep")
	makeFile(t, filepath.Join(root, "su"), os.ModeSetuid|0o755, "")
	makeFile(t, filepath.Join(root, "helper"), 0o755, "cap_net_admin=ep")
	makeFile(t, filepath.Join(root, "plain"), 0o755, "")

	rec := NewRecorder()
	auditTree(t, root, Options{Record: rec})
	var b bytes.Buffer
	if err := rec.WriteTo(&b, []string{"test baseline"}, model.LastNamed); err != nil {
		t.Fatal(err)
	}
	want := "# test baseline\n" +
		root + "/helper cap_net_admin=ep [mode=0755] [owner=0:0]\n" +
		root + "/ping cap_net_raw=ep [mode=0755] [owner=0:0]\n" +
		root + "/su - [mode=4755] [owner=0:0]\n"
	if b.String() != want {
		t.Fatalf("baseline:\n%s\nwant:\n%s", b.String(), want)
	}

	judge := func() []string {
		x := NewExpected()
		if err := x.Add(bytes.NewReader(b.Bytes()), "base.list", model.LastNamed); err != nil {
			t.Fatal(err)
		}
		return auditTree(t, root, Options{Expected: x})
	}
	if got := strings.Join(judge(), "\n"); got != "helper caps/info/unchanged\nping caps/info/unchanged\nsu setid/info/unchanged" {
		t.Errorf("against its own baseline:\n%s", got)
	}

	makeFile(t, filepath.Join(root, "new"), os.ModeSetuid|0o755, "")
	setCaps(t, filepath.Join(root, "helper"), "cap_net_admin,cap_sys_admin=ep")
	setCaps(t, filepath.Join(root, "ping"), "")
	got := strings.Join(judge(), "\n")
	want = "helper caps/high/updated\nnew setid/medium/new\nping expected-missing/info/absent\nsu setid/info/unchanged"
	if got != want {
		t.Errorf("after three changes:\n%s\nwant:\n%s", got, want)
	}
}

// TestExpectedReasons: an expected finding says by which entry and keeps
// the rated severity; a changed one says what was expected; a missing
// one says what the file has now.
func TestExpectedReasons(t *testing.T) {
	root := testenv.CapDir(t)
	makeFile(t, filepath.Join(root, "a"), 0o755, "cap_net_raw=ep")
	makeFile(t, filepath.Join(root, "b"), 0o755, "cap_sys_admin=ep")
	makeFile(t, filepath.Join(root, "c"), 0o755, "")
	x := NewExpected()
	list := root + "/a cap_net_raw=ep\n" + root + "/b cap_net_raw=ep\n" + root + "/c cap_kill=p [mode=0755] [owner=0:0]\n"
	if err := x.Add(strings.NewReader(list), "m", model.LastNamed); err != nil {
		t.Fatal(err)
	}
	var fs []Finding
	Run([]string{root}, Options{Expected: x, Last: model.LastNamed}, func(f Finding) { fs = append(fs, f) }, func(p string, err error) { t.Error(p, err) })
	sort.Slice(fs, func(i, j int) bool { return fs[i].Path < fs[j].Path })
	if len(fs) != 3 {
		t.Fatalf("%+v", fs)
	}
	checks := []struct {
		sev, rated Severity
		expected   string
		reason     string
	}{
		{SeverityInfo, SeverityLow, "m:1", "expected by m:1; ordinary capabilities (cap_net_raw)"},
		{SeverityHigh, SeverityHigh, "", "; changed: m:2 expects cap_net_raw=ep"},
		{SeverityInfo, SeverityInfo, "m:3", "m:3 expects cap_kill=p, mode 0755, owner 0:0, but it has mode 0755 and no capabilities"},
	}
	for i, c := range checks {
		f := fs[i]
		if f.Severity != c.sev || f.Rated != c.rated || f.Expected != c.expected || !strings.Contains(f.Reason, c.reason) {
			t.Errorf("%s: %s (rated %s) expected %q: %s; want %s (%s) %q %q", f.Path, f.Severity, f.Rated, f.Expected, f.Reason, c.sev, c.rated, c.expected, c.reason)
		}
	}
}

// TestDropInsAreExpectations: what the drop-ins declare is expected,
// through a directory symlink too, and a declared setuid fallback
// expects the setuid bit of a file without capabilities.
func TestDropInsAreExpectations(t *testing.T) {
	root := testenv.CapDir(t)
	if err := os.Mkdir(filepath.Join(root, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	makeFile(t, filepath.Join(root, "real", "web"), 0o755, "cap_net_bind_service=ep")
	makeFile(t, filepath.Join(root, "real", "ping"), os.ModeSetuid|0o755, "")
	sys := t.TempDir()
	if err := os.MkdirAll(filepath.Join(sys, "etc", "fcap.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := root + "/bin/web cap_net_bind_service=ep\n" + root + "/bin/ping cap_net_raw=ep [fallback=setuid]\n"
	if err := os.WriteFile(filepath.Join(sys, "etc", "fcap.d", "x.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	x := NewExpected()
	if errs := x.AddDropIns(sys, model.LastNamed); len(errs) != 0 {
		t.Fatal(errs)
	}
	got := strings.Join(auditTree(t, filepath.Join(root, "real"), Options{Expected: x}), "\n")
	if got != "ping setid/info/unchanged\nweb caps/info/unchanged" {
		t.Errorf("got:\n%s", got)
	}
}
