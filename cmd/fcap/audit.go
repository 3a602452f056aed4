package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"fcap/audit"
	"fcap/host"
	"fcap/model"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:      "audit",
		Usage:     "report set-id programs and risky file capabilities",
		ArgsUsage: "[PATH...]",
		Description: "Walks the trees (default /) without following symlinks and skipping\n" +
			"pseudo filesystems, and reports set-id executables (with the capabilities\n" +
			"fcap convert would give them, and who may run them), dangerous capabilities,\n" +
			"capabilities on interpreters, shells, editors and pagers, privileged files a\n" +
			"non-root user can change or replace, and capability values the kernel will\n" +
			"not return. On a nosuid mount, where exec ignores set-id bits and\n" +
			"capabilities, every finding is info. Severities: high, medium, low, info.\n" +
			"What the system's drop-ins (/etc/fcap.d, ...) and any --baseline declare is\n" +
			"expected: a finding about what such a file grants becomes info while the\n" +
			"file is as declared, and a declared privilege a file lost is reported (info).\n" +
			"Exit status 1 when a finding is at or above --fail-on, or a path could not\n" +
			"be read.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per finding per line"},
			&cli.BoolFlag{Name: "sarif", Usage: "print the findings as one SARIF 2.1.0 log, for code-scanning tools"},
			&cli.StringFlag{Name: "fail-on", Usage: "exit 1 when a finding is at or above `SEVERITY` (info, low, medium, high)"},
			&cli.StringSliceFlag{Name: "baseline", Usage: "expect what the manifest `FILE` records (written by --write-baseline, or fcap baseline's output); may be repeated"},
			&cli.StringFlag{Name: "write-baseline", Usage: "also record the set-id files and capabilities found in `FILE`, for --baseline"},
			&cli.BoolFlag{Name: "no-drop-ins", Usage: "do not take the system's drop-ins as expected"},
			&cli.StringFlag{Name: "drop-in-root", Usage: "read the drop-ins beneath `DIR` instead of /"},
			&cli.BoolFlag{Name: "one-file-system", Aliases: []string{"x"}, Usage: "stay on each PATH's filesystem"},
			&cli.BoolFlag{Name: "all-filesystems", Usage: "also descend into proc, sysfs, cgroup and other pseudo filesystems"},
		},
		Action: runAudit,
	}
}

func runAudit(c *cli.Context) error {
	failOn, err := auditFailOn(c)
	if err != nil {
		return err
	}
	opt := audit.Options{OneFileSystem: c.Bool("one-file-system"), IncludePseudo: c.Bool("all-filesystems")}
	if opt.Last, err = host.LastCap(); err != nil {
		return err
	}
	roots := c.Args().Slice()
	if len(roots) == 0 {
		roots = []string{"/"}
	}
	rep := newReporter(c.App.Writer, c.App.ErrWriter, c.Bool("json"))
	if opt.Expected, err = auditExpected(c, rep, opt.Last); err != nil {
		return err
	}
	if c.String("write-baseline") != "" {
		opt.Record = audit.NewRecorder()
	}
	var findings []audit.Finding
	fire := false
	limitWalkMemory()
	audit.Run(roots, opt, func(f audit.Finding) {
		fire = fire || (failOn >= 0 && f.Severity >= failOn)
		if rep.json {
			writeJSON(rep.out, toFindingJSON(f, opt.Last))
			return
		}
		findings = append(findings, f)
	}, rep.fail)
	switch {
	case c.Bool("sarif"):
		if err := writeSARIF(rep.out, findings, opt.Last); err != nil {
			return err
		}
	case !rep.json:
		printAuditHuman(rep.out, findings, opt.Last, opt.Expected != nil)
	}
	if err := writeAuditBaseline(c, opt, roots); err != nil {
		return err
	}
	return outcome(rep.failed || fire, false)
}

// auditFailOn reads --fail-on (-1: never) and rejects contradicting
// options.
func auditFailOn(c *cli.Context) (audit.Severity, error) {
	switch {
	case c.Bool("json") && c.Bool("sarif"):
		return 0, usagef("audit", "--json and --sarif are two output formats: choose one")
	case c.IsSet("drop-in-root") && c.Bool("no-drop-ins"):
		return 0, usagef("audit", "--drop-in-root and --no-drop-ins contradict each other")
	}
	return failOnOption(c)
}

// failOnOption reads --fail-on of audit and tar audit: -1 when not given.
func failOnOption(c *cli.Context) (audit.Severity, error) {
	s := c.String("fail-on")
	if s == "" {
		return -1, nil
	}
	sev, err := audit.ParseSeverity(s)
	if err != nil {
		return 0, usagef(commandPath(c), "--fail-on: %s", err)
	}
	return sev, nil
}

// auditExpected reads the baselines and, unless --no-drop-ins, the
// drop-ins; nil when nothing is declared. A baseline that cannot be read
// is an error; refused drop-ins are reported and the audit goes on.
func auditExpected(c *cli.Context, rep *reporter, last model.Cap) (*audit.Expected, error) {
	x := audit.NewExpected()
	for _, name := range c.StringSlice("baseline") {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("audit: read baseline: %w", err)
		}
		err = x.Add(f, name, last)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("audit: baseline %w", err)
		}
	}
	if !c.Bool("no-drop-ins") {
		for _, err := range x.AddDropIns(c.String("drop-in-root"), last) {
			rep.fail("", err)
		}
	}
	if x.Len() == 0 && len(c.StringSlice("baseline")) == 0 {
		return nil, nil
	}
	return x, nil
}

// writeAuditBaseline writes --write-baseline's file.
func writeAuditBaseline(c *cli.Context, opt audit.Options, roots []string) error {
	name := c.String("write-baseline")
	if name == "" {
		return nil
	}
	header := []string{
		fmt.Sprintf("fcap audit baseline: the set-id files and file capabilities under %s, %s.",
			strings.Join(roots, " "), time.Now().UTC().Format("2006-01-02 15:04 MST")),
		"PATH CAPS [mode=NNNN] [owner=UID:GID] per file; 'fcap audit --baseline FILE' expects them so.",
	}
	if err := opt.Record.WriteFile(name, header, opt.Last); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "fcap: audit: recorded %d %s in %s\n", opt.Record.Len(), plural(opt.Record.Len(), "file", "files"), name)
	return nil
}

// findingJSON is one line of `fcap audit --json`.
type findingJSON struct {
	Path     string          `json:"path"`
	Severity audit.Severity  `json:"severity"`
	Kind     string          `json:"kind"`
	Caps     *capsJSON       `json:"caps"`
	Mode     string          `json:"mode"`
	Owner    string          `json:"owner"`
	Group    string          `json:"group"`
	UID      uint32          `json:"uid"`
	GID      uint32          `json:"gid"`
	Reason   string          `json:"reason"`
	Fix      string          `json:"fix"`
	Baseline string          `json:"baseline,omitempty"`
	Expected string          `json:"expected_by,omitempty"`
	Rated    *audit.Severity `json:"rated,omitempty"`
}

func toFindingJSON(f audit.Finding, last model.Cap) findingJSON {
	j := findingJSON{Path: f.Path, Severity: f.Severity, Kind: f.Kind, Caps: toCapsJSON(f.Caps, last),
		Mode: fmt.Sprintf("%04o", f.Mode), Owner: f.Owner.String(), Group: f.Group.String(), UID: f.Owner.N, GID: f.Group.N,
		Reason: f.Reason, Fix: f.Fix, Baseline: f.Baseline, Expected: f.Expected}
	if f.Rated != f.Severity {
		j.Rated = &f.Rated
	}
	return j
}

// printAuditHuman prints the findings grouped by severity, highest
// first, then a summary line. Expected findings take one line each.
func printAuditHuman(w io.Writer, fs []audit.Finding, last model.Cap, judged bool) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity > fs[j].Severity })
	count := map[audit.Severity]int{}
	expected := 0
	for i, f := range fs {
		if i == 0 || fs[i-1].Severity != f.Severity {
			fmt.Fprintf(w, "%s:\n", strings.ToUpper(f.Severity.String()))
		}
		count[f.Severity]++
		caps := ""
		if f.Caps != nil {
			caps = ", caps " + f.Caps.Caps().Format(last)
		}
		if f.Baseline == audit.BaselineUnchanged {
			expected++
			fmt.Fprintf(w, "  %s: %s, mode %04o%s: expected by %s\n", f.Path, f.Kind, f.Mode, caps, f.Expected)
			continue
		}
		fmt.Fprintf(w, "  %s: %s, mode %04o%s\n", f.Path, f.Kind, f.Mode, caps)
		fmt.Fprintf(w, "      %s\n      fix: %s\n", f.Reason, f.Fix)
	}
	fmt.Fprintf(w, "%d %s: %d high, %d medium, %d low, %d info", len(fs), plural(len(fs), "finding", "findings"),
		count[audit.SeverityHigh], count[audit.SeverityMedium], count[audit.SeverityLow], count[audit.SeverityInfo])
	if judged {
		fmt.Fprintf(w, " (%d as expected)", expected)
	}
	fmt.Fprintln(w)
}
