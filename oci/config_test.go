package oci

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fcap/model"
)

// writeConfig writes a bundle with config text and an empty rootfs.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const minimal = `{"process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/prog"], "cwd": "/"}, "root": {"path": "rootfs"}}`

func TestLoadReadsABundleOrItsConfig(t *testing.T) {
	path := writeConfig(t, minimal)
	for _, p := range []string{path, filepath.Dir(path)} {
		c, err := Load(p)
		if err != nil {
			t.Fatalf("Load(%s): %v", p, err)
		}
		if c.Path != path || c.Rootfs != filepath.Join(filepath.Dir(path), "rootfs") {
			t.Errorf("Load(%s): path %s rootfs %s", p, c.Path, c.Rootfs)
		}
	}
}

func TestLoadRefusesMalformedConfigsSayingWhere(t *testing.T) {
	tests := []struct {
		name, text, field, msg string
	}{
		{"empty file", ``, "", "empty or truncated"},
		{"truncated", `{"process": {`, "", "empty or truncated"},
		{"syntax", "{\n  \"process\": {,}\n}", "", "invalid JSON at line 2"},
		{"trailing data", minimal + ` {}`, "", "data after the JSON object"},
		{"uid is a string", `{"process": {"user": {"uid": "0"}}, "root": {"path": "r"}}`, "process.user.uid", "a JSON string"},
		{"negative gid", `{"process": {"user": {"gid": -1}}, "root": {"path": "r"}}`, "process.user.gid", "number -1"},
		{"args not a list", `{"process": {"args": "/bin/sh"}, "root": {"path": "r"}}`, "process.args", "a JSON string"},
		{"no process", `{"root": {"path": "rootfs"}}`, "process", "missing"},
		{"no root", `{"process": {"args": ["x"]}}`, "root.path", "missing"},
		{"windows user", `{"process": {"user": {"username": "x"}}, "root": {"path": "r"}}`, "process.user.username", "Windows"},
		{"relative cwd", `{"process": {"cwd": "tmp"}, "root": {"path": "r"}}`, "process.cwd", "not absolute"},
		{"unknown capability", `{"process": {"capabilities": {"bounding": ["CAP_CHOWN", "CAP_BOGUS"]}}, "root": {"path": "r"}}`,
			"process.capabilities.bounding[1]", "not a capability name"},
		{"lower-case capability", `{"process": {"capabilities": {"ambient": ["cap_net_raw"]}}, "root": {"path": "r"}}`,
			"process.capabilities.ambient[0]", "writes capabilities as CAP_NET_RAW"},
		{"capability without prefix", `{"process": {"capabilities": {"effective": ["NET_RAW"]}}, "root": {"path": "r"}}`,
			"process.capabilities.effective[0]", "not a capability name"},
		{"user namespace", `{"process": {}, "root": {"path": "r"}, "linux": {"namespaces": [{"type": "pid"}, {"type": "user"}]}}`,
			"linux.namespaces[1]", "user namespace"},
		{"relative mount", `{"process": {}, "root": {"path": "r"}, "mounts": [{"destination": "mnt", "type": "tmpfs"}]}`,
			"mounts[0].destination", "not absolute"},
		{"id-mapped mount", `{"process": {}, "root": {"path": "r"}, "mounts": [{"destination": "/m", "type": "bind", "options": ["bind", "idmap"]}]}`,
			"mounts[0]", "id-mapped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.text)
			_, err := Load(path)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v (%T), want a *ConfigError", err, err)
			}
			if ce.Field != tt.field || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), path) {
				t.Errorf("Load = %q (field %q), want field %q and %q", err, ce.Field, tt.field, tt.msg)
			}
		})
	}
}

func TestLoadReportsAMissingFileAsAnIOError(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "config.json"))
	var ce *ConfigError
	if err == nil || errors.As(err, &ce) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file = %v, want an os.ErrNotExist that is not a ConfigError", err)
	}
}

func TestLoadReadsTheFiveCapabilityLists(t *testing.T) {
	c, err := Load(writeConfig(t, `{"process": {"capabilities": {
		"bounding": ["CAP_CHOWN", "CAP_NET_RAW"], "effective": ["CAP_NET_RAW"],
		"inheritable": ["CAP_KILL"], "permitted": ["CAP_NET_RAW", "CAP_NET_RAW"],
		"ambient": ["CAP_CHECKPOINT_RESTORE"]}}, "root": {"path": "rootfs"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Caps{
		Bounding:    model.SetOf(model.CapChown, model.CapNetRaw),
		Effective:   model.SetOf(model.CapNetRaw),
		Inheritable: model.SetOf(model.CapKill),
		Permitted:   model.SetOf(model.CapNetRaw),
		Ambient:     model.SetOf(model.CapCheckpointRestore),
	}
	if c.Caps != want {
		t.Errorf("Caps = %+v, want %+v", c.Caps, want)
	}
}
