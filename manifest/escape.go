package manifest

import (
	"fmt"
	"strings"
)

// needsEscape reports whether byte c at offset i of a path must be
// written as an octal escape: blanks and other control bytes (they end
// the path or the line), the backslash (it starts an escape), DEL, and a
// '#' at the start (it would start a comment).
func needsEscape(c byte, i int) bool {
	return c <= ' ' || c == '\\' || c == 0x7f || (c == '#' && i == 0)
}

// Escape writes a path for a manifest line: every byte needsEscape names
// becomes `\NNN` (three octal digits), as in fstab and mtree; every other
// byte, UTF-8 or not, is written as it is. A path that needs no escape
// is returned unchanged, so ordinary paths print as getcap prints them.
func Escape(path string) string {
	i := 0
	for i < len(path) && !needsEscape(path[i], i) {
		i++
	}
	if i == len(path) {
		return path
	}
	var b strings.Builder
	b.Grow(len(path) + 8)
	b.WriteString(path[:i])
	for ; i < len(path); i++ {
		if c := path[i]; needsEscape(c, i) {
			fmt.Fprintf(&b, "\\%03o", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Unescape decodes a path written by Escape: `\NNN` with three octal
// digits (at most \377) is the byte NNN; a backslash not followed by
// one is itself, so older manifests with a literal backslash still read
// as they did. It returns a reason when the decoded path is empty or
// holds a NUL byte, which no path can.
func Unescape(s string) (string, string) {
	if !strings.Contains(s, `\`) {
		return s, checkPath(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if v, ok := octal(s[i:]); ok {
			b.WriteByte(v)
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	p := b.String()
	return p, checkPath(p)
}

// octal decodes `\NNN` at the start of s.
func octal(s string) (byte, bool) {
	if len(s) < 4 || s[0] != '\\' {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[1:4]) {
		if c < '0' || c > '7' {
			return 0, false
		}
		v = v*8 + int(c-'0')
	}
	return byte(v), v <= 0o377
}

func checkPath(p string) string {
	if i := strings.IndexByte(p, 0); i >= 0 {
		return fmt.Sprintf("NUL byte in path at offset %d", i)
	}
	if p == "" {
		return "empty path"
	}
	return ""
}
