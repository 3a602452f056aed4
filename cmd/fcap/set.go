package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"fcap/capfile"
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
	value      []byte
}

func runSet(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 || len(args)%2 != 0 {
		return usagef("set", "want CAPS PATH pairs, got %d argument(s)", len(args))
	}
	rootid := c.Uint64("rootid")
	if rootid > 1<<32-2 {
		return usagef("set", "rootid %d out of range", rootid)
	}
	pairs, err := parsePairs(c, args, uint32(rootid))
	if err != nil {
		return err
	}
	failed := false
	for _, p := range pairs {
		var err error
		if c.Bool("check") {
			err = checkPair(c, p)
		} else {
			err = applyPair(p)
		}
		if err != nil {
			failed = true
			if !errors.Is(err, errFailed) {
				fmt.Fprintf(c.App.ErrWriter, "fcap: %s\n", err)
			}
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// parsePairs turns every text into a value before anything is written,
// so a bad text changes nothing on disk.
func parsePairs(c *cli.Context, args []string, rootid uint32) ([]setPair, error) {
	last, err := host.LastCap()
	if err != nil {
		return nil, err
	}
	var stdinText *string
	var pairs []setPair
	bad := false
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
		if err := p.resolve(last, rootid); err != nil {
			fmt.Fprintf(c.App.ErrWriter, "fcap: %s\n", err)
			bad = true
			continue
		}
		pairs = append(pairs, p)
	}
	if bad {
		return nil, errFailed
	}
	return pairs, nil
}

func (p *setPair) resolve(last model.Cap, rootid uint32) error {
	caps, err := model.ParseText(p.text, last)
	if err != nil {
		return err
	}
	p.want, err = caps.ToFile(rootid)
	if err != nil {
		return fmt.Errorf("set %s: %q: %w", p.path, p.text, err)
	}
	p.value, err = capfile.Encode(p.want)
	return err
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
	err = writeChecked(f, p.want, p.value)
	if err != nil && !errors.As(err, new(*xattr.Error)) {
		return fmt.Errorf("set %s: %w", p.path, err)
	}
	return err
}

// checkPair compares without writing, as setcap -v does.
func checkPair(c *cli.Context, p setPair) error {
	f, err := xattr.Open(p.path)
	if err != nil {
		return err
	}
	defer f.Close()
	have, _, err := current(f)
	if err != nil {
		return err
	}
	d := diffLetters(have.Caps(), p.want.Caps())
	if d == "" && have.RootID == p.want.RootID {
		if !c.Bool("quiet") {
			fmt.Fprintf(c.App.Writer, "%s: OK\n", p.path)
		}
		return nil
	}
	msg := fmt.Sprintf("%s differs in [%s]", p.path, d)
	if have.RootID != p.want.RootID {
		msg += fmt.Sprintf(" rootid (has %d, want %d)", have.RootID, p.want.RootID)
	}
	if !c.Bool("quiet") {
		fmt.Fprintln(c.App.Writer, msg)
	}
	return errFailed
}

// diffLetters names the sets that differ, in setcap's p, i, e order.
func diffLetters(a, b model.Caps) string {
	var s string
	if a.Permitted != b.Permitted {
		s += "p"
	}
	if a.Inheritable != b.Inheritable {
		s += "i"
	}
	if a.Effective != b.Effective {
		s += "e"
	}
	return s
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
