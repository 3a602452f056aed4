package pkgdb

import "strings"

// The shell lexer: just enough of POSIX sh to find the words of each
// simple command in a maintainer script, with quotes removed and
// expansions kept apart so they can be resolved (or reported) later. It
// never fails: text it does not understand ends up as words that do not
// resolve.

// partKind says what a piece of a word is.
type partKind int

const (
	partLit    partKind = iota // literal text
	partParam                  // $NAME or ${NAME}: name holds NAME
	partCmd                    // $(...) or `...`: name holds the command
	partOpaque                 // anything else that expands ($1, ${X:-y}, $((...))): name holds its text
)

// part is a piece of a word.
type part struct {
	kind partKind
	text string
}

// word is one shell word: its pieces in order, and the source text.
type word struct {
	parts []part
	raw   string
}

// literal returns the word's value when it has no expansion.
func (w word) literal() (string, bool) {
	var b strings.Builder
	for _, p := range w.parts {
		if p.kind != partLit {
			return "", false
		}
		b.WriteString(p.text)
	}
	return b.String(), true
}

// tokKind is a token's kind.
type tokKind int

const (
	tokWord tokKind = iota
	tokOp           // ; && || | & ( ) ;; and redirections
	tokNewline
	tokEOF
)

type token struct {
	kind tokKind
	op   string
	w    word
	line int
}

// lexer splits a script into tokens.
type lexer struct {
	src      string
	pos      int
	line     int
	heredocs []heredoc // here-documents whose bodies start after this line
}

type heredoc struct {
	delim     string
	stripTabs bool
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1} }

// next returns the next token.
func (l *lexer) next() token {
	l.skipBlanks()
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, line: l.line}
	}
	c := l.src[l.pos]
	switch {
	case c == '\n':
		l.pos++
		l.line++
		l.skipHeredocs()
		return token{kind: tokNewline, line: l.line - 1}
	case isOpChar(c):
		return l.operator()
	}
	line := l.line
	w := l.word()
	// 2>/dev/null: digits right before a redirection are its descriptor.
	if l.pos < len(l.src) && (l.src[l.pos] == '>' || l.src[l.pos] == '<') && isDigits(w.raw) {
		return l.operator()
	}
	return token{kind: tokWord, w: w, line: line}
}

func (l *lexer) skipBlanks() {
	for l.pos < len(l.src) {
		switch c := l.src[l.pos]; {
		case c == ' ' || c == '\t' || c == '\r':
			l.pos++
		case c == '\\' && strings.HasPrefix(l.src[l.pos:], "\\\n"):
			l.pos += 2
			l.line++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		default:
			return
		}
	}
}

func isOpChar(c byte) bool { return strings.IndexByte(";&|()<>", c) >= 0 }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// operators, longest first.
var operators = []string{"<<-", "&&", "||", ";;", "<<", ">>", ">&", "<&", ">|", "&>", "<>", ";", "&", "|", "(", ")", "<", ">"}

func (l *lexer) operator() token {
	for _, op := range operators {
		if strings.HasPrefix(l.src[l.pos:], op) {
			l.pos += len(op)
			if op == "<<" || op == "<<-" {
				l.noteHeredoc(op == "<<-")
			}
			return token{kind: tokOp, op: op, line: l.line}
		}
	}
	l.pos++ // not reached: isOpChar bytes all start an operator
	return token{kind: tokOp, op: l.src[l.pos-1 : l.pos], line: l.line}
}

// noteHeredoc reads the delimiter after << without consuming it as a
// token of its own: the parser still sees it as the redirection's word.
func (l *lexer) noteHeredoc(stripTabs bool) {
	save, saveLine := l.pos, l.line
	l.skipBlanks()
	w := l.word()
	l.pos, l.line = save, saveLine
	delim := strings.NewReplacer(`"`, "", `'`, "", `\`, "").Replace(w.raw)
	if delim != "" {
		l.heredocs = append(l.heredocs, heredoc{delim: delim, stripTabs: stripTabs})
	}
}

// skipHeredocs skips the bodies of the here-documents of the line just
// ended.
func (l *lexer) skipHeredocs() {
	for _, h := range l.heredocs {
		for l.pos < len(l.src) {
			end := strings.IndexByte(l.src[l.pos:], '\n')
			if end < 0 {
				end = len(l.src) - l.pos
			}
			text := l.src[l.pos : l.pos+end]
			l.pos += end
			if l.pos < len(l.src) {
				l.pos++
			}
			l.line++
			if h.stripTabs {
				text = strings.TrimLeft(text, "\t")
			}
			if text == h.delim {
				break
			}
		}
	}
	l.heredocs = nil
}

// word reads one word.
func (l *lexer) word() word {
	start := l.pos
	var w word
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			w.parts = append(w.parts, part{kind: partLit, text: lit.String()})
			lit.Reset()
		}
	}
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || isOpChar(c):
			flush()
			w.raw = l.src[start:l.pos]
			return w
		case c == '\'':
			end := strings.IndexByte(l.src[l.pos+1:], '\'')
			if end < 0 {
				end = len(l.src) - l.pos - 1
			}
			lit.WriteString(l.src[l.pos+1 : l.pos+1+end])
			l.countLines(l.src[l.pos+1 : l.pos+1+end])
			l.pos = min(len(l.src), l.pos+end+2)
		case c == '"':
			l.pos++
			l.doubleQuoted(&w, &lit, flush)
		case c == '\\':
			l.escaped(&lit)
		case c == '$' || c == '`':
			l.dollar(&w, &lit, flush, c)
		default:
			lit.WriteByte(c)
			l.pos++
		}
	}
	flush()
	w.raw = l.src[start:min(l.pos, len(l.src))]
	l.pos = min(l.pos, len(l.src))
	return w
}

// doubleQuoted reads the inside of "..." after the opening quote.
func (l *lexer) doubleQuoted(w *word, lit *strings.Builder, flush func()) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '"':
			l.pos++
			return
		case c == '\\' && l.pos+1 < len(l.src) && strings.IndexByte("$`\"\\\n", l.src[l.pos+1]) >= 0:
			l.escaped(lit)
		case c == '$' || c == '`':
			l.dollar(w, lit, flush, c)
		default:
			if c == '\n' {
				l.line++
			}
			lit.WriteByte(c)
			l.pos++
		}
	}
}

// expansion reads $NAME, ${...}, $(...), $((...)), `...` or a special
// parameter at l.pos; ok is false for a $ that expands nothing (it is
// then a literal $, and l.pos is past it).
func (l *lexer) expansion() (part, bool) {
	s := l.src[l.pos:]
	switch {
	case s[0] == '`':
		end := closingBacktick(s)
		l.advance(end)
		return part{kind: partCmd, text: strings.TrimSpace(s[1:max(1, end-1)])}, true
	case strings.HasPrefix(s, "$(("):
		end := closingParen(s, 1)
		l.advance(end)
		return part{kind: partOpaque, text: s[:end]}, true
	case strings.HasPrefix(s, "$("):
		end := closingParen(s, 1)
		l.advance(end)
		return part{kind: partCmd, text: strings.TrimSpace(s[2:max(2, end-1)])}, true
	case strings.HasPrefix(s, "${"):
		end := strings.IndexByte(s, '}')
		if end < 0 {
			l.advance(len(s))
			return part{kind: partOpaque, text: s}, true
		}
		l.advance(end + 1)
		if inner := s[2:end]; isName(inner) {
			return part{kind: partParam, text: inner}, true
		}
		return part{kind: partOpaque, text: s[:end+1]}, true
	case len(s) > 1 && strings.IndexByte("0123456789@*#?$!-", s[1]) >= 0:
		l.advance(2)
		return part{kind: partOpaque, text: s[:2]}, true
	}
	n := 1
	for n < len(s) && isNameByte(s[n], n == 1) {
		n++
	}
	if n == 1 {
		l.pos++
		return part{}, false
	}
	l.advance(n)
	return part{kind: partParam, text: s[1:n]}, true
}

// advance moves past n bytes, counting the newlines among them.
func (l *lexer) advance(n int) {
	n = min(n, len(l.src)-l.pos)
	l.countLines(l.src[l.pos : l.pos+n])
	l.pos += n
}

func (l *lexer) countLines(s string) { l.line += strings.Count(s, "\n") }

// closingParen returns the length of s up to and including the ) that
// closes the ( at s[open], skipping quoted text; len(s) if none.
func closingParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			if j := strings.IndexByte(s[i+1:], '\''); j >= 0 {
				i += j + 1
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// closingBacktick returns the length of s up to and including the `
// that closes the one at s[0]; len(s) if none.
func closingBacktick(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '`':
			return i + 1
		}
	}
	return len(s)
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

// isName reports whether s is a shell variable name.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

// escaped reads a backslash and the byte it quotes: a newline continues
// the line, any other byte is taken literally.
func (l *lexer) escaped(lit *strings.Builder) {
	if l.pos+1 < len(l.src) {
		if l.src[l.pos+1] == '\n' {
			l.line++
		} else {
			lit.WriteByte(l.src[l.pos+1])
		}
	}
	l.pos += 2
}

// dollar reads an expansion starting with c ('$' or '`') into w, or
// takes c literally when it starts none.
func (l *lexer) dollar(w *word, lit *strings.Builder, flush func(), c byte) {
	if p, ok := l.expansion(); ok {
		flush()
		w.parts = append(w.parts, p)
		return
	}
	lit.WriteByte(c)
}
