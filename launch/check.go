package launch

import (
	"fmt"
	"strings"

	"fcap/model"
)

// MissingCapsError is a capability fcap must have to make the launch
// and does not: Set names fcap's set that lacks it ("permitted" or
// "bounding"), Why says what it is needed for.
type MissingCapsError struct {
	Set     string
	Missing model.Set
	Why     string
}

func (e *MissingCapsError) Error() string {
	return fmt.Sprintf("fcap's %s set lacks %s: %s", e.Set, e.Missing.Names(), e.Why)
}

// checkOwnCaps refuses a launch fcap cannot make: it can only keep
// capabilities it has (permitted, and in its bounding set so that they
// can be inheritable), and changing ids, the bounding set or the
// securebits needs cap_setuid, cap_setgid or cap_setpcap.
func (p *Plan) checkOwnCaps(*Intent) error {
	self, kept := p.Self, p.Kept.All()
	if m := kept &^ self.Bounding; m != 0 {
		return &MissingCapsError{Set: "bounding", Missing: m, Why: "it cannot keep them (a bounding set never grows back)"}
	}
	if m := kept &^ self.Permitted; m != 0 {
		return &MissingCapsError{Set: "permitted", Missing: m, Why: "it cannot keep what it does not have"}
	}
	need := p.privilegesNeeded()
	var missing model.Set
	var why []string
	for _, c := range []model.Cap{model.CapSetuid, model.CapSetgid, model.CapSetpcap} {
		if len(need[c]) > 0 && !self.Permitted.Has(c) {
			missing |= model.SetOf(c)
			why = append(why, c.String()+" to "+strings.Join(need[c], " and to "))
		}
	}
	if missing != 0 {
		return &MissingCapsError{Set: "permitted", Missing: missing, Why: "it needs " + strings.Join(why, "; ")}
	}
	return nil
}

// privilegesNeeded says what the launch needs cap_setuid, cap_setgid
// and cap_setpcap for.
func (p *Plan) privilegesNeeded() map[model.Cap][]string {
	need := map[model.Cap][]string{}
	id := p.Identity
	if id.ChangeUID {
		need[model.CapSetuid] = append(need[model.CapSetuid], fmt.Sprintf("switch to uid %d", id.UID))
	}
	if id.ChangeGID || id.ChangeGroups {
		need[model.CapSetgid] = append(need[model.CapSetgid], fmt.Sprintf("set gid %d and the supplementary groups", id.GID))
	}
	if drop := p.Self.Bounding &^ p.Kept.All(); p.DropBounding && drop != 0 {
		need[model.CapSetpcap] = append(need[model.CapSetpcap], "drop "+drop.Describe(p.LastCap)+" from the bounding set")
	}
	if p.Securebits != p.Self.Securebits {
		need[model.CapSetpcap] = append(need[model.CapSetpcap], "set securebits "+p.Securebits.String())
	}
	return need
}
