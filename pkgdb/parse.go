package pkgdb

import "strings"

// command is one simple command of a script: its words (keywords such as
// if, then and ! removed), where it is, the command whose output it reads
// through a pipe, the blocks around it and the commands before it in its
// && / || list, which decide whether it runs.
type command struct {
	words     []word
	line      int
	pipedFrom *command
	blocks    []*block
	guards    []*command
}

// blockKind is the kind of a compound command.
type blockKind int

const (
	blockIf   blockKind = iota // if/elif ... then ... else ... fi
	blockLoop                  // for, while, until ... do ... done
	blockCase                  // case WORD in PATTERN) ... ;; esac
)

// block is an open compound command.
type block struct {
	kind blockKind
	// conds are the commands of an if's or while's conditions (all of
	// them, elif's too); inCond says they are being read.
	conds  []*command
	inCond bool
	// loop is what a for-loop binds (nil for while and until).
	loop *loop
	// subject and patterns are a case's word and the patterns of the
	// arm being read; inPatterns says patterns are being read.
	subject    word
	patterns   []string
	inPatterns bool
}

// loop is what a for-loop binds.
type loop struct {
	name   string
	values []word // the words after `in`
	noIn   bool   // `for NAME` alone iterates over "$@"
}

// parser turns tokens into commands, following the compound commands
// that change how words are read and whether commands run.
type parser struct {
	lx      *lexer
	pushed  *token
	cmds    []*command
	cur     []word
	curLine int
	piped   bool       // the current command reads the previous one's output
	andOr   []*command // the commands before the current one in its && / || list
	blocks  []*block
}

// parseScript returns the simple commands of a shell script in order.
func parseScript(src string) []*command {
	p := &parser{lx: newLexer(src)}
	for {
		t := p.take()
		switch t.kind {
		case tokEOF:
			p.end("")
			return p.cmds
		case tokNewline:
			if !p.inPatterns() {
				p.end("\n")
			}
		case tokOp:
			p.op(t)
		case tokWord:
			p.word(t)
		}
	}
}

func (p *parser) take() token {
	if p.pushed != nil {
		t := *p.pushed
		p.pushed = nil
		return t
	}
	return p.lx.next()
}

func (p *parser) top() *block {
	if len(p.blocks) == 0 {
		return nil
	}
	return p.blocks[len(p.blocks)-1]
}

func (p *parser) inPatterns() bool {
	b := p.top()
	return b != nil && b.kind == blockCase && b.inPatterns
}

func isRedirect(op string) bool { return strings.ContainsAny(op, "<>") }

// op handles an operator token.
func (p *parser) op(t token) {
	switch {
	case p.inPatterns():
		if t.op == ")" {
			p.top().inPatterns = false
		}
	case isRedirect(t.op):
		// The redirection's target is not an argument.
		if next := p.take(); next.kind != tokWord {
			p.pushed = &next
		}
	case t.op == ";;":
		p.end(t.op)
		if b := p.top(); b != nil && b.kind == blockCase {
			// A new arm: a new block, so the commands of the arm
			// before keep their patterns.
			p.blocks[len(p.blocks)-1] = &block{kind: blockCase, subject: b.subject, inPatterns: true}
		}
	default:
		p.end(t.op)
	}
}

// word handles a word token.
func (p *parser) word(t token) {
	lit, isLit := t.w.literal()
	if p.inPatterns() {
		if b := p.top(); isLit && lit == "esac" {
			p.pop(blockCase)
		} else if !(isLit && lit == "(") {
			b.patterns = append(b.patterns, t.w.raw)
		}
		return
	}
	if len(p.cur) == 0 && isLit && p.keyword(lit) {
		return
	}
	if len(p.cur) == 2 && isLit && lit == "in" && firstIs(p.cur, "case") {
		p.blocks = append(p.blocks, &block{kind: blockCase, subject: p.cur[1], inPatterns: true})
		p.cur = nil
		return
	}
	if len(p.cur) == 0 {
		p.curLine = t.line
	}
	p.cur = append(p.cur, t.w)
}

// keyword handles a reserved word in command position and reports
// whether it was one.
func (p *parser) keyword(lit string) bool {
	b := p.top()
	switch lit {
	case "if":
		p.blocks = append(p.blocks, &block{kind: blockIf, inCond: true})
	case "while", "until":
		p.blocks = append(p.blocks, &block{kind: blockLoop, inCond: true})
	case "elif":
		if b != nil && b.kind == blockIf {
			b.inCond = true
		}
	case "then", "do":
		if b != nil {
			b.inCond = false
		}
	case "fi":
		p.pop(blockIf)
	case "done":
		p.pop(blockLoop)
	case "esac":
		p.pop(blockCase)
	case "else", "!", "{", "}", "time", "function":
	default:
		return false
	}
	return true
}

// pop closes the innermost block if it is of kind k.
func (p *parser) pop(k blockKind) {
	if b := p.top(); b != nil && b.kind == k {
		p.blocks = p.blocks[:len(p.blocks)-1]
	}
}

func firstIs(words []word, name string) bool {
	lit, ok := words[0].literal()
	return ok && lit == name
}

// end closes the current command; sep is what ended it.
func (p *parser) end(sep string) {
	words := p.cur
	p.cur = nil
	piped := p.piped
	p.piped = sep == "|"
	if len(words) == 0 {
		if sep != "&&" && sep != "||" {
			p.andOr = nil
		}
		return
	}
	if firstIs(words, "for") {
		p.blocks = append(p.blocks, &block{kind: blockLoop, loop: forLoop(words)})
		p.andOr = nil
		return
	}
	c := &command{words: words, line: p.curLine, blocks: append([]*block(nil), p.blocks...),
		guards: append([]*command(nil), p.andOr...)}
	if piped && len(p.cmds) > 0 {
		c.pipedFrom = p.cmds[len(p.cmds)-1]
	}
	p.cmds = append(p.cmds, c)
	// A command piped into another is not a condition: only the last
	// of a pipeline decides.
	if b := p.top(); b != nil && b.inCond && sep != "|" {
		b.conds = append(b.conds, c)
	}
	switch sep {
	case "&&", "||":
		p.andOr = append(p.andOr, c)
	case "|":
	default:
		p.andOr = nil
	}
}

// forLoop reads `for NAME [in WORD...]`.
func forLoop(words []word) *loop {
	l := &loop{noIn: true}
	if len(words) > 1 {
		l.name, _ = words[1].literal()
	}
	if len(words) > 2 {
		if in, ok := words[2].literal(); ok && in == "in" {
			l.noIn = false
			l.values = words[3:]
		}
	}
	return l
}
