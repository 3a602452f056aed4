package pkgdb

import (
	"fmt"
	"strconv"
	"strings"

	"fcap/manifest"
	"fcap/model"
)

// declared is one setcap call read from a script: the entry it makes
// (File and Line say where), or why it cannot be read.
type declared struct {
	entry  manifest.Entry
	unread *Unread
}

// readScript finds the setcap calls of a maintainer script. Each call
// whose capabilities and path the script fixes is an entry; it asks for
// the setuid fallback when the script also grants the setuid bit to
// that path (chmod u+s, chmod 4755, dpkg-statoverride ... 4755). Every
// other setcap call is an Unread saying why.
func readScript(src, file string, truename func(string) string, last model.Cap) ([]manifest.Entry, []Unread) {
	cmds := parseScript(src)
	r := newResolver(cmds, truename)
	var found []declared
	setuid := map[string]bool{}
	for _, c := range cmds {
		for _, b := range r.bindings(c.blocks) {
			words := commandWords(c.words)
			if len(words) == 0 {
				continue
			}
			name, _ := words[0].literal()
			switch baseName(name) {
			case "setcap":
				found = append(found, r.conditional(c, r.setcap(c, words[1:], b, file, last), last)...)
			case "chmod":
				r.chmodSetuid(words[1:], b, setuid)
			case "dpkg-statoverride":
				r.statoverrideSetuid(words[1:], b, setuid)
			}
		}
	}
	var entries []manifest.Entry
	var unread []Unread
	for _, d := range found {
		if d.unread != nil {
			unread = append(unread, *d.unread)
			continue
		}
		if setuid[d.entry.Path] {
			d.entry.Fallback = manifest.FallbackSetuid
		}
		entries = append(entries, d.entry)
	}
	return entries, unread
}

// conditional turns what a setcap call declares into Unreads when
// something decided at run time says whether it runs.
func (r *resolver) conditional(c *command, found []declared, last model.Cap) []declared {
	cond := condition(c)
	if cond == "" {
		return found
	}
	for i, d := range found {
		if d.unread != nil {
			continue
		}
		why := "it runs only when " + cond + " holds, which the script decides when it runs (it would declare " +
			manifest.FormatEntry(d.entry, last) + ")"
		found[i] = declared{unread: &Unread{File: d.entry.File, Line: d.entry.Line, Command: commandText(c), Reason: why}}
	}
	return found
}

// commandWords drops the assignments that prefix a command
// (VAR=x setcap ...).
func commandWords(words []word) []word {
	for len(words) > 0 {
		if _, ok := asAssignment(words[0]); !ok {
			break
		}
		words = words[1:]
	}
	return words
}

// setcap reads `setcap [-q] [-v] [-n ROOTID] [-r] CAPS FILE [CAPS FILE]...`.
// -v only verifies and -r removes: neither declares capabilities.
func (r *resolver) setcap(c *command, args []word, b binding, file string, last model.Cap) []declared {
	unread := func(why string) []declared {
		return []declared{{unread: &Unread{File: file, Line: c.line, Command: commandText(c), Reason: why}}}
	}
	args, rootID, skip, why := r.setcapOptions(args, b)
	switch {
	case skip:
		return nil
	case why != "":
		return unread(why)
	case len(args) == 0 || len(args)%2 != 0:
		return unread("setcap needs CAPS FILE pairs")
	}
	var out []declared
	for j := 0; j < len(args); j += 2 {
		e, why := r.pair(c, args[j], args[j+1], b, rootID, last)
		if why != "" {
			out = append(out, unread(why)...)
			continue
		}
		e.File, e.Line = file, c.line
		out = append(out, declared{entry: e})
	}
	return out
}

// setcapOptions reads setcap's options and returns the CAPS FILE pairs
// after them; skip says the call declares nothing (-v verifies, -r
// removes).
func (r *resolver) setcapOptions(args []word, b binding) (pairs []word, rootID uint32, skip bool, why string) {
	for i := 0; i < len(args); i++ {
		opt, ok := args[i].literal()
		if !ok || opt == "-" || !strings.HasPrefix(opt, "-") {
			return args[i:], rootID, false, ""
		}
		switch opt {
		case "-q":
		case "-v", "-r":
			return nil, 0, true, ""
		case "-n":
			i++
			if rootID, why = r.rootID(args, i, b); why != "" {
				return nil, 0, false, why
			}
		case "--":
			return args[i+1:], rootID, false, ""
		default:
			return nil, 0, false, "unknown setcap option " + opt
		}
	}
	return nil, rootID, false, ""
}

// rootID resolves setcap -n's argument.
func (r *resolver) rootID(args []word, i int, b binding) (uint32, string) {
	if i >= len(args) {
		return 0, "setcap -n needs a rootid"
	}
	v, why := r.resolve(args[i], b)
	if why != "" {
		return 0, why
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, fmt.Sprintf("setcap -n %q is not a rootid", v)
	}
	return uint32(n), ""
}

// pair resolves one CAPS FILE pair into an entry.
func (r *resolver) pair(c *command, capsWord, fileWord word, b binding, rootID uint32, last model.Cap) (manifest.Entry, string) {
	text, why := r.capsText(c, capsWord, b)
	if why != "" {
		return manifest.Entry{}, why
	}
	path, why := r.resolve(fileWord, b)
	switch {
	case why != "":
		return manifest.Entry{}, why
	case !strings.HasPrefix(path, "/"):
		return manifest.Entry{}, fmt.Sprintf("the path %q is not absolute", path)
	}
	caps, err := model.ParseText(text, last)
	if err != nil {
		return manifest.Entry{}, err.Error()
	}
	fc, err := caps.ToFile(rootID)
	if err != nil {
		return manifest.Entry{}, fmt.Sprintf("%q cannot be stored in a file: %v", text, err)
	}
	e := manifest.Entry{Path: path, Text: text, Caps: fc}
	e.None = fc.Permitted == 0 && fc.Inheritable == 0
	return e, ""
}

// capsText resolves the capability text, which `-` reads from standard
// input: then it is what an echo or printf before the pipe prints.
func (r *resolver) capsText(c *command, w word, b binding) (string, string) {
	if lit, ok := w.literal(); !ok || lit != "-" {
		return r.resolve(w, b)
	}
	from := c.pipedFrom
	if from == nil {
		return "", "setcap reads the capabilities from standard input"
	}
	words := commandWords(from.words)
	if len(words) == 0 {
		return "", "setcap reads the capabilities from standard input"
	}
	name, _ := words[0].literal()
	args := words[1:]
	switch baseName(name) {
	case "echo":
		for len(args) > 0 {
			if o, ok := args[0].literal(); !ok || (o != "-n" && o != "-e") {
				break
			}
			args = args[1:]
		}
	case "printf":
		if len(args) != 1 {
			return "", "setcap reads the capabilities from " + commandText(from)
		}
	default:
		return "", "setcap reads the capabilities from " + commandText(from)
	}
	var parts []string
	for _, a := range args {
		v, why := r.resolve(a, b)
		if why != "" {
			return "", why
		}
		parts = append(parts, v)
	}
	return strings.TrimSuffix(strings.Join(parts, " "), `\n`), ""
}

// chmodSetuid notes the paths a chmod gives the setuid bit.
func (r *resolver) chmodSetuid(args []word, b binding, setuid map[string]bool) {
	for len(args) > 0 {
		if o, ok := args[0].literal(); !ok || !strings.HasPrefix(o, "-") || isMode(o) {
			break
		}
		args = args[1:]
	}
	if len(args) < 2 {
		return
	}
	mode, why := r.resolve(args[0], b)
	if why != "" || !grantsSetuid(mode) {
		return
	}
	r.notePaths(args[1:], b, setuid)
}

// statoverrideSetuid notes the path of `dpkg-statoverride --add|--update
// USER GROUP MODE PATH` when MODE has the setuid bit.
func (r *resolver) statoverrideSetuid(args []word, b binding, setuid map[string]bool) {
	var rest []word
	add := false
	for _, a := range args {
		lit, ok := a.literal()
		switch {
		case ok && lit == "--add":
			add = true
		case ok && strings.HasPrefix(lit, "--"):
		default:
			rest = append(rest, a)
		}
	}
	if !add || len(rest) != 4 {
		return
	}
	if mode, why := r.resolve(rest[2], b); why == "" && grantsSetuid(mode) {
		r.notePaths(rest[3:], b, setuid)
	}
}

func (r *resolver) notePaths(words []word, b binding, into map[string]bool) {
	for _, w := range words {
		if p, why := r.resolve(w, b); why == "" {
			into[p] = true
		}
	}
}

// isMode reports whether a chmod argument that starts with - is a mode
// (-s, -x: symbolic modes that remove bits) rather than an option.
func isMode(s string) bool {
	return len(s) > 1 && strings.Trim(s[1:], "rwxXst") == ""
}

// grantsSetuid reports whether a chmod mode sets the set-user-ID bit:
// octal with 04000, or a symbolic clause for u or a (or no one named)
// that adds or sets s.
func grantsSetuid(mode string) bool {
	if n, err := strconv.ParseUint(mode, 8, 32); err == nil {
		return n&0o4000 != 0
	}
	for _, clause := range strings.Split(mode, ",") {
		i := strings.IndexAny(clause, "+-=")
		if i < 0 {
			continue
		}
		who, op, perms := clause[:i], clause[i], clause[i+1:]
		forUser := who == "" || strings.ContainsAny(who, "ua")
		if forUser && op != '-' && strings.Contains(perms, "s") {
			return true
		}
	}
	return false
}

// commandText is a command as written, for messages.
func commandText(c *command) string {
	var raw []string
	for _, w := range c.words {
		raw = append(raw, w.raw)
	}
	return strings.Join(raw, " ")
}
