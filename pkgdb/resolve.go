package pkgdb

import (
	"fmt"
	"strings"
)

// resolver gives words their values where the script fixes them: a
// literal, a variable assigned one literal value in the whole script, a
// for-loop variable over literal words, or $(dpkg-divert --truename
// PATH). Anything else is unknown, with the reason.
type resolver struct {
	assigns  map[string][]word // every value assigned to each variable
	truename func(string) string
}

// binding is the value of each for-loop variable in one iteration, or why
// it has none.
type binding map[string]value

type value struct {
	v   string
	why string // non-empty: unknown
}

// maxDepth bounds variables that refer to variables.
const maxDepth = 8

// newResolver collects the script's assignments: `NAME=WORD` commands,
// also after export, local or readonly.
func newResolver(cmds []*command, truename func(string) string) *resolver {
	r := &resolver{assigns: map[string][]word{}, truename: truename}
	for _, c := range cmds {
		words := c.words
		if lit, ok := words[0].literal(); ok && (lit == "export" || lit == "local" || lit == "readonly") {
			words = words[1:]
		}
		var found []assignment
		for _, w := range words {
			a, ok := asAssignment(w)
			if !ok {
				found = nil
				break
			}
			found = append(found, a)
		}
		for _, a := range found {
			r.assigns[a.name] = append(r.assigns[a.name], a.value)
		}
	}
	return r
}

type assignment struct {
	name  string
	value word
}

// asAssignment splits NAME=VALUE.
func asAssignment(w word) (assignment, bool) {
	if len(w.parts) == 0 || w.parts[0].kind != partLit {
		return assignment{}, false
	}
	name, rest, ok := strings.Cut(w.parts[0].text, "=")
	if !ok || !isName(name) || !strings.HasPrefix(w.raw, name+"=") {
		return assignment{}, false
	}
	v := word{raw: strings.TrimPrefix(w.raw, name+"=")}
	if rest != "" {
		v.parts = append(v.parts, part{kind: partLit, text: rest})
	}
	v.parts = append(v.parts, w.parts[1:]...)
	return assignment{name: name, value: v}, true
}

// resolve returns w's value, or why it cannot be known.
func (r *resolver) resolve(w word, b binding) (string, string) {
	return r.resolveDepth(w, b, 0)
}

func (r *resolver) resolveDepth(w word, b binding, depth int) (string, string) {
	var out strings.Builder
	for _, p := range w.parts {
		var v, why string
		switch p.kind {
		case partLit:
			v = p.text
		case partParam:
			v, why = r.variable(p.text, b, depth)
		case partCmd:
			v, why = r.commandOutput(p.text, b, depth)
		default:
			why = p.text + " is only known when the script runs"
		}
		if why != "" {
			return "", why
		}
		out.WriteString(v)
	}
	return out.String(), ""
}

// variable resolves $name.
func (r *resolver) variable(name string, b binding, depth int) (string, string) {
	if v, ok := b[name]; ok {
		return v.v, v.why
	}
	vals := r.assigns[name]
	switch {
	case len(vals) == 0:
		return "", "$" + name + " is not assigned in the script"
	case depth >= maxDepth:
		return "", "$" + name + " refers to variables too deeply"
	case !sameRaw(vals):
		return "", "$" + name + " is assigned more than one value"
	}
	v, why := r.resolveDepth(vals[0], b, depth+1)
	if why != "" {
		why = "$" + name + " is not a literal: " + why
	}
	return v, why
}

func sameRaw(ws []word) bool {
	for _, w := range ws[1:] {
		if w.raw != ws[0].raw {
			return false
		}
	}
	return true
}

// commandOutput resolves $(TEXT): only dpkg-divert --truename PATH, which
// prints the path a diversion moved PATH to, or PATH itself.
func (r *resolver) commandOutput(text string, b binding, depth int) (string, string) {
	cmds := parseScript(text)
	unknown := "$(" + text + ") is a command's output"
	if len(cmds) != 1 || len(cmds[0].words) != 3 {
		return "", unknown
	}
	ws := cmds[0].words
	name, _ := ws[0].literal()
	opt, _ := ws[1].literal()
	if baseName(name) != "dpkg-divert" || opt != "--truename" {
		return "", unknown
	}
	path, why := r.resolveDepth(ws[2], b, depth+1)
	if why != "" {
		return "", why
	}
	return r.truename(path), ""
}

// bindings lists the for-loop bindings a command runs under, at most
// maxBindings of them.
func (r *resolver) bindings(blocks []*block) []binding {
	out := []binding{{}}
	for _, bl := range blocks {
		l := bl.loop
		if l == nil || l.name == "" {
			continue
		}
		var next []binding
		for _, b := range out {
			for _, v := range r.loopValues(l, b) {
				nb := binding{}
				for k, x := range b {
					nb[k] = x
				}
				nb[l.name] = v
				next = append(next, nb)
			}
		}
		if len(next) > maxBindings {
			next = next[:maxBindings]
		}
		out = next
	}
	return out
}

const maxBindings = 256

// loopValues lists the values a loop variable takes (fields of its
// words, split at blanks), or one unknown value saying why.
func (r *resolver) loopValues(l *loop, b binding) []value {
	if l.noIn {
		return []value{{why: fmt.Sprintf("$%s iterates over the script's arguments", l.name)}}
	}
	var vals []value
	for _, w := range l.values {
		v, why := r.resolve(w, b)
		if why != "" {
			return []value{{why: fmt.Sprintf("$%s iterates over %s, and %s", l.name, w.raw, why)}}
		}
		for _, f := range strings.Fields(v) {
			vals = append(vals, value{v: f})
		}
	}
	return vals
}

// baseName is the last element of a command's path.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
