package ocicap

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
	"fcap/model"
	"fcap/tarcap"
)

var (
	netRawEP  = []byte{0x01, 0, 0, 0x02, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	bindSvcEP = []byte{0x01, 0, 0, 0x02, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
)

func need(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("needs %s: %v", tool, err)
	}
}

func sh(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// makeLayout writes, with umoci, an image "img" of three layers: /usr
// with bin/ping, bin/tool and bin/gone; a new bin/tool; a whiteout of
// bin/gone.
func makeLayout(t *testing.T) string {
	t.Helper()
	need(t, "umoci")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for _, f := range []string{"usr/bin/ping", "usr/bin/tool", "usr/bin/gone", "tool2"} {
		os.MkdirAll(filepath.Join(src, filepath.Dir(f)), 0o755)
		if err := os.WriteFile(filepath.Join(src, f), []byte("program "+f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(dir, "oci")
	sh(t, dir, "umoci", "init", "--layout", img)
	sh(t, dir, "umoci", "new", "--image", img+":img")
	sh(t, dir, "umoci", "insert", "--image", img+":img", filepath.Join(src, "usr"), "/usr")
	sh(t, dir, "umoci", "insert", "--image", img+":img", filepath.Join(src, "tool2"), "/usr/bin/tool")
	sh(t, dir, "umoci", "insert", "--image", img+":img", "--whiteout", "/usr/bin/gone")
	return img
}

func planOf(t *testing.T, text string) *tarcap.Plan {
	t.Helper()
	p, err := tarcap.ReadPlan(strings.NewReader(text), "m", model.LastNamed, tarcap.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplyRewritesTheLayersThatHoldTheFiles(t *testing.T) {
	dir := makeLayout(t)
	var changes []string
	res, err := Apply(dir, "img", planOf(t, "/usr/bin/ping cap_net_raw=ep\n./usr/bin/tool cap_net_bind_service=ep\n"), Options{},
		func(c Change) { changes = append(changes, c.Name) })
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(changes, " "); len(res.Layers) != 2 || res.Layers[0] != 0 || res.Layers[1] != 1 || !strings.Contains(got, "usr/bin/ping") {
		t.Fatalf("layers %v, changes %q", res.Layers, got)
	}
	if res.New == res.Old || len(res.Removed) != 4 {
		t.Errorf("result %+v", res)
	}
	lp, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	img, err := lp.Image(res.New)
	if err != nil {
		t.Fatal(err)
	}
	// Digests, sizes and diff_ids agree with the blobs.
	if err := validate.Image(img); err != nil {
		t.Fatalf("the new image does not validate: %v", err)
	}
	cfg, _ := img.ConfigFile()
	if last := cfg.History[len(cfg.History)-1]; !last.EmptyLayer || !strings.Contains(last.Comment, "usr/bin/ping") {
		t.Errorf("history ends with %+v", last)
	}
	for _, h := range res.Removed {
		if _, err := os.Stat(filepath.Join(dir, "blobs", h.Algorithm, h.Hex)); !os.IsNotExist(err) {
			t.Errorf("blob %s still there: %v", h, err)
		}
	}
	// A second run finds nothing to do.
	again, err := Apply(dir, "img", planOf(t, "/usr/bin/ping cap_net_raw=ep\n./usr/bin/tool cap_net_bind_service=ep\n"), Options{}, nil)
	if err != nil || again.New != again.Old || again.Old != res.New {
		t.Errorf("second run: %+v, %v", again, err)
	}
	checkUnpacked(t, dir)
	checkSkopeoCopy(t, dir)
}

// checkUnpacked unpacks the image with umoci and reads the files'
// capabilities.
func checkUnpacked(t *testing.T, dir string) {
	t.Helper()
	testenv.RequireRoot(t)
	bundle := filepath.Join(testenv.CapDir(t), "bundle")
	sh(t, filepath.Dir(dir), "umoci", "unpack", "--image", dir+":img", bundle)
	for name, want := range map[string][]byte{"usr/bin/ping": netRawEP, "usr/bin/tool": bindSvcEP} {
		buf := make([]byte, 64)
		n, err := unix.Lgetxattr(filepath.Join(bundle, "rootfs", name), "security.capability", buf)
		if err != nil || !bytes.Equal(buf[:n], want) {
			t.Errorf("umoci unpack: %s has %x (%v), want %x", name, buf[:max(n, 0)], err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(bundle, "rootfs", "usr/bin/gone")); !os.IsNotExist(err) {
		t.Errorf("usr/bin/gone: %v", err)
	}
}

func checkSkopeoCopy(t *testing.T, dir string) {
	t.Helper()
	need(t, "skopeo")
	dst := filepath.Join(t.TempDir(), "copy")
	sh(t, "", "skopeo", "copy", "oci:"+dir+":img", "oci:"+dst+":img")
}

func TestApplyRefusesFilesNotInTheImageAndWritesNothing(t *testing.T) {
	dir := makeLayout(t)
	before, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	_, err := Apply(dir, "img", planOf(t, "usr/bin/ping cap_net_raw=ep\nusr/bin/gone cap_net_raw=ep\nusr/nope -\n"), Options{}, nil)
	var me *tarcap.MissingError
	if !errors.As(err, &me) || len(me.Entries) != 2 || !strings.Contains(err.Error(), "m:2: usr/bin/gone: no such file in the image") {
		t.Fatalf("err = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	if !bytes.Equal(before, after) {
		t.Error("index.json changed")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".fcap-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestCheckReportsDriftAndWritesNothing(t *testing.T) {
	dir := makeLayout(t)
	before, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	var drift []string
	res, err := Apply(dir, "", planOf(t, "usr/bin/ping cap_net_raw=ep\nusr/bin/tool -\n"), Options{Check: true},
		func(c Change) { drift = append(drift, c.Name) })
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) != 1 || len(res.Layers) != 1 || res.New != res.Old {
		t.Errorf("drift %v, result %+v", drift, res)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	if !bytes.Equal(before, after) {
		t.Error("index.json changed")
	}
}

func TestSplitRef(t *testing.T) {
	dir := t.TempDir()
	for in, want := range map[string][2]string{
		dir:             {dir, ""},
		dir + ":latest": {dir, "latest"},
		"a/b:c/d":       {"a/b:c/d", ""},
		"img:v1.2":      {"img", "v1.2"},
		":x":            {":x", ""},
	} {
		d, r := SplitRef(in)
		if d != want[0] || r != want[1] {
			t.Errorf("SplitRef(%q) = %q, %q; want %q", in, d, r, want)
		}
	}
}
