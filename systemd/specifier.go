package systemd

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// fixedSpecifiers are the specifiers whose value does not depend on the
// machine, for the system service manager (root).
var fixedSpecifiers = map[byte]string{
	'C': "/var/cache", 'E': "/etc", 'L': "/var/log", 'S': "/var/lib", 't': "/run",
	'T': "/tmp", 'V': "/var/tmp", 'u': "root", 'U': "0", 'g': "root", 'G': "0",
}

// hostSpecifiers depend on the machine the unit runs on, or on the
// manager's environment: fcap does not guess them.
var hostSpecifiers = map[byte]string{
	'a': "the architecture", 'A': "the OS image version", 'b': "the boot id", 'B': "the OS build id",
	'H': "the host name", 'l': "the short host name", 'q': "the pretty host name", 'm': "the machine id",
	'M': "the OS image id", 'o': "the OS id", 'v': "the kernel release", 'w': "the OS version id",
	'W': "the OS variant id", 'c': "the cgroup path", 'r': "the cgroup slice", 'R': "the cgroup root",
	'd': "the credentials directory", 'h': "the manager's home directory", 's': "the manager's shell",
}

// expand resolves the % specifiers of s as systemd 252's
// unit_full_printf does, for the ones that depend only on the unit; a
// specifier that depends on the machine or is unknown is an error.
func (u *Unit) expand(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			b.WriteByte('%') // a stray % at the end stays
			break
		}
		i++
		v, err := u.specifier(s[i])
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// checkSpecifiers refuses, as systemd does, an argument with an unknown
// specifier; arguments are not expanded otherwise.
func (u *Unit) checkSpecifiers(args []string) error {
	for _, a := range args {
		for i := 0; i+1 < len(a); i++ {
			if a[i] != '%' {
				continue
			}
			i++
			if _, err := u.specifier(a[i]); err != nil && hostSpecifiers[a[i]] == "" {
				return fmt.Errorf("argument %q: %w", a, err)
			}
		}
	}
	return nil
}

func (u *Unit) specifier(c byte) (string, error) {
	if v, ok := fixedSpecifiers[c]; ok {
		return v, nil
	}
	if what, ok := hostSpecifiers[c]; ok {
		return "", fmt.Errorf("specifier %%%c (%s) depends on the machine the unit runs on: fcap does not expand it", c, what)
	}
	prefix, instance := u.prefixInstance()
	switch c {
	case '%':
		return "%", nil
	case 'n':
		return u.Name, nil
	case 'N':
		return strings.TrimSuffix(u.Name, path.Ext(u.Name)), nil
	case 'p':
		return prefix, nil
	case 'P':
		return unescapeName(prefix)
	case 'i':
		return instance, nil
	case 'I':
		return unescapeName(instance)
	case 'j':
		return lastComponent(prefix), nil
	case 'J':
		return unescapeName(lastComponent(prefix))
	case 'f':
		if instance != "" {
			return unescapePath(instance)
		}
		return unescapePath(prefix)
	case 'y':
		return u.realPath()
	case 'Y':
		p, err := u.realPath()
		return filepath.Dir(p), err
	}
	if isAlnum(c) {
		return "", fmt.Errorf("unknown specifier %%%c", c)
	}
	return "%" + string(c), nil // systemd keeps "%" before other characters
}

// prefixInstance splits the unit name: "getty@tty1.service" has prefix
// "getty" and instance "tty1".
func (u *Unit) prefixInstance() (prefix, instance string) {
	base := strings.TrimSuffix(u.Name, path.Ext(u.Name))
	prefix, instance, _ = strings.Cut(base, "@")
	return prefix, instance
}

func (u *Unit) realPath() (string, error) {
	p, err := filepath.Abs(u.Path)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r, nil
	}
	return p, nil
}

func lastComponent(prefix string) string {
	if i := strings.LastIndexByte(prefix, '-'); i >= 0 {
		return prefix[i+1:]
	}
	return prefix
}

// unescapeName undoes unit name escaping: "-" is "/", "\xNN" a byte.
func unescapeName(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '-':
			b.WriteByte('/')
		case s[i] == '\\':
			v, ok := hexValue(s[min(i+2, len(s)):], 2)
			if i+1 >= len(s) || s[i+1] != 'x' || !ok {
				return "", fmt.Errorf("invalid escape in unit name part %q", s)
			}
			b.WriteByte(byte(v))
			i += 3
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// unescapePath is systemd's unit_name_path_unescape.
func unescapePath(s string) (string, error) {
	switch s {
	case "":
		return "", fmt.Errorf("%%f of an empty name")
	case "-":
		return "/", nil
	}
	w, err := unescapeName(s)
	if err != nil {
		return "", err
	}
	p := "/" + w
	if strings.HasPrefix(w, "/") || strings.HasSuffix(w, "/") || path.Clean(p) != p {
		return "", fmt.Errorf("%q does not unescape to a normalized path", s)
	}
	return p, nil
}

func isAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}
