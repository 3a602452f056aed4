package launch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"fcap/internal/kernelcheck"
	"fcap/internal/testenv"
	"fcap/model/cred"
	"fcap/model/procstatus"
)

// The test binary plays two more roles, chosen by roleEnv: "launch"
// plans and executes the Intent in intentEnv (as fcap run does), and
// "probe" prints its own /proc/self/status and securebits.
const (
	roleEnv   = "FCAP_LAUNCH_TEST_ROLE"
	intentEnv = "FCAP_LAUNCH_TEST_INTENT"
)

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "launch":
		os.Exit(runLauncher())
	case "probe":
		os.Exit(kernelcheck.RunProbe())
	}
	os.Exit(m.Run())
}

// runLauncher plans and executes the intent; it returns only on failure.
func runLauncher() int {
	var in Intent
	if err := json.Unmarshal([]byte(os.Getenv(intentEnv)), &in); err != nil {
		fmt.Fprintln(os.Stderr, "launcher:", err)
		return 3
	}
	p, err := New(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		return 2
	}
	fmt.Fprintln(os.Stderr, "exec:", p.Exec())
	return 1
}

// selfCopy copies the test binary where every user may execute it.
func selfCopy(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(testenv.PublicDir(t), "launch.test")
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, src); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// launchProbe runs the intent through the launcher role with the probe
// role as its program; it returns the probe's state, or the launcher's
// exit code and standard error when it did not exec.
func launchProbe(t *testing.T, self string, in Intent) (cred.State, int, string) {
	t.Helper()
	in.Program, in.Env = self, []string{roleEnv + "=probe"}
	js, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = []string{roleEnv + "=launch", intentEnv + "=" + string(js)}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return cred.State{}, ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := procstatus.Parse(stdout.Bytes())
	if err != nil {
		t.Fatalf("probe output: %v\n%s", err, stdout.Bytes())
	}
	if s.Securebits, err = probeSecurebits(stdout.Bytes()); err != nil {
		t.Fatal(err)
	}
	return s, 0, stderr.String()
}

func probeSecurebits(out []byte) (cred.Securebits, error) {
	for _, line := range bytes.Split(out, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("Securebits:\t")); ok {
			var n uint32
			_, err := fmt.Sscanf(string(v), "%d", &n)
			return cred.Securebits(n), err
		}
	}
	return 0, fmt.Errorf("no Securebits line in the probe output:\n%s", out)
}
