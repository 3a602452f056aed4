package main

// fcap as libcap 2.66's setcap and getcap: when the binary is invoked under
// one of those names (a symlink made by `fcap install-compat`), packages
// personality/setcap and personality/getcap take the same arguments and
// give the same bytes and exit statuses; this file writes what they give.

import (
	"bufio"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"fcap/personality"
	"fcap/personality/getcap"
	"fcap/personality/setcap"
)

func setcapMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stdout, flush := stdioBuffered(stdout)
	defer flush()
	return setcap.Run(args, setcap.Options{Stdin: stdin, Version: version}, writeEvent(stdout, stderr))
}

func getcapMain(args []string, stdout, stderr io.Writer) int {
	stdout, flush := stdioBuffered(stdout)
	defer flush()
	limitWalkMemory()
	opt := getcap.Options{Version: version, PosixlyCorrect: os.Getenv("POSIXLY_CORRECT") != ""}
	return getcap.Run(args, opt, writeEvent(stdout, stderr))
}

// writeEvent writes a personality's output as it comes.
func writeEvent(stdout, stderr io.Writer) func(personality.Event) {
	return func(e personality.Event) {
		io.WriteString(stdout, e.Stdout)
		io.WriteString(stderr, e.Stderr)
	}
}

// stdioBuffered buffers w as C's stdio buffers stdout, so that output
// interleaves with the unbuffered stderr as the output of libcap's
// programs does when both go to one file: a terminal is written at once, anything else in
// blocks of st_blksize bytes (at most BUFSIZ, 8192) and at exit.
func stdioBuffered(w io.Writer) (io.Writer, func()) {
	f, ok := w.(*os.File)
	if !ok || isTerminal(f) {
		return w, func() {}
	}
	size := 8192
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) == nil {
		if bs := int64(st.Blksize); bs > 0 && bs < int64(size) {
			size = int(bs)
		}
	}
	b := bufio.NewWriterSize(w, size)
	return b, func() { b.Flush() }
}
