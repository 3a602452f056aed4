package systemd

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// maxLine is systemd's LONG_LINE_MAX: a longer line, continuations
// included, makes the file unloadable.
const maxLine = 1 << 20

// maxUnitSize bounds what Load reads.
const maxUnitSize = 16 << 20

// Assignment is one "Key=Value" of the unit's [Service] section.
type Assignment struct {
	Line       int // where the (possibly continued) line starts
	Key, Value string
}

// Unit is a parsed .service file.
type Unit struct {
	Path string
	// Name is the unit's name, its file name ("getty@tty1.service"):
	// specifiers such as %i and %n come from it.
	Name    string
	Service []Assignment
	// Warnings are lines systemd would ignore, with a warning in its log.
	Warnings []string
}

// UnitError is a unit file systemd refuses to load, or a setting fcap
// cannot model; the caller treats it as bad input.
type UnitError struct {
	Path string
	Line int // 0 when it concerns the whole file
	Msg  string
}

func (e *UnitError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
}

// Load reads and parses the unit file at path.
func Load(path string) (*Unit, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read unit: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUnitSize+1))
	if err != nil {
		return nil, fmt.Errorf("read unit %s: %w", path, err)
	}
	if len(data) > maxUnitSize {
		return nil, &UnitError{Path: path, Msg: fmt.Sprintf("larger than %d bytes: not a unit file", maxUnitSize)}
	}
	return Parse(path, data)
}

// Parse parses a unit file as systemd 252's config_parse does: comment
// lines ("#", ";") are skipped even inside a continued line, a line
// ending in an unescaped backslash continues on the next one (the
// backslash becomes a space), keys and values are stripped of
// whitespace. Lines outside a section, without "=", or in unknown
// sections are ignored with a warning, as systemd ignores them.
func Parse(path string, data []byte) (*Unit, error) {
	u := &Unit{Path: path, Name: filepath.Base(path)}
	p := &unitParser{u: u}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var cont []byte
	contLine := 0
	for i, raw := range splitLines(data) {
		n := i + 1
		if l := bytes.TrimLeft(raw, whitespace); len(l) > 0 && (l[0] == '#' || l[0] == ';') {
			continue
		}
		if cont == nil {
			contLine = n
		}
		logical := append(cont, raw...)
		if len(logical) > maxLine {
			return nil, &UnitError{Path: path, Line: contLine, Msg: "line too long"}
		}
		if endsEscaped(logical) {
			logical[len(logical)-1] = ' '
			cont = logical
			continue
		}
		cont = nil
		if err := p.line(contLine, logical); err != nil {
			return nil, err
		}
	}
	if cont != nil {
		if err := p.line(contLine, cont); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// splitLines splits data at "\n", "\r\n", "\r" and NUL, as systemd's
// read_line does.
func splitLines(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\n\r\x00")
		if i < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:i])
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return out
}

// endsEscaped reports whether l ends in a backslash that is not itself
// escaped.
func endsEscaped(l []byte) bool {
	escaped := false
	for _, c := range l {
		escaped = !escaped && c == '\\'
	}
	return escaped
}

// unitParser tracks the current section.
type unitParser struct {
	u       *Unit
	section string
	inAny   bool
}

// knownSections are the sections of a .service file.
var knownSections = map[string]bool{"Unit": true, "Service": true, "Install": true}

func (p *unitParser) line(n int, raw []byte) error {
	l := strings.Trim(string(raw), whitespace)
	switch {
	case l == "":
		return nil
	case !utf8.ValidString(l):
		return &UnitError{Path: p.u.Path, Line: n, Msg: "invalid UTF-8"}
	case l[0] == '[':
		return p.header(n, l)
	case !p.inAny:
		p.warn(n, "an assignment outside of any section")
		return nil
	}
	key, value, ok := strings.Cut(l, "=")
	switch {
	case !ok:
		p.warn(n, "missing '='")
	case key == "":
		p.warn(n, "missing key name before '='")
	case p.section == "Service":
		p.u.Service = append(p.u.Service, Assignment{Line: n, Key: strings.Trim(key, whitespace), Value: strings.Trim(value, whitespace)})
	}
	return nil
}

func (p *unitParser) header(n int, l string) error {
	if !strings.HasSuffix(l, "]") {
		return &UnitError{Path: p.u.Path, Line: n, Msg: fmt.Sprintf("invalid section header %q", l)}
	}
	name := l[1 : len(l)-1]
	if !stringIsSafe(name) {
		return &UnitError{Path: p.u.Path, Line: n, Msg: fmt.Sprintf("bad characters in section header %q", l)}
	}
	p.inAny = true
	p.section = name
	if !knownSections[name] && !strings.HasPrefix(name, "X-") {
		p.warn(n, fmt.Sprintf("unknown section [%s]", name))
	}
	return nil
}

func (p *unitParser) warn(n int, what string) {
	p.u.Warnings = append(p.u.Warnings, fmt.Sprintf("%s:%d: %s: systemd ignores this line", p.u.Path, n, what))
}

// stringIsSafe is systemd's string_is_safe: no control characters,
// quotes or backslashes.
func stringIsSafe(s string) bool {
	for _, c := range []byte(s) {
		if c < ' ' || c == 0x7f || c == '\\' || c == '"' || c == '\'' {
			return false
		}
	}
	return true
}
