package tarcap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fcap/internal/testenv"
)

// probeSource prints the probe's credentials, as the kernel gave them.
const probeSource = `package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Uid:") || strings.HasPrefix(l, "CapPrm:") || strings.HasPrefix(l, "CapEff:") {
			fmt.Println(l)
		}
	}
}
`

// TestPodmanRunsTheLayersProgramWithItsCapabilities imports an edited
// layer with podman (containers/storage reads the PAX records) and runs
// its program as uid 65534: the process holds what the manifest gave it.
func TestPodmanRunsTheLayersProgramWithItsCapabilities(t *testing.T) {
	testenv.RequireRoot(t)
	needTool(t, "podman")
	goTool := needTool(t, "go")
	root := t.TempDir()
	layerDir := filepath.Join(root, "layer")
	os.Mkdir(layerDir, 0o755)
	src := filepath.Join(root, "probe.go")
	if err := os.WriteFile(src, []byte(probeSource), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command(goTool, "build", "-o", filepath.Join(layerDir, "probe-ep"), src)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the probe: %v\n%s", err, out)
	}
	in, err := command(layerDir, "sh", "-c", "cp probe-ep probe-p && tar --format=gnu -cf - probe-ep probe-p")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := editBytes(t, in, planOf(t, "/probe-ep cap_net_bind_service=ep\n/probe-p cap_net_bind_service=p\n"))
	if err != nil {
		t.Fatal(err)
	}
	// Storage of its own, removed afterwards; podman wants a short
	// runroot path.
	store, err := os.MkdirTemp("", "fcap-pm-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(store)
	pm := []string{"--root", filepath.Join(store, "s"), "--runroot", filepath.Join(store, "r"), "--storage-driver", "vfs"}
	defer exec.Command("podman", append(pm, "rmi", "-a", "-f")...).Run()
	imp := exec.Command("podman", append(pm, "import", "-", "fcap-tar-test:latest")...)
	imp.Stdin = bytes.NewReader(out)
	if msg, err := imp.CombinedOutput(); err != nil {
		t.Skipf("podman cannot import here: %v\n%s", err, msg)
	}
	for probe, want := range map[string]string{"/probe-ep": "CapPrm:\t0000000000000400\nCapEff:\t0000000000000400", "/probe-p": "CapPrm:\t0000000000000400\nCapEff:\t0000000000000000"} {
		run := exec.Command("podman", append(pm, "run", "--rm", "--user", "65534", "--network", "none",
			"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "fcap-tar-test:latest", probe)...)
		msg, err := run.CombinedOutput()
		if err != nil {
			t.Fatalf("podman run %s: %v\n%s", probe, err, msg)
		}
		if got := string(msg); !strings.Contains(got, "Uid:\t65534") || !strings.Contains(got, want) {
			t.Errorf("%s in the container:\n%s\nwant\n%s", probe, got, want)
		}
	}
}
