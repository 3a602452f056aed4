package model

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// State bits of one capability across the three sets, numbered as libcap
// numbers them: this order fixes both the clause order and the tie rule
// of the printed form.
const (
	stateE uint8 = 1 << iota // effective
	stateP                   // permitted
	stateI                   // inheritable
)

// Operators inside a clause. opAssignRaise ("=+") and opAssignLower ("=-")
// are the two-character forms; both clear the listed capabilities first.
const (
	opAssign      = '='
	opRaise       = '+'
	opLower       = '-'
	opAssignRaise = 'P'
	opAssignLower = 'M'
)

// TextError is returned by ParseText: Text is the whole input, Reason
// says what is wrong and where.
type TextError struct {
	Text   string
	Reason string
}

// Error formats the error as `invalid capability text "TEXT": REASON`.
func (e *TextError) Error() string {
	return fmt.Sprintf("invalid capability text %q: %s", e.Text, e.Reason)
}

// ParseText parses libcap's text form (cap_from_text(3)) as setcap 2.66
// does. last is the running kernel's last capability (cap_last_cap, e.g.
// 40): `all` and a clause without a list mean 0..last, so `=` leaves
// bits above last alone. Every name in the library's table is accepted
// whatever last is, and numbers 0..63 are always accepted: libcap 2.66
// does the same (it stores cap_bpf=p on a kernel whose last is 37). Use
// Unsupported to find such capabilities.
//
// Whitespace is C's isspace (space, \t, \n, \v, \f, \r); names and `all`
// are case-insensitive; numbers are read like strtoul base 0 (0x hex,
// leading-0 octal); `all` inside a list replaces the entries before it.
// Empty or all-whitespace text gives the empty set. A NUL byte is
// refused: a C string would end there.
func ParseText(text string, last Cap) (Caps, error) {
	if i := strings.IndexByte(text, 0); i >= 0 {
		return Caps{}, &TextError{Text: text, Reason: fmt.Sprintf("NUL byte at offset %d", i)}
	}
	p := textParser{s: text, all: UpTo(last)}
	for {
		p.skipSpace()
		if p.i == len(p.s) {
			return p.caps, nil
		}
		p.start = p.i
		if reason := p.clause(); reason != "" {
			return Caps{}, &TextError{Text: text, Reason: p.locate(reason)}
		}
	}
}

// Unsupported returns the capabilities raised in any of c's sets whose
// number is above last, the ones the running kernel does not know.
func (c Caps) Unsupported(last Cap) Set {
	return (c.Effective | c.Permitted | c.Inheritable) &^ UpTo(last)
}

// textParser holds the state of one ParseText call.
type textParser struct {
	s     string
	i     int // next byte to read
	start int // where the current clause starts
	all   Set // what `all` and an omitted list mean
	caps  Caps
}

// locate adds the current clause to reason when the text holds more
// than that clause and reason does not already quote all of it.
func (p *textParser) locate(reason string) string {
	end := p.start
	for end < len(p.s) && !isSpace(p.s[end]) {
		end++
	}
	clause := p.s[p.start:end]
	if strings.TrimLeft(p.s, " \t\n\v\f\r") == clause || strings.Contains(reason, strconv.Quote(clause)) {
		return reason
	}
	return fmt.Sprintf("%s in clause %q", reason, clause)
}

// peek returns the current byte, or 0 at the end of the text.
func (p *textParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// skipSpace moves past C isspace bytes.
func (p *textParser) skipSpace() {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
}

// clause parses and applies one clause: an optional list, then one or
// more actions. It returns a reason when the clause is invalid.
func (p *textParser) clause() string {
	listStart := p.i
	list, listed, reason := p.list()
	if reason != "" {
		return reason
	}
	op, reason := p.operator(listed, p.s[listStart:p.i])
	if reason != "" {
		return reason
	}
	for {
		flags, reason := p.flags(op)
		if reason != "" {
			return reason
		}
		p.caps.apply(op, list, flags)
		next := p.peek()
		if next == 0 || isSpace(next) {
			return ""
		}
		// flags stops only at the end, a space, '+' or '-'.
		if !listed {
			return `"+" and "-" need a list of capabilities`
		}
		op = next
		p.i++
	}
}

// list parses the capability list that starts a clause. listed is false
// when the clause has none, which means `all`.
func (p *textParser) list() (set Set, listed bool, reason string) {
	c := p.peek()
	if !isNameByte(c) {
		if c == '+' || c == '-' {
			return 0, false, `"+" and "-" need a list of capabilities`
		}
		return p.all, false, ""
	}
	start := p.i
	for {
		tok := p.token()
		if strings.EqualFold(tok, "all") {
			set = p.all // libcap overwrites the entries before `all`
		} else {
			n, reason := parseItem(tok)
			if reason != "" {
				return 0, false, reason
			}
			set |= 1 << n
		}
		if p.peek() != ',' {
			return set, true, ""
		}
		p.i++
		if next := p.peek(); !isNameByte(next) {
			return 0, false, emptyName(p.s[start:p.i], next)
		}
	}
}

// emptyName explains a list that ends in a comma.
func emptyName(list string, next byte) string {
	if isSpace(next) {
		return fmt.Sprintf("empty name in list %q (no spaces inside a list)", list)
	}
	return fmt.Sprintf("empty name in list %q", list)
}

// token consumes and returns the run of ASCII letters, digits and '_'.
func (p *textParser) token() string {
	start := p.i
	for p.i < len(p.s) && isNameByte(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// parseItem resolves one list entry other than `all`: a number or a name.
func parseItem(tok string) (Cap, string) {
	if isDigit(tok[0]) {
		return parseNumber(tok)
	}
	n, ok := LookupName(tok)
	if !ok {
		return 0, fmt.Sprintf("unknown capability %q", tok)
	}
	return n, ""
}

// parseNumber reads tok like strtoul(tok, &end, 0) and requires it to be
// consumed whole and below 64.
func parseNumber(tok string) (Cap, string) {
	base, digits := uint64(10), tok
	switch {
	case len(tok) > 1 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X'):
		base, digits = 16, tok[2:]
	case len(tok) > 1 && tok[0] == '0':
		base, digits = 8, tok[1:]
	}
	if digits == "" {
		return 0, invalidNumber(tok, base)
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		d, ok := digitValue(digits[i])
		if !ok || d >= base {
			return 0, invalidNumber(tok, base)
		}
		if v <= uint64(MaxCap) {
			v = v*base + d
		}
	}
	if v > uint64(MaxCap) {
		return 0, fmt.Sprintf("number %s out of range (0-%d)", tok, MaxCap)
	}
	return Cap(v), ""
}

// invalidNumber explains a malformed number token.
func invalidNumber(tok string, base uint64) string {
	if base == 8 {
		return fmt.Sprintf("invalid number %q (a leading 0 means octal)", tok)
	}
	return fmt.Sprintf("invalid number %q", tok)
}

// digitValue returns the value of a hexadecimal digit.
func digitValue(c byte) (uint64, bool) {
	switch {
	case '0' <= c && c <= '9':
		return uint64(c - '0'), true
	case 'a' <= c && c <= 'f':
		return uint64(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return uint64(c-'A') + 10, true
	}
	return 0, false
}

// operator parses the first operator of a clause; listText is the list
// as written, for messages.
func (p *textParser) operator(listed bool, listText string) (byte, string) {
	c := p.peek()
	switch c {
	case '=':
		p.i++
		next := p.peek()
		if next != '+' && next != '-' {
			return opAssign, ""
		}
		if !listed {
			return 0, fmt.Sprintf(`"=%c" needs a list of capabilities`, next)
		}
		p.i++
		if next == '+' {
			return opAssignRaise, ""
		}
		return opAssignLower, ""
	case '+', '-':
		p.i++
		return c, ""
	}
	switch {
	case !listed && c == ',':
		return 0, "empty name in list (the clause starts with ',')"
	case !listed:
		return 0, fmt.Sprintf(`unexpected %s (want a capability, "all" or "=")`, quoteByteAt(p.s, p.i))
	case c == 0 || isSpace(c):
		return 0, fmt.Sprintf("missing operator after %q", listText)
	}
	return 0, fmt.Sprintf(`unexpected %s after %q (want "=", "+" or "-")`, quoteByteAt(p.s, p.i), listText)
}

// flags parses the flags after op. Only a plain '=' may have none.
func (p *textParser) flags(op byte) (uint8, string) {
	var flags uint8
	for {
		c := p.peek()
		f := flagState(c)
		if f == 0 {
			break
		}
		flags |= f
		p.i++
	}
	c := p.peek()
	switch {
	case c == ',':
		return 0, fmt.Sprintf("unexpected ',' after %q (separate clauses with spaces)", p.s[p.start:p.i])
	case c == '=':
		return 0, fmt.Sprintf(`unexpected '=' after %q (only "+" or "-" may follow flags)`, p.s[p.start:p.i])
	case c != 0 && !isSpace(c) && c != '+' && c != '-':
		return 0, "unknown flag " + quoteByteAt(p.s, p.i)
	case flags == 0 && op != opAssign:
		return 0, fmt.Sprintf("missing flags after %q", opText(op))
	}
	return flags, ""
}

// opText spells op as it was written.
func opText(op byte) string {
	switch op {
	case opAssignRaise:
		return "=+"
	case opAssignLower:
		return "=-"
	}
	return string(rune(op))
}

// apply performs one action on the listed capabilities.
func (c *Caps) apply(op byte, list Set, flags uint8) {
	switch op {
	case opAssign, opAssignRaise:
		c.lower(list, stateE|stateP|stateI)
		c.raise(list, flags)
	case opAssignLower:
		c.lower(list, stateE|stateP|stateI)
	case opRaise:
		c.raise(list, flags)
	case opLower:
		c.lower(list, flags)
	}
}

// raise adds list to the sets named by flags.
func (c *Caps) raise(list Set, flags uint8) {
	if flags&stateE != 0 {
		c.Effective |= list
	}
	if flags&stateP != 0 {
		c.Permitted |= list
	}
	if flags&stateI != 0 {
		c.Inheritable |= list
	}
}

// lower removes list from the sets named by flags.
func (c *Caps) lower(list Set, flags uint8) {
	if flags&stateE != 0 {
		c.Effective &^= list
	}
	if flags&stateP != 0 {
		c.Permitted &^= list
	}
	if flags&stateI != 0 {
		c.Inheritable &^= list
	}
}

// flagState maps a flag letter to its state bit, or 0.
func flagState(c byte) uint8 {
	switch c {
	case 'e':
		return stateE
	case 'p':
		return stateP
	case 'i':
		return stateI
	}
	return 0
}

// isSpace reports whether c is whitespace for C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || ('\t' <= c && c <= '\r')
}

// isDigit reports whether c is an ASCII decimal digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isNameByte reports whether c may appear in a list entry: C's isalnum
// in the C locale, or '_'.
func isNameByte(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_'
}

// quoteByteAt quotes the character at s[i] for a message: 'x', '\t', or
// '\xff' for a byte that does not start valid UTF-8.
func quoteByteAt(s string, i int) string {
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size <= 1 {
		return `'\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:] + `'`
	}
	return strconv.QuoteRune(r)
}

// Format prints c exactly as cap_to_text (libcap >= 2.41) does, relative
// to last, the running kernel's last capability: the most common state
// of capabilities 0..last is the background (ties go to the lower state
// number, so empty wins), each other state gets one clause in the order
// eip, ip, ei, i, ep, p, e, and capabilities above last follow as
// `+flags` clauses, by number when they have no name.
func (c Caps) Format(last Cap) string {
	if last > MaxCap {
		last = MaxCap
	}
	var hist [8]int
	for n := 0; n <= int(last); n++ {
		hist[c.state(Cap(n))]++
	}
	bg := uint8(7)
	for t := 6; t >= 0; t-- {
		if hist[t] >= hist[bg] {
			bg = uint8(t)
		}
	}
	clauses := []string{"=" + flagText(bg)}
	for t := 7; t >= 0; t-- {
		if uint8(t) == bg || hist[t] == 0 {
			continue
		}
		clauses = c.namedClause(clauses, uint8(t), bg, last)
	}
	for t := 7; t > 0; t-- {
		if names := c.listState(uint8(t), int(last)+1, int(MaxCap)); names != "" {
			clauses = append(clauses, names+"+"+flagText(uint8(t)))
		}
	}
	return strings.Join(clauses, " ")
}

// namedClause appends the clause for the capabilities 0..last in state
// t against background bg. When the text so far is a bare "=", the
// clause replaces it and uses "=" (cap_to_text's 2.41 special case).
func (c Caps) namedClause(clauses []string, t, bg uint8, last Cap) []string {
	s := c.listState(t, 0, int(last))
	if up := t &^ bg; up != 0 {
		op := "+"
		if len(clauses) == 1 && clauses[0] == "=" {
			clauses, op = clauses[:0], "="
		}
		s += op + flagText(up)
	}
	if down := bg &^ t; down != 0 {
		s += "-" + flagText(down)
	}
	return append(clauses, s)
}

// listState lists, comma-separated and ascending, the capabilities from
// lo to hi inclusive whose state is t.
func (c Caps) listState(t uint8, lo, hi int) string {
	var b strings.Builder
	for n := lo; n <= hi; n++ {
		if c.state(Cap(n)) != t {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(Cap(n).String())
	}
	return b.String()
}

// state returns n's state bits across the three sets.
func (c Caps) state(n Cap) uint8 {
	var t uint8
	if c.Effective.Has(n) {
		t |= stateE
	}
	if c.Permitted.Has(n) {
		t |= stateP
	}
	if c.Inheritable.Has(n) {
		t |= stateI
	}
	return t
}

// flagText spells state bits in libcap's order: e, i, p.
func flagText(t uint8) string {
	s := ""
	if t&stateE != 0 {
		s += "e"
	}
	if t&stateI != 0 {
		s += "i"
	}
	if t&stateP != 0 {
		s += "p"
	}
	return s
}
