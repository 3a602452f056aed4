package launch

import (
	"fmt"

	"fcap/model"
	"fcap/model/cred"
)

// regainers are capabilities with which a program can reach uid 0's
// files or capabilities it was not given.
var regainers = model.SetOf(model.CapSetuid, model.CapSetpcap, model.CapSetfcap, model.CapSysAdmin,
	model.CapSysModule, model.CapSysPtrace, model.CapSysRawio)

// explain adds the launch's notes and warnings to the report's.
func (p *Plan) explain() {
	r := &p.Report
	warn := func(format string, a ...any) { r.Warnings = append(r.Warnings, fmt.Sprintf(format, a...)) }
	note := func(format string, a ...any) { r.Parent.Notes = append(r.Parent.Notes, fmt.Sprintf(format, a...)) }
	child := r.Result.Child
	if lost := p.Self.Bounding &^ child.Permitted; child.EUID == 0 && lost != 0 {
		warn("the program runs as uid 0 with only %s: capabilities are exclusive, not cumulative. It still owns root's files, "+
			"but loses everything else root could do (for example, reading files it does not own needs cap_dac_override)",
			child.Permitted.Describe(p.LastCap))
	}
	if r := p.Kept.Ambient & regainers; r != 0 {
		warn("kept %s: with it the program can regain privileges it was not given (capabilities(7))", r.Names())
	}
	if p.Securebits&cred.SecbitNoroot == 0 {
		warn("root is not revoked (securebits %s lack noroot): a program it executes as uid 0, or set-user-ID root, gets every capability of its bounding set (%s)",
			p.Securebits, p.Parent.Bounding.Describe(p.LastCap))
	}
	if !p.DropBounding && !p.NoNewPrivs {
		note("the bounding set is kept (%s): programs it executes can gain any of these through file capabilities",
			p.Parent.Bounding.Describe(p.LastCap))
	}
	if !p.NoNewPrivs && p.Securebits&cred.SecbitNoroot != 0 {
		note("a set-user-ID root program it executes still runs with euid 0 (root's files), but with no capabilities beyond %s; --nnp forbids that too",
			p.Parent.Bounding.Describe(p.LastCap))
	}
}
