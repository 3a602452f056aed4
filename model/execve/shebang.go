package execve

import "bytes"

// ShebangMax is how much of a file the kernel reads to recognise it
// (BINPRM_BUF_SIZE): a "#!" line must name its interpreter within it.
const ShebangMax = 256

// Format is what the kernel makes of a file's first bytes.
type Format int

// The formats exec recognises.
const (
	// FormatUnknown: neither an ELF binary nor a "#!" script; exec fails
	// with ENOEXEC unless a binfmt_misc handler takes the file.
	FormatUnknown Format = iota
	FormatELF
	FormatScript
)

func (f Format) String() string {
	switch f {
	case FormatELF:
		return "ELF binary"
	case FormatScript:
		return "script"
	}
	return "unknown format"
}

// DetectFormat tells an ELF binary and a "#!" script from anything else
// by the first bytes of a file.
func DetectFormat(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return FormatELF
	case bytes.HasPrefix(head, []byte("#!")):
		return FormatScript
	}
	return FormatUnknown
}

// Shebang is a script's "#!" line as binfmt_script reads it.
type Shebang struct {
	// Interp is the interpreter's path, every byte up to the first blank
	// (space or tab), NUL or the end of the line: a carriage return is
	// part of it. It can be empty ("#!" and blanks without a newline),
	// which the kernel opens as the working directory (EACCES).
	Interp string
	// Arg is the optional single argument after it (trailing blanks
	// removed).
	Arg string
	// Bad says why the line names no interpreter exec can use (exec
	// fails with ENOEXEC); "" when it names one.
	Bad string
}

func spacetab(c byte) bool { return c == ' ' || c == '\t' }

// nextNonSpacetab and nextTerminator scan buf[i..last] as the kernel's
// helpers of the same names do; they return -1 when they find nothing.
func nextNonSpacetab(buf []byte, i, last int) int {
	for ; i <= last; i++ {
		if !spacetab(buf[i]) {
			return i
		}
	}
	return -1
}

func nextTerminator(buf []byte, i, last int) int {
	for ; i <= last; i++ {
		if spacetab(buf[i]) || buf[i] == 0 {
			return i
		}
	}
	return -1
}

// ParseShebang reads the "#!" line at the start of head (the first
// ShebangMax bytes of a file) exactly as Linux's binfmt_script does. It
// reports false when head does not start with "#!".
func ParseShebang(head []byte) (Shebang, bool) {
	if !bytes.HasPrefix(head, []byte("#!")) {
		return Shebang{}, false
	}
	buf := make([]byte, ShebangMax) // the kernel's buffer: NUL-padded
	copy(buf, head)
	last := len(buf) - 1
	end := bytes.IndexByte(buf, '\n')
	if end < 0 {
		first := nextNonSpacetab(buf, 2, last)
		if first < 0 {
			return Shebang{Bad: "the #! line holds only blanks"}, true
		}
		if nextTerminator(buf, first, last) < 0 {
			return Shebang{Bad: "the #! line is longer than 256 bytes: the interpreter's name would be cut"}, true
		}
		end = last
	}
	for spacetab(buf[end-1]) {
		end--
	}
	name := nextNonSpacetab(buf, 2, end)
	if name < 0 || name == end {
		return Shebang{Bad: "the #! line names no interpreter"}, true
	}
	buf[end] = 0
	s := Shebang{}
	sep := nextTerminator(buf, name, end)
	if sep >= 0 && buf[sep] != 0 {
		if arg := nextNonSpacetab(buf, sep, end); arg >= 0 {
			s.Arg = cString(buf[arg:])
			buf[sep] = 0
		}
	}
	s.Interp = cString(buf[name:])
	return s, true
}

// cString returns b up to its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
