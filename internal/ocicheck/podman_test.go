package ocicheck

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fcap/capfile"
	"fcap/model"
)

// podmanFile is a file of the test image: a copy of the probe with a
// mode and capabilities.
type podmanFile struct {
	name string
	mode int64
	caps string // libcap text, "" for none
}

var podmanFiles = []podmanFile{
	{"probe", 0o755, ""},
	{"probe-raw", 0o755, "cap_net_raw=ep"},
	{"probe-raw-p", 0o755, "cap_net_raw=p"},
	{"probe-nbs", 0o755, "cap_net_bind_service=ep"},
	{"probe-suid", 0o4755, ""},
}

// podmanCases are `podman run` options and the program, the question a
// user asks: what does the container get?
var podmanCases = []struct {
	opts []string
	prog string
}{
	{nil, "/probe"},
	{nil, "/probe-raw"}, // Podman's default caps lack NET_RAW: EPERM
	{[]string{"--cap-drop", "ALL", "--cap-add", "NET_RAW"}, "/probe-raw"},
	{[]string{"--cap-drop", "ALL", "--cap-add", "NET_RAW", "--user", "1000"}, "/probe-raw"},
	{[]string{"--cap-drop", "ALL", "--cap-add", "NET_RAW", "--user", "1000"}, "/probe-raw-p"},
	{[]string{"--cap-add", "NET_RAW", "--user", "1000", "--security-opt", "no-new-privileges"}, "/probe-raw"},
	{[]string{"--user", "65534:65534"}, "/probe-nbs"},
	{[]string{"--user", "1000:1000", "--group-add", "5", "--group-add", "27"}, "/probe"},
	{[]string{"--user", "1000"}, "/probe-suid"},
	{[]string{"--user", "1000", "--security-opt", "no-new-privileges"}, "/probe-suid"},
	{[]string{"--cap-drop", "ALL", "--user", "1000"}, "/probe-nbs"}, // =ep without the cap in the bounding set: EPERM
}

// TestPodmanConfigsArePredicted runs containers with podman and checks
// that explaining the OCI config Podman generated predicts what each
// container's process gets.
func TestPodmanConfigsArePredicted(t *testing.T) {
	hostState, lastCap := requireHost(t)
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skipf("needs podman: %v", err)
	}
	dir := t.TempDir()
	img := podmanImage(t, buildProbe(t, dir), dir)
	predictors := map[string]predictor{
		"package":  packagePredictor{runtime: hostState, lastCap: lastCap},
		"fcap-cli": cliPredictor{fcap: buildFcap(t, dir)},
	}
	for i, c := range podmanCases {
		t.Run(fmt.Sprintf("%d %s %s", i, strings.Join(c.opts, " "), c.prog), func(t *testing.T) {
			id := podmanCreate(t, img, c.opts, c.prog)
			cfg := podman(t, "inspect", "--format", "{{.OCIConfigPath}}", id)
			wants := map[string]outcome{}
			for name, p := range predictors {
				want, err := p.predict(cfg)
				if err != nil {
					t.Fatalf("%s prediction for %s: %v", name, cfg, err)
				}
				wants[name] = want
			}
			got := podmanStart(t, id)
			t.Logf("%s", got.kind())
			for name, want := range wants {
				if d := want.differences(got); len(d) > 0 {
					t.Errorf("MISMATCH (%s)\n  predicted %s\n  podman    %s\n  %s", name, want, got, strings.Join(d, "\n  "))
				}
			}
		})
	}
}

// podmanImage imports an image holding the probe files, with their
// capabilities as PAX records, and removes it when the test ends.
func podmanImage(t *testing.T, probe, dir string) string {
	data, err := os.ReadFile(probe)
	must(t, err)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range podmanFiles {
		h := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(data)), Typeflag: tar.TypeReg, Format: tar.FormatPAX, ModTime: time.Unix(0, 0)}
		if f.caps != "" {
			h.PAXRecords = map[string]string{"SCHILY.xattr.security.capability": string(capValue(t, f.caps))}
		}
		must(t, tw.WriteHeader(h))
		_, err := tw.Write(data)
		must(t, err)
	}
	must(t, tw.Close())
	tarPath := filepath.Join(dir, "image.tar")
	must(t, os.WriteFile(tarPath, buf.Bytes(), 0o644))
	name := fmt.Sprintf("localhost/fcap-ocicheck-%d:latest", os.Getpid())
	podman(t, "import", tarPath, name)
	t.Cleanup(func() { exec.Command("podman", "rmi", "-f", name).Run() })
	return name
}

func capValue(t *testing.T, text string) []byte {
	c, err := model.ParseText(text, model.LastNamed)
	must(t, err)
	fc, err := c.ToFile(0)
	must(t, err)
	v, err := capfile.Encode(fc)
	must(t, err)
	return v
}

// podmanCreate creates and initializes a container (its rootfs mounted,
// its config.json written) and removes it when the test ends.
func podmanCreate(t *testing.T, img string, opts []string, prog string) string {
	args := append([]string{"create", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"}, opts...)
	id := podman(t, append(args, img, prog)...)
	t.Cleanup(func() { exec.Command("podman", "rm", "-f", id).Run() })
	podman(t, "init", id)
	return id
}

// podmanStart runs the container and reads what its process reports.
func podmanStart(t *testing.T, id string) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", "start", "--attach", id)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err == nil {
		o, err := parseProbe(stdout.Bytes())
		must(t, err)
		return o
	}
	o, err := classify(stderr.String())
	if err != nil {
		t.Fatalf("podman start: %v", err)
	}
	return o
}

func podman(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("podman", args...).CombinedOutput()
	if err != nil {
		t.Skipf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}
