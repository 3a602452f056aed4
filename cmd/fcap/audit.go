package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

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
			"fcap convert would give them), dangerous capabilities, capabilities on\n" +
			"interpreters, shells, editors and pagers, privileged files a non-root\n" +
			"user can change or replace, and capability values the kernel will not\n" +
			"return. Severities: high, medium, low, info.\n" +
			"Exit status 1 when a finding is at or above --fail-on, or a path could not\n" +
			"be read.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per finding per line"},
			&cli.StringFlag{Name: "fail-on", Usage: "exit 1 when a finding is at or above `SEVERITY` (info, low, medium, high)"},
			&cli.BoolFlag{Name: "one-file-system", Aliases: []string{"x"}, Usage: "stay on each PATH's filesystem"},
			&cli.BoolFlag{Name: "all-filesystems", Usage: "also descend into proc, sysfs, cgroup and other pseudo filesystems"},
		},
		Action: runAudit,
	}
}

func runAudit(c *cli.Context) error {
	failOn := audit.Severity(-1)
	if s := c.String("fail-on"); s != "" {
		sev, err := audit.ParseSeverity(s)
		if err != nil {
			return usagef("audit", "--fail-on: %s", err)
		}
		failOn = sev
	}
	opt := audit.Options{OneFileSystem: c.Bool("one-file-system"), IncludePseudo: c.Bool("all-filesystems")}
	var err error
	if opt.Last, err = host.LastCap(); err != nil {
		return err
	}
	roots := c.Args().Slice()
	if len(roots) == 0 {
		roots = []string{"/"}
	}
	rep := newReporter(c.App.Writer, c.App.ErrWriter, c.Bool("json"))
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
	if !rep.json {
		printAuditHuman(rep.out, findings, opt.Last)
	}
	return outcome(rep.failed || fire, false)
}

// findingJSON is one line of `fcap audit --json`.
type findingJSON struct {
	Path     string         `json:"path"`
	Severity audit.Severity `json:"severity"`
	Kind     string         `json:"kind"`
	Caps     *capsJSON      `json:"caps"`
	Mode     string         `json:"mode"`
	Reason   string         `json:"reason"`
	Fix      string         `json:"fix"`
}

func toFindingJSON(f audit.Finding, last model.Cap) findingJSON {
	return findingJSON{Path: f.Path, Severity: f.Severity, Kind: f.Kind, Caps: toCapsJSON(f.Caps, last),
		Mode: fmt.Sprintf("%04o", f.Mode), Reason: f.Reason, Fix: f.Fix}
}

// printAuditHuman prints the findings grouped by severity, highest
// first, then a summary line.
func printAuditHuman(w io.Writer, fs []audit.Finding, last model.Cap) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity > fs[j].Severity })
	count := map[audit.Severity]int{}
	for i, f := range fs {
		if i == 0 || fs[i-1].Severity != f.Severity {
			fmt.Fprintf(w, "%s:\n", strings.ToUpper(f.Severity.String()))
		}
		count[f.Severity]++
		caps := ""
		if f.Caps != nil {
			caps = ", caps " + f.Caps.Caps().Format(last)
		}
		fmt.Fprintf(w, "  %s: %s, mode %04o%s\n", f.Path, f.Kind, f.Mode, caps)
		fmt.Fprintf(w, "      %s\n      fix: %s\n", f.Reason, f.Fix)
	}
	noun := "findings"
	if len(fs) == 1 {
		noun = "finding"
	}
	fmt.Fprintf(w, "%d %s: %d high, %d medium, %d low, %d info\n", len(fs), noun,
		count[audit.SeverityHigh], count[audit.SeverityMedium], count[audit.SeverityLow], count[audit.SeverityInfo])
}
