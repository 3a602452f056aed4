package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// TestAuditSeededTree audits a tree holding one example of every finding,
// including, on a loop-mounted ext4 image written with debugfs, a
// revision-1 and a malformed security.capability that the kernel will not
// return, and checks each finding's severity, the JSON shape and the
// --fail-on exit statuses.
func TestAuditSeededTree(t *testing.T) {
	testenv.RequireRoot(t)
	tree := t.TempDir()
	if testenv.CanStoreCaps(tree) != nil {
		t.Skipf("%s cannot store security.capability", tree)
	}
	seedTree(t, tree)
	hasImage := seedImage(t, filepath.Join(tree, "img"))

	status, stdout, stderr := runFcap(t, "audit", "--json", tree)
	if status != exitOK || stderr != "" {
		t.Fatalf("audit --json: status %d, stderr %q", status, stderr)
	}
	got := parseFindings(t, tree, stdout)
	want := map[string]string{
		"ping":         "setid/medium",
		"perl":         "caps/high",
		"gw":           "caps/low writable/high",
		"raw":          "caps/low",
		"newuidmap":    "caps/medium",
		"bash":         "setid/high",
		"admin":        "caps/high",
		"netadmin":     "caps/medium",
		"empty":        "caps/info",
		"foreign":      "foreign-rootid/low",
		"future":       "unknown-bits/info caps/low",
		"open/srv":     "caps/low writable/high",
		"world-setuid": "setid/high writable/high",
	}
	if hasImage {
		want["img/v1"] = "unreadable-caps/high"
		want["img/malformed"] = "unreadable-caps/high"
	}
	checkFindings(t, got, want)
	checkFailOn(t, tree)
	if !hasImage {
		t.Skip("the rest passed, but the revision-1 and malformed xattrs were not audited: no ext4 image (see log)")
	}
}

// seedTree writes the files of the audited tree.
func seedTree(t *testing.T, tree string) {
	perl := "/usr/bin/perl"
	if _, err := os.Stat(perl); err != nil {
		perl = "/bin/true"
	}
	files := []struct {
		name, src string
		mode      os.FileMode
		caps      string // raw value in hex; "" for none
	}{
		{"ping", "/bin/true", 0o755 | os.ModeSetuid, ""},
		{"perl", perl, 0o755, "0100000280000000000000000000000000000000"},             // cap_setuid=ep
		{"gw", "/bin/true", 0o775, ""},                                                // cap_net_raw=p after the chown below
		{"raw", "/bin/true", 0o755, "0000000200200000000000000000000000000000"},       // cap_net_raw=p
		{"newuidmap", "/bin/true", 0o755, "0100000280000000000000000000000000000000"}, // cap_setuid=ep, as the table expects
		{"bash", "/bin/true", 0o755 | os.ModeSetuid, ""},
		{"admin", "/bin/true", 0o755, "0100000200002000000000000000000000000000"},           // cap_sys_admin=ep
		{"netadmin", "/bin/true", 0o755, "0100000200100000000000000000000000000000"},        // cap_net_admin=ep
		{"empty", "/bin/true", 0o755, "0000000200000000000000000000000000000000"},           // =
		{"foreign", "/bin/true", 0o755, "0100000380000000000000000000000000000000e8030000"}, // cap_setuid=ep, rootid 1000
		{"future", "/bin/true", 0o755, "0000000200200000000000000000040000000000"},          // cap_net_raw + bit 50
		{"open/srv", "/bin/true", 0o755, "0100000200040000000000000000000000000000"},        // cap_net_bind_service=ep
		{"world-setuid", "/bin/true", 0o757 | os.ModeSetuid, ""},
		{"plain", "/bin/true", 0o755, ""},
	}
	for _, dir := range []string{"open", "img"} {
		if err := os.Mkdir(filepath.Join(tree, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(tree, "open"), 0o777); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p := filepath.Join(tree, f.name)
		copyProgram(t, f.src, p, f.mode)
		if f.caps != "" {
			setCapsHex(t, p, f.caps)
		}
	}
	gw := filepath.Join(tree, "gw")
	if err := os.Chown(gw, 0, 100); err != nil {
		t.Fatal(err)
	}
	setCapsHex(t, gw, "0000000200200000000000000000000000000000")
	if err := os.Symlink("bash", filepath.Join(tree, "link")); err != nil {
		t.Fatal(err)
	}
}

func setCapsHex(t *testing.T, path, value string) {
	t.Helper()
	v, err := hex.DecodeString(value)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Lsetxattr(path, "security.capability", v, 0); err != nil {
		t.Fatalf("setxattr %s: %v", path, err)
	}
}

// seedImage makes an ext4 image holding "v1" (a revision-1 value) and
// "malformed" (a revision-2 value of 6 bytes), which setxattr refuses to
// write, and mounts it on dir until the test ends. It reports false
// (logged) when the tools or loop devices are missing.
func seedImage(t *testing.T, dir string) bool {
	for _, tool := range []string{"mkfs.ext4", "debugfs", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("no ext4 image: %s is not installed (e2fsprogs, mount)", tool)
			return false
		}
	}
	work := t.TempDir()
	img := filepath.Join(work, "ext4.img")
	write := func(name string, b []byte) string {
		p := filepath.Join(work, name)
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	prog := write("prog", []byte("#!/bin/true\n"))
	v1 := write("v1.val", []byte{0, 0, 0, 1, 0, 0x20, 0, 0, 0, 0, 0, 0})
	bad := write("bad.val", []byte{1, 0, 0, 2, 0, 0x20})
	cmds := [][]string{
		{"truncate", "-s", "4M", img},
		{"mkfs.ext4", "-q", "-F", img},
		{"debugfs", "-w", "-R", "write " + prog + " v1", img},
		{"debugfs", "-w", "-R", "write " + prog + " malformed", img},
		{"debugfs", "-w", "-R", "ea_set -f " + v1 + " v1 security.capability", img},
		{"debugfs", "-w", "-R", "ea_set -f " + bad + " malformed security.capability", img},
	}
	for _, c := range cmds {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	if out, err := exec.Command("mount", "-o", "loop", img, dir).CombinedOutput(); err != nil {
		t.Logf("no ext4 image: mount -o loop: %v: %s", err, out)
		return false
	}
	t.Cleanup(func() { unmount(t, dir) })
	return true
}

// parseFindings decodes JSON lines, checks their shape, and returns
// "kind/severity" lists by path relative to tree.
func parseFindings(t *testing.T, tree, out string) map[string]string {
	t.Helper()
	keys := []string{"caps", "fix", "gid", "group", "kind", "mode", "owner", "path", "reason", "severity", "uid"}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		var have []string
		for k, v := range m {
			have = append(have, k)
			_, isString := v.(string)
			_, isObject := v.(map[string]any)
			if k == "caps" && (v == nil || isObject) {
				continue // the one shape of a file's capabilities, or null
			}
			if _, isNumber := v.(float64); isNumber && (k == "uid" || k == "gid") {
				continue
			}
			if !isString {
				t.Errorf("%s: %s is %T, want a string", line, k, v)
			}
		}
		sort.Strings(have)
		if strings.Join(have, ",") != strings.Join(keys, ",") {
			t.Errorf("keys %v, want %v", have, keys)
		}
		rel, _ := filepath.Rel(tree, m["path"].(string))
		got[rel] = strings.TrimSpace(got[rel] + " " + m["kind"].(string) + "/" + m["severity"].(string))
	}
	return got
}

func checkFindings(t *testing.T, got, want map[string]string) {
	t.Helper()
	for path, w := range want {
		if got[path] != w {
			t.Errorf("%s: findings %q, want %q", path, got[path], w)
		}
	}
	for path, g := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("%s: unexpected findings %q", path, g)
		}
	}
}

// checkFailOn checks the exit statuses of --fail-on.
func checkFailOn(t *testing.T, tree string) {
	t.Helper()
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"audit", tree}, exitOK},
		{[]string{"audit", "--fail-on", "high", tree}, exitFailed},
		{[]string{"audit", "--fail-on", "high", filepath.Join(tree, "ping"), filepath.Join(tree, "raw")}, exitOK},
		{[]string{"audit", "--fail-on", "medium", filepath.Join(tree, "ping"), filepath.Join(tree, "raw")}, exitFailed},
		{[]string{"audit", "--fail-on", "medium", filepath.Join(tree, "raw")}, exitOK},
		{[]string{"audit", "--fail-on", "low", filepath.Join(tree, "raw")}, exitFailed},
		{[]string{"audit", "--fail-on", "low", filepath.Join(tree, "plain")}, exitOK},
		{[]string{"audit", "--fail-on", "bad", tree}, exitUsage},
		{[]string{"audit", filepath.Join(tree, "missing")}, exitFailed},
	}
	for _, tt := range tests {
		if status, _, _ := runFcap(t, tt.args...); status != tt.want {
			t.Errorf("fcap %s: status %d, want %d", strings.Join(tt.args, " "), status, tt.want)
		}
	}
}

// TestAuditHumanOutput checks the grouping by severity and the summary.
func TestAuditHumanOutput(t *testing.T) {
	testenv.RequireRoot(t)
	tree := t.TempDir()
	if testenv.CanStoreCaps(tree) != nil {
		t.Skipf("%s cannot store security.capability", tree)
	}
	copyProgram(t, "/bin/true", filepath.Join(tree, "a-raw"), 0o755)
	setCapsHex(t, filepath.Join(tree, "a-raw"), "0000000200200000000000000000000000000000")
	copyProgram(t, "/bin/true", filepath.Join(tree, "b-ping"), 0o755|os.ModeSetuid)
	copyProgram(t, "/bin/true", filepath.Join(tree, "c-admin"), 0o755)
	setCapsHex(t, filepath.Join(tree, "c-admin"), "0100000200002000000000000000000000000000")
	status, stdout, _ := runFcap(t, "audit", tree)
	if status != exitOK {
		t.Fatalf("status %d", status)
	}
	var heads []string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " ") {
			heads = append(heads, line)
		}
	}
	if strings.Join(heads, " ") != "HIGH: MEDIUM: LOW:" {
		t.Errorf("groups %v, want HIGH: MEDIUM: LOW:", heads)
	}
	if !strings.HasSuffix(stdout, "\n3 findings: 1 high, 1 medium, 1 low, 0 info\n") {
		t.Errorf("no summary line:\n%s", stdout)
	}
}
