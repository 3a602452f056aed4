package main

import (
	"fmt"
	"io"
)

// reporter is where every command reports the paths it could not
// handle: a line on standard error and, with --json, an object with the
// path and the error in the JSON stream too, so tools see every path.
type reporter struct {
	out, errw io.Writer
	json      bool
	failed    bool
}

func newReporter(out, errw io.Writer, json bool) *reporter {
	return &reporter{out: out, errw: errw, json: json}
}

// fail reports that path failed with err.
func (r *reporter) fail(path string, err error) {
	r.failed = true
	fmt.Fprintf(r.errw, "fcap: %s\n", err)
	if r.json && path != "" {
		writeJSON(r.out, fileJSON{Path: path, Error: err.Error()})
	}
}
