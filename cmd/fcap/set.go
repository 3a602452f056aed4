package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"fcap/host"
	"fcap/model"
	"fcap/xattr"
)

func setCommand() *cli.Command {
	return &cli.Command{
		Name:      "set",
		Usage:     "set the capabilities of files, as setcap does",
		ArgsUsage: "CAPS PATH [CAPS PATH]...",
		Description: "CAPS is libcap's text form (e.g. cap_net_raw=ep), or - to read it from\n" +
			"standard input. Every text is checked before anything is written. A file\n" +
			"that already has exactly these capabilities is not rewritten; every write\n" +
			"is read back and compared. Failures are reported and the other pairs are\n" +
			"still processed.",
		Flags: []cli.Flag{
			&cli.Uint64Flag{Name: "rootid", Aliases: []string{"n"}, Usage: "write a namespaced (revision 3) value owned by this root uid"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no prompt for -, no OK lines with --check"},
			&cli.BoolFlag{Name: "check", Usage: "write nothing: compare, print 'PATH: OK' or 'PATH differs in [pie]', exit 1 on a difference"},
		},
		Action: runSet,
	}
}

// setPair is one CAPS PATH argument pair, resolved to the value to write.
type setPair struct {
	text, path string
	want       model.FileCaps
}

func runSet(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 || len(args)%2 != 0 {
		return usagef("set", "want CAPS PATH pairs, got %d argument(s)", len(args))
	}
	rootid := c.Uint64("rootid")
	if rootid > 1<<32-2 {
		return usagef("set", "--rootid %d out of range (0-%d)", rootid, uint64(1<<32-2))
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	pairs, err := parsePairs(c, args, last, uint32(rootid))
	if err != nil {
		return err
	}
	rep := newReporter(c.App.Writer, c.App.ErrWriter, false)
	for _, p := range pairs {
		if c.Bool("check") {
			rep.failed = !checkPair(c, rep, p) || rep.failed
			continue
		}
		if err := applyPair(p); err != nil {
			rep.fail(p.path, err)
		}
	}
	return outcome(rep.failed, false)
}

// parsePairs turns every text into a value before anything is written,
// so a bad text changes nothing on disk; a text that grants nothing at
// exec is written, with a warning.
func parsePairs(c *cli.Context, args []string, last model.Cap, rootid uint32) ([]setPair, error) {
	var stdinText *string
	var pairs []setPair
	for i := 0; i < len(args); i += 2 {
		p := setPair{text: args[i], path: args[i+1]}
		if p.text == "-" {
			if stdinText == nil {
				t, err := readCapsText(c.App.Reader, c.App.ErrWriter, c.Bool("quiet"))
				if err != nil {
					return nil, err
				}
				stdinText = &t
			}
			p.text = *stdinText
		}
		var err error
		if p.want, err = parseFileCaps("set", "", p.text, last, rootid); err != nil {
			return nil, err
		}
		if (p.want.Permitted|p.want.Inheritable)&model.UpTo(last) == 0 && !c.Bool("check") {
			fmt.Fprintf(c.App.ErrWriter, "fcap: warning: set %s: %q grants no capabilities at exec (the file will only stop ambient capabilities from passing through)\n", p.path, p.text)
		}
		pairs = append(pairs, p)
	}
	return pairs, nil
}

// maxStdinText bounds what `-` reads: capability text is short, so more
// than this is refused rather than read.
const maxStdinText = 1 << 20

// readCapsText reads capability text from r up to EOF or an empty line,
// prompting as setcap does when r is a terminal. Lines are joined with
// spaces (newlines separate clauses, as in setcap).
func readCapsText(r io.Reader, errw io.Writer, quiet bool) (string, error) {
	if f, ok := r.(*os.File); ok && !quiet && isTerminal(f) {
		fmt.Fprint(errw, "Please enter caps for file [empty line to end]:\n")
	}
	br := bufio.NewReader(io.LimitReader(r, maxStdinText+1))
	var lines []string
	total := 0
	for {
		line, err := br.ReadString('\n')
		if total += len(line); total > maxStdinText {
			return "", fmt.Errorf("read capabilities from standard input: more than %d bytes: not capability text", maxStdinText)
		}
		if strings.TrimSpace(line) == "" {
			break
		}
		lines = append(lines, strings.TrimSpace(line))
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read capabilities from standard input: %w", err)
		}
	}
	if len(lines) == 0 {
		return "", usagef("set", "no capabilities on standard input")
	}
	return strings.Join(lines, " "), nil
}

// applyPair writes p unless the file already holds it, then reads back.
func applyPair(p setPair) error {
	f, err := xattr.Open(p.path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.SetCaps(p.want)
	return err
}

// checkPair compares without writing, as setcap -v does, and reports
// whether the file matches.
func checkPair(c *cli.Context, rep *reporter, p setPair) bool {
	f, err := xattr.Open(p.path)
	if err == nil {
		defer f.Close()
	}
	var have model.FileCaps
	if err == nil {
		have, _, err = f.Caps()
	}
	if err != nil {
		rep.fail(p.path, err)
		return false
	}
	d := model.DiffLetters(have.Caps(), p.want.Caps())
	same := d == "" && have.RootID == p.want.RootID
	if c.Bool("quiet") {
		return same
	}
	msg := p.path + ": OK"
	if !same {
		msg = fmt.Sprintf("%s differs in [%s]", p.path, d)
	}
	if have.RootID != p.want.RootID {
		msg += fmt.Sprintf(" rootid (has %d, want %d)", have.RootID, p.want.RootID)
	}
	fmt.Fprintln(c.App.Writer, msg)
	return same
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
