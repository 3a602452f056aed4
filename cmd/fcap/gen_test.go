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

// TestManPageNamesOnlyInstalledFiles: the man page is installed alone, so
// it must not send the reader to the source tree's docs.
func TestManPageNamesOnlyInstalledFiles(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"fcap", "gen-man"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("gen-man: exit %d: %s", code, stderr.String())
	}
	for i, line := range strings.Split(stdout.String(), "\n") {
		if strings.Contains(line, "docs/") || strings.Contains(line, ".md") {
			t.Errorf("line %d names a file that is not installed: %s", i+1, line)
		}
	}
}
