package launch

import (
	"fmt"
	"strings"

	"fcap/model"
)

// MissingCapsError is a capability fcap must have to make the launch
// and does not: Set names fcap's set that lacks it ("permitted" or
// "bounding"), Need says what for.
type MissingCapsError struct {
	Set     string
	Missing model.Set
	Need    string
}

func (e *MissingCapsError) Error() string {
	return fmt.Sprintf("fcap's own %s set lacks %s, needed %s", e.Set, e.Missing.Names(), e.Need)
}

// checkOwnCaps refuses a launch fcap cannot make: it can only keep
// capabilities it has (permitted, and in its bounding set so that they
// can be inheritable), and changing ids, the bounding set or the
// securebits needs cap_setuid, cap_setgid or cap_setpcap.
func (p *Plan) checkOwnCaps(*Intent) error {
	self := p.Self
	kept := p.Kept.All()
	if m := kept &^ self.Bounding; m != 0 {
		return &MissingCapsError{Set: "bounding", Missing: m, Need: "to make them inheritable (the bounding set can never grow back)"}
	}
	if m := kept &^ self.Permitted; m != 0 {
		return &MissingCapsError{Set: "permitted", Missing: m, Need: "to keep them (fcap can only pass on what it has)"}
	}
	var need model.Set
	var why []string
	if p.Identity.ChangeUID {
		need |= model.SetOf(model.CapSetuid)
		why = append(why, fmt.Sprintf("cap_setuid to switch to uid %d", p.Identity.UID))
	}
	if p.Identity.ChangeGID || p.Identity.ChangeGroups {
		need |= model.SetOf(model.CapSetgid)
		why = append(why, fmt.Sprintf("cap_setgid to set gid %d and the supplementary groups", p.Identity.GID))
	}
	if drop := self.Bounding &^ kept; p.DropBounding && drop != 0 {
		need |= model.SetOf(model.CapSetpcap)
		why = append(why, "cap_setpcap to drop "+drop.Describe(p.LastCap)+" from the bounding set")
	}
	if p.Securebits != self.Securebits {
		need |= model.SetOf(model.CapSetpcap)
		why = append(why, "cap_setpcap to set securebits "+p.Securebits.String())
	}
	if m := need &^ self.Permitted; m != 0 {
		return &MissingCapsError{Set: "permitted", Missing: m, Need: "(" + strings.Join(why, "; ") + ")"}
	}
	return nil
}
