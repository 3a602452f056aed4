package execve

import "bytes"

// ShebangMax is how much of a file the kernel reads for a "#!" line.
const ShebangMax = 256

// ParseShebang returns the interpreter a "#!" line at the start of head
// names (its first word), or "" when head does not start with one.
func ParseShebang(head []byte) string {
	if !bytes.HasPrefix(head, []byte("#!")) {
		return ""
	}
	line := head[2:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	fields := bytes.Fields(line)
	if len(fields) == 0 {
		return ""
	}
	return string(fields[0])
}
