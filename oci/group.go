package oci

import (
	"bytes"
	"strconv"
)

// groupEntry is one line of a container's /etc/group as runc reads it.
type groupEntry struct {
	name string
	gid  int
}

// parseGroupFile reads /etc/group the way libcontainer/user does: blank
// lines and lines starting with '#' are skipped, fields are split on ':',
// and a gid that is not a number counts as 0.
func parseGroupFile(data []byte) []groupEntry {
	var out []groupEntry
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		f := bytes.Split(line, []byte(":"))
		g := groupEntry{name: string(f[0])}
		if len(f) > 2 {
			g.gid, _ = strconv.Atoi(string(f[2]))
		}
		out = append(out, g)
	}
	return out
}
