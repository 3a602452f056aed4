package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"fcap/explain"
	"fcap/model"
	"fcap/model/cred"
	"fcap/model/execve"
)

// printExplain writes the human report: inputs, a before → after table,
// the rules in order and the warnings.
func printExplain(w io.Writer, ex explain.Report, last model.Cap) {
	fmt.Fprintf(w, "file:    %s\n", ex.File.Path)
	fmt.Fprintf(w, "         %s\n", describeTarget(ex.File.Target, last))
	fmt.Fprintf(w, "parent:  %s\n", ex.Parent.Who)
	for _, n := range ex.Notes() {
		fmt.Fprintf(w, "note:    %s\n", n)
	}
	fmt.Fprintln(w)
	switch ex.Result.Err {
	case "":
		printStateTable(w, ex.Parent.State, ex.Result.Child, last)
	default:
		fmt.Fprintf(w, "exec fails: %s\n", ex.Result.Err)
	}
	fmt.Fprintln(w, "\nrules applied:")
	for i, r := range ex.Result.Rules {
		fmt.Fprintf(w, "  %2d. %-24s %s\n", i+1, r.Name, r.Detail)
	}
	if len(ex.Warnings) > 0 {
		fmt.Fprintln(w)
	}
	for _, msg := range ex.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", msg)
	}
}

func describeTarget(t execve.Target, last model.Cap) string {
	caps := "no capabilities"
	switch {
	case t.CapsInvalid:
		caps = "a malformed capability xattr"
	case t.Caps != nil:
		caps = fmt.Sprintf("capabilities %s (revision %d", t.Caps.Caps().Format(last), t.Caps.Revision)
		if t.Caps.RootID != 0 {
			caps += fmt.Sprintf(", rootid %d", t.Caps.RootID)
		}
		caps += ")"
	}
	mount := "suid mount"
	if t.NoSuid {
		mount = "nosuid mount"
	}
	return fmt.Sprintf("%s; mode %04o, owner %d:%d, %s", caps, t.Mode&0o7777, t.UID, t.GID, mount)
}

func printStateTable(w io.Writer, before, after cred.State, last model.Cap) {
	row := func(name, b, a string) {
		mark := ""
		if a != b {
			mark = "  *"
		}
		fmt.Fprintf(w, "  %-12s %-30s → %s%s\n", name, b, a, mark)
	}
	ids := func(r, e uint32) string { return fmt.Sprintf("%d/%d", r, e) }
	fmt.Fprintf(w, "  %-12s %-30s   %s\n", "", "before", "after exec")
	row("uid/euid", ids(before.UID, before.EUID), ids(after.UID, after.EUID))
	row("gid/egid", ids(before.GID, before.EGID), ids(after.GID, after.EGID))
	sets := []struct {
		name string
		b, a model.Set
	}{
		{"inheritable", before.Inheritable, after.Inheritable},
		{"permitted", before.Permitted, after.Permitted},
		{"effective", before.Effective, after.Effective},
		{"ambient", before.Ambient, after.Ambient},
		{"bounding", before.Bounding, after.Bounding},
	}
	for _, s := range sets {
		row(s.name, s.b.Describe(last), s.a.Describe(last))
	}
	row("securebits", before.Securebits.String(), after.Securebits.String())
	row("no_new_privs", fmt.Sprint(before.NoNewPrivs), fmt.Sprint(after.NoNewPrivs))
}

// stateJSON is a process state in every command's JSON (the STATE
// object of `fcap explain --json`, `fcap run --dry-run --json`, `fcap ps
// --json`): ids, groups, the five sets in hex and by name, securebits
// and no_new_privs.
type stateJSON struct {
	UID         uint32    `json:"uid"`
	EUID        uint32    `json:"euid"`
	SUID        uint32    `json:"suid"`
	FSUID       uint32    `json:"fsuid"`
	GID         uint32    `json:"gid"`
	EGID        uint32    `json:"egid"`
	SGID        uint32    `json:"sgid"`
	FSGID       uint32    `json:"fsgid"`
	Groups      []uint32  `json:"groups"`
	Inheritable string    `json:"inheritable"`
	Permitted   string    `json:"permitted"`
	Effective   string    `json:"effective"`
	Ambient     string    `json:"ambient"`
	Bounding    string    `json:"bounding"`
	Names       setsNames `json:"names"`
	Securebits  *uint32   `json:"securebits"`
	NoNewPrivs  bool      `json:"no_new_privs"`
}

// setsNames are the five sets of a state by capability name.
type setsNames struct {
	Inheritable []string `json:"inheritable"`
	Permitted   []string `json:"permitted"`
	Effective   []string `json:"effective"`
	Ambient     []string `json:"ambient"`
	Bounding    []string `json:"bounding"`
}

func toStateJSON(p cred.State) stateJSON {
	groups := p.Groups
	if groups == nil {
		groups = []uint32{}
	}
	return stateJSON{
		UID: p.UID, EUID: p.EUID, SUID: p.SUID, FSUID: p.FSUID,
		GID: p.GID, EGID: p.EGID, SGID: p.SGID, FSGID: p.FSGID, Groups: groups,
		Inheritable: p.Inheritable.Hex(), Permitted: p.Permitted.Hex(), Effective: p.Effective.Hex(),
		Ambient: p.Ambient.Hex(), Bounding: p.Bounding.Hex(),
		Names: setsNames{Inheritable: p.Inheritable.List(), Permitted: p.Permitted.List(), Effective: p.Effective.List(),
			Ambient: p.Ambient.List(), Bounding: p.Bounding.List()},
		Securebits: ptr(uint32(p.Securebits)), NoNewPrivs: p.NoNewPrivs,
	}
}

func ptr[T any](v T) *T { return &v }

// resultJSON is {"exec": ..., STATE...}; the state is omitted when exec fails.
type resultJSON struct {
	Exec string `json:"exec"`
	*stateJSON
}

type ruleJSON struct {
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

type explainJSON struct {
	File     string     `json:"file"`
	Parent   stateJSON  `json:"parent"`
	FileCaps *capsJSON  `json:"file_caps"`
	Result   resultJSON `json:"result"`
	Rules    []ruleJSON `json:"rules"`
	Warnings []string   `json:"warnings"`
}

func printExplainJSON(w io.Writer, ex explain.Report, last model.Cap) error {
	return writeIndentedJSON(w, toExplainJSON(ex, last))
}

func toExplainJSON(ex explain.Report, last model.Cap) explainJSON {
	out := explainJSON{File: ex.File.Path, Parent: toStateJSON(ex.Parent.State), Rules: []ruleJSON{}, Warnings: ex.Warnings,
		FileCaps: toCapsJSON(ex.File.Target.Caps, last)}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	out.Warnings = append(out.Warnings, notesAsWarnings(ex.Notes())...)
	out.Result.Exec = "ok"
	if ex.Result.Err != "" {
		out.Result.Exec = ex.Result.Err
	} else {
		child := toStateJSON(ex.Result.Child)
		out.Result.stateJSON = &child
	}
	for _, r := range ex.Result.Rules {
		out.Rules = append(out.Rules, ruleJSON{r.Name, r.Detail})
	}
	return out
}

// writeIndentedJSON writes v as one indented JSON document.
func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// notesAsWarnings keeps the input caveats (assumed securebits, scripts)
// visible to JSON readers, which have no notes field.
func notesAsWarnings(notes []string) []string {
	var out []string
	for _, n := range notes {
		if strings.Contains(n, "assumed") || strings.Contains(n, "script") {
			out = append(out, n)
		}
	}
	return out
}
