package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedDocsAreCurrent fails when a command or flag changed without
// `make docs`: the committed man page and completions must be what the
// generators print now.
func TestGeneratedDocsAreCurrent(t *testing.T) {
	docs := filepath.Join("..", "..", "docs")
	tests := []struct {
		args []string
		file string
	}{
		{[]string{"gen-man"}, "fcap.8"},
		{[]string{"gen-completion", "bash"}, filepath.Join("completion", "fcap.bash")},
		{[]string{"gen-completion", "zsh"}, filepath.Join("completion", "_fcap")},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"fcap"}, tt.args...), strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("fcap %s: exit %d: %s", strings.Join(tt.args, " "), code, stderr.String())
		}
		want, err := os.ReadFile(filepath.Join(docs, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(stdout.Bytes(), want) {
			t.Errorf("docs/%s is stale: run make docs", tt.file)
		}
	}
}
