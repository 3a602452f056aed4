package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// applyLog is the file `fcap apply --log FILE` appends its changes and
// failures to, one line each with the time, so what the package hooks
// did can be read afterwards (as dpkg.log tells what dpkg did).
type applyLog struct {
	f   *os.File
	tag string // what ran, e.g. "fcap apply --system"
}

// openApplyLog opens (creating, mode 0640) the log file for appending,
// never through a symlink and only if it is a regular file.
func openApplyLog(name string, system bool) (*applyLog, error) {
	fd, err := unix.Open(name, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.Close()
		return nil, fmt.Errorf("open log %s: not a regular file", name)
	}
	tag := "fcap apply"
	if system {
		tag += " --system"
	}
	return &applyLog{f: f, tag: tag}, nil
}

// write appends one line; a nil log writes nothing.
func (l *applyLog) write(msg string) {
	if l == nil {
		return
	}
	line := time.Now().UTC().Format(time.RFC3339) + " " + l.tag + ": " + strings.ReplaceAll(msg, "\n", " ") + "\n"
	l.f.WriteString(line)
}

// Close closes the log file.
func (l *applyLog) Close() error { return l.f.Close() }
