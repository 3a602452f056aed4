package tarcap

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fcap/model"
)

// testLast is the last capability the tests format with.
const testLast = model.LastNamed

// Values the tests write, as setcap writes them.
var (
	netRawEP  = []byte{0x01, 0, 0, 0x02, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	bindSvcEP = []byte{0x01, 0, 0, 0x02, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
)

// needTool skips t unless name is on PATH.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("needs %s: %v", name, err)
	}
	return p
}

// command runs a command in dir and returns its standard output.
func command(dir string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

func writeFile(name, content string) error {
	return os.WriteFile(name, []byte(content), 0o755)
}

// sampleTree makes a directory with what archives hold: programs, a
// directory, a symlink, a hard link, a name longer than 100 bytes and a
// sparse file. Capabilities are set on bin/ping when the process can.
func sampleTree(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	long := filepath.Join(root, longName)
	for _, d := range []string{"bin", "etc", filepath.Dir(longName)} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, content string, mode os.FileMode) {
		if err := os.WriteFile(name, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "bin", "ping"), strings.Repeat("ping program\n", 100), 0o755)
	write(filepath.Join(root, "bin", "tool"), "tool", 0o755)
	write(filepath.Join(root, "etc", "conf"), "x=1\n", 0o644)
	write(long, "long name", 0o755)
	if err := os.Link(filepath.Join(root, "bin", "ping"), filepath.Join(root, "bin", "ping-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("ping", filepath.Join(root, "bin", "sym")); err != nil {
		t.Fatal(err)
	}
	sparse, err := os.Create(filepath.Join(root, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	sparse.WriteAt([]byte("start"), 0)
	sparse.WriteAt([]byte("end"), 3<<20)
	sparse.Close()
	return root
}

// longName is the key of the sample tree's long file.
var longName = "opt/" + strings.Repeat("long-directory-name-", 4) + "/" + strings.Repeat("x", 60)

// editBytes runs Edit on an archive in memory.
func editBytes(t testing.TB, in []byte, p *Plan) ([]byte, []Change, error) {
	t.Helper()
	var out bytes.Buffer
	var changes []Change
	err := Edit(&out, bytes.NewReader(in), p, func(c Change) { changes = append(changes, c) })
	return out.Bytes(), changes, err
}

// planOf parses a manifest given as a string.
func planOf(t testing.TB, text string) *Plan {
	t.Helper()
	p, err := ReadPlan(strings.NewReader(text), "m", testLast, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
