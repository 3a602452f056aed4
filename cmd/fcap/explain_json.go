package main

import (
	"encoding/json"
	"fmt"
	"io"

	"fcap/explain"
	"fcap/model/cred"
	"fcap/model/execve"
)

// stateJSON is a process state in every command's JSON (the STATE
// object of `fcap explain --json`, `fcap run --dry-run --json`, `fcap ps
// --json`): ids (kernel ids, as /proc shows them from fcap's namespace),
// groups, the five sets in hex and by name, securebits and no_new_privs.
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

// writeIndentedJSON writes v as one indented JSON document.
func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// parentJSON is the parent: who it is, its state and its namespace.
type parentJSON struct {
	Who     string `json:"who"`
	Kind    string `json:"kind"`
	PID     int    `json:"pid,omitempty"`
	Command string `json:"command,omitempty"`
	User    string `json:"user"`
	stateJSON
	UserNS *usernsJSON `json:"userns"`
}

// usernsJSON is a user namespace below fcap's; null for fcap's own.
type usernsJSON struct {
	UIDMap string      `json:"uid_map"`
	GIDMap string      `json:"gid_map"`
	Root   *uint32     `json:"root_uid"`
	Parent *usernsJSON `json:"parent"`
}

func toUsernsJSON(ns *cred.UserNS) *usernsJSON {
	if ns == nil {
		return nil
	}
	v := &usernsJSON{UIDMap: ns.UIDs.String(), GIDMap: ns.GIDs.String(), Parent: toUsernsJSON(ns.Parent)}
	if r, ok := ns.RootUID(); ok {
		v.Root = &r
	}
	return v
}

// fileJSONExplain is one file exec opens.
type fileJSONExplain struct {
	Path        string  `json:"path"`
	Resolved    string  `json:"resolved,omitempty"`
	LookupError string  `json:"lookup_error,omitempty"`
	Format      string  `json:"format,omitempty"`
	Interpreter *string `json:"interpreter,omitempty"`
	InterpArg   string  `json:"interpreter_arg,omitempty"`
	// Loader is an ELF binary's program interpreter (PT_INTERP).
	Loader      string    `json:"loader,omitempty"`
	Mode        string    `json:"mode,omitempty"`
	Type        string    `json:"type,omitempty"`
	UID         uint32    `json:"uid"`
	GID         uint32    `json:"gid"`
	ACL         string    `json:"acl,omitempty"`
	NoSuid      bool      `json:"nosuid"`
	NoExec      bool      `json:"noexec"`
	Mount       string    `json:"mount,omitempty"`
	Caps        *capsJSON `json:"caps"`
	CapsProblem string    `json:"caps_problem,omitempty"`
	// CapsIgnored marks a script's file: the kernel ignores its
	// capabilities and set-id bits.
	CapsIgnored bool `json:"caps_ignored"`
}

func toFileJSON(ex explain.Report, i int) fileJSONExplain {
	s := ex.Program.Steps[i]
	f := fileJSONExplain{Path: s.Path, Resolved: s.Lookup.Resolved, LookupError: s.Lookup.Err, CapsIgnored: i < ex.Result.Step}
	if s.Lookup.Err != "" {
		return f
	}
	t := s.File
	f.Mode, f.Type = fmt.Sprintf("%04o", t.Mode&0o7777), fileType(t.Mode)
	f.UID, f.GID, f.NoSuid, f.NoExec = t.UID, t.GID, t.NoSuid, t.NoExec
	f.Caps = toCapsJSON(t.Caps, ex.Last)
	if t.ACL != nil {
		f.ACL = t.ACL.String()
	}
	if i < len(ex.Program.Mounts) {
		f.Mount = ex.Program.Mounts[i]
	}
	f.CapsProblem = map[execve.CapsProblem]string{execve.CapsMalformed: "malformed", execve.CapsTooLong: "too-long", execve.CapsUnreadable: "unreadable"}[t.CapsProblem]
	if f.Type == "regular" {
		f.Format = map[execve.Format]string{execve.FormatELF: "elf", execve.FormatScript: "script", execve.FormatUnknown: "unknown"}[s.Format]
	}
	if s.Format == execve.FormatScript && s.Shebang.Bad == "" {
		f.Interpreter, f.InterpArg = &s.Shebang.Interp, s.Shebang.Arg
	}
	if s.Loader != nil {
		f.Loader = s.Loader.Path
	}
	return f
}

func fileType(mode uint32) string {
	switch mode & 0o170000 {
	case 0o100000:
		return "regular"
	case 0o040000:
		return "directory"
	}
	return "other"
}

// resultJSON is {"exec": ..., STATE...}: exec is "ok", the errno's name
// or "undetermined" (then "possible" lists the outcomes); the state is
// there only when exec succeeds.
type resultJSON struct {
	Exec     string        `json:"exec"`
	Why      string        `json:"why,omitempty"`
	Possible []outcomeJSON `json:"possible,omitempty"`
	*stateJSON
	Secure *bool `json:"secure_exec,omitempty"`
}

type outcomeJSON struct {
	Exec string `json:"exec"`
	If   string `json:"if"`
}

type ruleJSON struct {
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

type fixJSON struct {
	Rule string `json:"rule"`
	Text string `json:"text"`
}

type expectJSON struct {
	Caps    []string `json:"caps"`
	Set     string   `json:"set"`
	Met     bool     `json:"met"`
	Missing []string `json:"missing"`
}

type explainJSON struct {
	Verdict  string            `json:"verdict"`
	File     string            `json:"file"`
	Files    []fileJSONExplain `json:"files"`
	Parent   parentJSON        `json:"parent"`
	FileCaps *capsJSON         `json:"file_caps"`
	Result   resultJSON        `json:"result"`
	Rules    []ruleJSON        `json:"rules"`
	Fixes    []fixJSON         `json:"fixes"`
	Warnings []string          `json:"warnings"`
	Notes    []string          `json:"notes"`
	Expect   *expectJSON       `json:"expect,omitempty"`
}

func printExplainJSON(w io.Writer, ex explain.Report, expect *explain.Expectation) error {
	return writeIndentedJSON(w, toExplainJSON(ex, expect))
}

// toExplainJSON is the report as `fcap explain --json` prints it; expect
// is --expect (nil: none).
func toExplainJSON(ex explain.Report, expect *explain.Expectation) explainJSON {
	p := ex.Parent
	out := explainJSON{Verdict: ex.Verdict, File: ex.Program.Steps[0].Path,
		Parent: parentJSON{Who: p.Who.String(), Kind: p.Who.Kind, PID: p.Who.PID, Command: p.Who.Command, User: p.Who.User,
			stateJSON: toStateJSON(p.State), UserNS: toUsernsJSON(p.State.UserNS)},
		FileCaps: toCapsJSON(ex.Program.Steps[ex.Program.Decider()].File.Caps, ex.Last),
		Result:   toResultJSON(ex.Result),
		Rules:    []ruleJSON{}, Fixes: []fixJSON{},
		Warnings: append([]string{}, ex.Warnings...), Notes: append([]string{}, ex.Notes()...)}
	for i := range ex.Program.Steps {
		out.Files = append(out.Files, toFileJSON(ex, i))
	}
	for _, r := range ex.Result.Rules {
		out.Rules = append(out.Rules, ruleJSON{r.Name, r.Detail})
	}
	for _, f := range ex.Fixes {
		out.Fixes = append(out.Fixes, fixJSON{f.Rule, f.Text})
	}
	if expect != nil {
		miss := ex.Missing(*expect)
		out.Expect = &expectJSON{Caps: expect.Caps.List(), Set: expect.SetName(), Met: miss == 0, Missing: nonNil(miss.List())}
	}
	return out
}

func toResultJSON(r execve.Result) resultJSON {
	switch {
	case r.Undetermined():
		out := resultJSON{Exec: "undetermined"}
		for _, o := range r.Possible {
			out.Possible = append(out.Possible, outcomeJSON{Exec: cmp(o.Err, "ok"), If: o.If})
		}
		return out
	case r.Err != "":
		return resultJSON{Exec: r.Err, Why: r.Why}
	}
	child := toStateJSON(r.Child)
	return resultJSON{Exec: "ok", stateJSON: &child, Secure: &r.Secure}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
