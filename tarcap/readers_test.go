package tarcap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"fcap/internal/testenv"
)

// extractor extracts an archive from standard input into a directory.
type extractor struct {
	name string
	tool string
	args []string
}

var extractors = []extractor{
	{"gnu-tar", "tar", []string{"--xattrs", "--xattrs-include=*", "-xf", "-"}},
	{"bsdtar", "bsdtar", []string{"--xattrs", "-xf", "-"}},
}

// xattrOf reads a file's raw security.capability; nil when it has none.
func xattrOf(t *testing.T, path string) []byte {
	t.Helper()
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(path, "security.capability", buf)
	if err == unix.ENODATA {
		return nil
	}
	if err != nil {
		t.Fatalf("getxattr %s: %v", path, err)
	}
	return buf[:n]
}

func TestExtractedFilesHaveTheManifestsCapabilities(t *testing.T) {
	testenv.RequireRoot(t)
	root := sampleTree(t)
	withCaps(t, root)
	manifest := "./bin/ping -\n" +
		"bin/tool cap_net_bind_service=ep\n" +
		"/" + longName + " cap_net_raw=p\n" +
		"sparse cap_net_raw,cap_net_bind_service=eip\n" +
		"etc/conf cap_net_raw=ep [rootid=1000]\n"
	want := map[string][]byte{
		"bin/ping":      nil,
		"bin/ping-link": nil,
		"bin/tool":      bindSvcEP,
		longName:        {0, 0, 0, 0x02, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"sparse":        {0x01, 0, 0, 0x02, 0, 0x24, 0, 0, 0, 0x24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"etc/conf":      {0x01, 0, 0, 0x03, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xe8, 0x03, 0, 0},
	}
	for _, f := range archiveFormats {
		in := makeArchive(t, root, f)
		out, _, err := editBytes(t, in, planOf(t, manifest))
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		for _, x := range extractors {
			t.Run(f.name+"/"+x.name, func(t *testing.T) {
				needTool(t, x.tool)
				dest := testenv.CapDir(t)
				cmd := exec.Command(x.tool, x.args...)
				cmd.Dir, cmd.Stdin, cmd.Env = dest, bytes.NewReader(out), append(os.Environ(), "LC_ALL=C.UTF-8")
				if msg, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s", x.tool, err, msg)
				}
				for name, v := range want {
					if got := xattrOf(t, filepath.Join(dest, name)); !bytes.Equal(got, v) {
						t.Errorf("%s: security.capability %x, want %x", name, got, v)
					}
				}
			})
		}
	}
}
