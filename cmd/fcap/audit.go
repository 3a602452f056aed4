package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"fcap/audit"
	"fcap/capfile"
	"fcap/host"
	"fcap/model"
	"fcap/model/execve"
	"fcap/xattr"
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
			"return. Severities: high, medium, low, info (see docs/AUDIT.md).\n" +
			"Exit status 1 when a finding is at or above --fail-on, or a path could not\n" +
			"be read.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per finding per line"},
			&cli.StringFlag{Name: "fail-on", Usage: "exit 1 when a finding is at or above `SEVERITY` (low, medium, high)"},
			&cli.BoolFlag{Name: "one-file-system", Aliases: []string{"x"}, Usage: "stay on each PATH's filesystem"},
			&cli.BoolFlag{Name: "all-filesystems", Usage: "also descend into proc, sysfs, cgroup and other pseudo filesystems"},
		},
		Action: runAudit,
	}
}

// auditor collects findings over a walk.
type auditor struct {
	out, errw io.Writer
	json      bool
	last      model.Cap
	findings  []audit.Finding
	walkErr   bool
	dirs      *dirChecker
}

func runAudit(c *cli.Context) error {
	failOn := audit.Severity(-1)
	if s := c.String("fail-on"); s != "" {
		sev, err := audit.ParseSeverity(s)
		if err != nil || sev == audit.SeverityInfo {
			return usagef("audit", "--fail-on %q: want low, medium or high", s)
		}
		failOn = sev
	}
	last, err := host.LastCap()
	if err != nil {
		return err
	}
	a := &auditor{out: c.App.Writer, errw: c.App.ErrWriter, json: c.Bool("json"), last: last, dirs: newDirChecker()}
	roots := c.Args().Slice()
	if len(roots) == 0 {
		roots = []string{"/"}
	}
	opt := xattr.WalkOptions{OneFileSystem: c.Bool("one-file-system"), IncludePseudo: c.Bool("all-filesystems"), NeedStat: true}
	limitWalkMemory()
	for _, root := range roots {
		if err := xattr.Walk(root, opt, a.entry); err != nil {
			a.walkError(err)
		}
	}
	if !a.json {
		printAuditHuman(a.out, a.findings)
	}
	return a.status(failOn)
}

// status is the exit status: 1 for a finding at or above failOn or a
// walk error.
func (a *auditor) status(failOn audit.Severity) error {
	if a.walkErr {
		return errFailed
	}
	if failOn >= 0 {
		for _, f := range a.findings {
			if f.Severity >= failOn {
				return errFailed
			}
		}
	}
	return nil
}

func (a *auditor) walkError(err error) {
	a.walkErr = true
	fmt.Fprintf(a.errw, "fcap: audit: %s\n", err)
}

// entry audits one file met by the walk.
func (a *auditor) entry(e xattr.Entry) error {
	in, ok := a.input(e)
	if !ok {
		return nil
	}
	if execve.IsSetID(in.Mode) || in.Caps != nil || in.CapsUnreadable || in.CapsMalformed != "" {
		in.DirWritable = a.dirs.replaceable(e.Path, in.UID)
	}
	for _, f := range audit.Rate(in, a.last) {
		a.add(f)
	}
	return nil
}

// input turns a walk entry into the model's input; ok is false when the
// entry is an error that was reported instead.
func (a *auditor) input(e xattr.Entry) (audit.Input, bool) {
	in := audit.Input{Path: e.Path}
	switch {
	case e.Err != nil && xattr.IsKind(e.Err, xattr.Unreadable):
		in.CapsUnreadable = true
		if e.Stat == nil {
			return a.statUnreadable(in)
		}
	case e.Err != nil:
		a.walkError(e.Err)
		return in, false
	case e.Stat == nil:
		a.walkError(fmt.Errorf("audit %s: no file status", e.Path))
		return in, false
	}
	in.Mode, in.UID, in.GID = e.Stat.Mode&0o7777, e.Stat.Uid, e.Stat.Gid
	if e.Value != nil {
		fc, err := capfile.Decode(e.Value)
		if err != nil {
			in.CapsMalformed = err.Error()
		} else {
			in.Caps = &fc
		}
	}
	return in, true
}

// statUnreadable fills in the status of a file whose capabilities the
// walk could not read (the walk gives no status with an error).
func (a *auditor) statUnreadable(in audit.Input) (audit.Input, bool) {
	f, err := xattr.Open(in.Path)
	if err != nil {
		a.walkError(err)
		return in, false
	}
	defer f.Close()
	in.Mode, in.UID, in.GID = f.Stat.Mode&0o7777, f.Stat.Uid, f.Stat.Gid
	return in, true
}

func (a *auditor) add(f audit.Finding) {
	a.findings = append(a.findings, f)
	if a.json {
		b, _ := json.Marshal(f)
		fmt.Fprintf(a.out, "%s\n", b)
	}
}

// printAuditHuman prints the findings grouped by severity, highest
// first, then a summary line.
func printAuditHuman(w io.Writer, fs []audit.Finding) {
	sorted := append([]audit.Finding(nil), fs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Severity > sorted[j].Severity })
	count := map[audit.Severity]int{}
	for i, f := range sorted {
		if i == 0 || sorted[i-1].Severity != f.Severity {
			fmt.Fprintf(w, "%s:\n", strings.ToUpper(f.Severity.String()))
		}
		count[f.Severity]++
		fmt.Fprintf(w, "  %s: %s, mode %s%s\n", f.Path, f.Kind, f.Mode, capsSuffix(f.Caps))
		fmt.Fprintf(w, "      %s\n      fix: %s\n", f.Reason, f.Fix)
	}
	noun := "findings"
	if len(fs) == 1 {
		noun = "finding"
	}
	fmt.Fprintf(w, "%d %s: %d high, %d medium, %d low, %d info\n", len(fs), noun,
		count[audit.SeverityHigh], count[audit.SeverityMedium], count[audit.SeverityLow], count[audit.SeverityInfo])
}

func capsSuffix(caps string) string {
	if caps == "" {
		return ""
	}
	return ", caps " + caps
}

// dirChecker answers, with a cache per directory, whether a non-root user
// can replace a path: some directory on the way is theirs or writable by
// them.
type dirChecker struct {
	stats map[string]dirStat
	chain map[string]string // why the directory itself can be replaced
}

type dirStat struct {
	mode, uid, gid uint32
	err            error
}

func newDirChecker() *dirChecker {
	return &dirChecker{stats: map[string]dirStat{}, chain: map[string]string{}}
}

// replaceable says why a non-root user can replace the file at path owned
// by uid, or "".
func (d *dirChecker) replaceable(path string, uid uint32) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	dir := filepath.Dir(abs)
	if why := d.contents(dir, uid); why != "" {
		return why
	}
	return d.chainOf(dir)
}

// contents says why a non-root user can replace an entry owned by uid in
// dir, or "".
func (d *dirChecker) contents(dir string, uid uint32) string {
	st := d.stat(dir)
	if st.err != nil {
		return ""
	}
	if why := audit.DirReplaceable(st.mode, st.uid, st.gid, uid); why != "" {
		return "directory " + dir + " is " + why
	}
	return ""
}

// chainOf says why a non-root user can replace dir itself, through one of
// its ancestors, or "".
func (d *dirChecker) chainOf(dir string) string {
	if why, ok := d.chain[dir]; ok {
		return why
	}
	parent := filepath.Dir(dir)
	why := ""
	if parent != dir {
		if why = d.contents(parent, d.stat(dir).uid); why == "" {
			why = d.chainOf(parent)
		}
	}
	d.chain[dir] = why
	return why
}

func (d *dirChecker) stat(dir string) dirStat {
	if st, ok := d.stats[dir]; ok {
		return st
	}
	var st unix.Stat_t
	err := unix.Lstat(dir, &st)
	ds := dirStat{mode: st.Mode & 0o7777, uid: st.Uid, gid: st.Gid, err: err}
	d.stats[dir] = ds
	return ds
}
