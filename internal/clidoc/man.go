package clidoc

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// Page is what the man page says beyond the command definitions.
type Page struct {
	// Description, ExitStatus and Personalities are paragraphs separated
	// by blank lines; Examples are pairs of an explanation and a command.
	Description, ExitStatus, Personalities string
	// Synopsis lines beyond the commands (the setcap and getcap names).
	Synopsis []string
	Examples [][2]string
	SeeAlso  []string
}

// Man writes app's man page in section 8 (roff, man macros): NAME, a
// SYNOPSIS line per command, DESCRIPTION, COMMANDS with their options,
// EXIT STATUS, EXAMPLES, the setcap and getcap personalities and SEE ALSO.
func Man(w io.Writer, app *cli.App, p Page) {
	name := app.Name
	fmt.Fprintf(w, ".TH %s 8 \"\" \"%s\" \"System Administration\"\n", strings.ToUpper(name), name)
	fmt.Fprintf(w, ".SH NAME\n%s \\- %s\n", name, esc(app.Usage))
	fmt.Fprint(w, ".SH SYNOPSIS\n.nf\n")
	for _, c := range leaves(app) {
		fmt.Fprintf(w, "%s\n", synopsis(c.path, c.cmd))
	}
	for _, s := range p.Synopsis {
		fmt.Fprintf(w, "%s\n", esc(s))
	}
	fmt.Fprint(w, ".fi\n.SH DESCRIPTION\n")
	paragraphs(w, p.Description)
	fmt.Fprint(w, ".SH COMMANDS\n")
	for _, c := range app.VisibleCommands() {
		command(w, name, c)
		for _, sub := range c.VisibleCommands() {
			command(w, name+" "+c.Name, sub)
		}
	}
	fmt.Fprint(w, ".SH EXIT STATUS\n")
	paragraphs(w, p.ExitStatus)
	fmt.Fprint(w, ".SH EXAMPLES\n")
	for _, e := range p.Examples {
		fmt.Fprintf(w, ".PP\n%s\n.PP\n.RS\n.nf\n%s\n.fi\n.RE\n", esc(e[0]), esc(e[1]))
	}
	fmt.Fprint(w, ".SH SETCAP AND GETCAP\n")
	paragraphs(w, p.Personalities)
	fmt.Fprint(w, ".SH SEE ALSO\n")
	for i, s := range p.SeeAlso {
		sep := ","
		if i == len(p.SeeAlso)-1 {
			sep = ""
		}
		page, section, _ := strings.Cut(strings.TrimSuffix(s, ")"), "(")
		fmt.Fprintf(w, ".BR %s (%s)%s\n", page, section, sep)
	}
}

// leaf is a command that runs: a top-level command without
// subcommands, or a subcommand; path is what comes before its name.
type leaf struct {
	path string
	cmd  *cli.Command
}

// leaves lists the commands that run, subcommands in their group's
// place.
func leaves(app *cli.App) []leaf {
	var out []leaf
	for _, c := range app.VisibleCommands() {
		subs := c.VisibleCommands()
		if len(subs) == 0 {
			out = append(out, leaf{app.Name, c})
		}
		for _, sub := range subs {
			out = append(out, leaf{app.Name + " " + c.Name, sub})
		}
	}
	return out
}

// synopsis is one command's synopsis line in roff; path is the words
// before its name ("fcap", "fcap tar").
func synopsis(path string, c *cli.Command) string {
	s := `\fB` + path + " " + c.Name + `\fR`
	if len(c.VisibleFlags()) > 0 {
		s += ` [\fIOPTIONS\fR]`
	}
	if c.ArgsUsage != "" {
		s += " " + italicWords(c.ArgsUsage)
	}
	return s
}

// command documents one command: its synopsis, description and options.
// A group of subcommands is described, then each of them.
func command(w io.Writer, path string, c *cli.Command) {
	if len(c.VisibleCommands()) > 0 {
		fmt.Fprintf(w, ".SS %s\n", `\fB`+path+" "+c.Name+`\fR \fICOMMAND\fR`)
	} else {
		fmt.Fprintf(w, ".SS %s\n", synopsis(path, c))
	}
	fmt.Fprintf(w, "%s.\n", esc(upperFirst(c.Usage)))
	paragraphs(w, c.Description)
	for _, f := range c.VisibleFlags() {
		usage, placeholder := flagUsage(f)
		var names []string
		for _, n := range f.Names() {
			s := `\fB` + esc(flagSpelling(n)) + `\fR`
			if takesValue(f) {
				s += ` \fI` + esc(placeholder) + `\fR`
			}
			names = append(names, s)
		}
		fmt.Fprintf(w, ".TP\n%s\n%s\n", strings.Join(names, ", "), esc(usage))
	}
}

// paragraphs writes text's blank-line-separated paragraphs.
func paragraphs(w io.Writer, text string) {
	for _, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			fmt.Fprintf(w, ".PP\n%s\n", esc(strings.Join(strings.Fields(p), " ")))
		}
	}
}

// italicWords writes the upper-case words of an operand synopsis
// ("CAPS PATH [CAPS PATH]...") in italics.
func italicWords(s string) string {
	var b strings.Builder
	word := func(w string) {
		if w != "" && strings.ToUpper(w) == w && strings.IndexFunc(w, func(r rune) bool { return r >= 'A' && r <= 'Z' }) >= 0 {
			b.WriteString(`\fI` + esc(w) + `\fR`)
			return
		}
		b.WriteString(esc(w))
	}
	start := 0
	for i, r := range s {
		if strings.ContainsRune(" []|.", r) {
			word(s[start:i])
			b.WriteString(esc(string(r)))
			start = i + 1
		}
	}
	word(s[start:])
	return b.String()
}

// esc escapes text for roff: backslashes, hyphens that are minus signs,
// and a leading dot or quote.
func esc(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			l = `\&` + l
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
