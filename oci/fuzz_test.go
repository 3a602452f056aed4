package oci

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzConfig checks that no config.json text makes decoding, checking or
// computing the process state panic, and that each refusal is typed.
func FuzzConfig(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`{"process": {"user": {"uid": 1000, "additionalGids": [4242]}, "capabilities": {"bounding": ["CAP_NET_RAW"], "ambient": ["CAP_NET_RAW"]}, "noNewPrivileges": true}, "root": {"path": "r", "readonly": true}, "mounts": [{"destination": "/opt", "type": "bind", "source": "x", "options": ["rbind", "rnosuid"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Config{Path: "config.json", Dir: "."}
		if err := decodeSpec(c.Path, data, &c.Spec); err != nil {
			mustBeConfigError(t, err)
			return
		}
		if err := c.check(); err != nil {
			mustBeConfigError(t, err)
			return
		}
		for i := range c.Spec.Mounts {
			c.parseMount(i)
		}
		_, err := c.Process(runtimeState(), testLast, []byte("g:x:7:\n"))
		var re *RuntimeError
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("Process error %v (%T) is not a RuntimeError", err, err)
		}
	})
}

func mustBeConfigError(t *testing.T, err error) {
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a ConfigError", err, err)
	}
}

// FuzzOpen resolves arbitrary paths in a rootfs full of symlinks: no
// panic, and every file opened lies in the bundle.
func FuzzOpen(f *testing.F) {
	for _, p := range []string{"/bin/prog", "../../x", "/proc/self/root/bin/prog", "a/./b/../c", "/l1/l2", ""} {
		f.Add(p)
	}
	b := newBundle(f)
	b.file("rootfs/bin/prog")
	b.file("src/tool")
	b.link("rootfs/l1", "/bin")
	b.link("rootfs/bin/l2", "../../../../l1/prog")
	b.link("rootfs/bin/host", "/usr/bin/passwd")
	b.link("rootfs/loop", "loop")
	b.mount("/proc", "proc", "proc")
	b.mount("/opt", "bind", "src", "rbind")
	fs := b.open()
	inside := map[uint64]bool{}
	filepath.WalkDir(b.dir, func(p string, d os.DirEntry, err error) error {
		var st unix.Stat_t
		if err == nil && unix.Lstat(p, &st) == nil {
			inside[st.Ino] = true
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, p string) {
		file, err := fs.Open(p)
		if err != nil {
			return
		}
		defer file.Close()
		if !inside[file.Stat.Ino] {
			t.Fatalf("Open(%q) reached %s (inode %d), outside the bundle", p, file.Path, file.Stat.Ino)
		}
	})
}
