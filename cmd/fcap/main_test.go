package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitStatus proves the documented exit statuses: 0 done, 1 a path
// failed, 2 usage error.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want int
		// stderr must contain this
		errText string
	}{
		{"version", []string{"--version"}, 0, ""},
		{"help", []string{"--help"}, 0, ""},
		{"help for a command", []string{"help", "set"}, 0, ""},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown flag", []string{"get", "--frob", file}, 2, "get: unknown option --frob"},
		{"get without a path", []string{"get"}, 2, "no PATH given"},
		{"remove without a path", []string{"remove"}, 2, "no PATH given"},
		{"set with an odd argument count", []string{"set", "cap_chown=p"}, 2, "want CAPS PATH pairs"},
		{"get of a missing file", []string{"get", filepath.Join(dir, "missing")}, 1, "no such file"},
		{"get of a directory", []string{"get", dir}, 1, "not a regular file (directory)"},
		{"get of a file without caps", []string{"get", file}, 0, ""},
		{"bad capability text", []string{"set", "cap_net_raw=epx", file}, 2, `set: invalid capability text "cap_net_raw=epx": unknown flag 'x'`},
		{"remove of a file without caps", []string{"remove", file}, 0, ""},
		{"remove with one missing path", []string{"remove", filepath.Join(dir, "missing"), file}, 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(append([]string{"fcap"}, tt.args...), strings.NewReader(""), &stdout, &stderr)
			if got != tt.want {
				t.Errorf("exit status %d, want %d; stderr: %s", got, tt.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.errText) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.errText)
			}
		})
	}
}
