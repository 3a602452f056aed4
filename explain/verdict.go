package explain

import (
	"fcap/model/execve"
	"fmt"
	"strings"
)

// verdict is the one sentence that says what happens.
func (r Report) verdict() string {
	res := r.Result
	path := r.Program.Steps[0].Path
	switch {
	case res.Undetermined():
		return fmt.Sprintf("the outcome cannot be known: %s's security.capability value cannot be read, and exec %s",
			r.Decider().Path, possibilities(res.Possible))
	case res.Err != "":
		return fmt.Sprintf("exec fails with %s: %s", res.Err, res.Why)
	}
	var parts []string
	if c := res.Child; c.EUID != r.Parent.State.EUID {
		parts = append(parts, "runs as "+userName(c.EUID, c.UserNS))
	}
	eff, prm := res.Child.Effective, res.Child.Permitted&^res.Child.Effective
	switch {
	case eff != 0 && prm != 0:
		parts = append(parts, fmt.Sprintf("gets %s in its effective set, and %s in its permitted set only (it must raise them itself)", eff.Describe(r.Last), prm.Describe(r.Last)))
	case eff != 0:
		parts = append(parts, fmt.Sprintf("gets %s in its effective set", eff.Describe(r.Last)))
	case prm != 0:
		parts = append(parts, fmt.Sprintf("gets %s in its permitted set only, not effective: the program must raise them itself", prm.Describe(r.Last)))
	default:
		parts = append(parts, "gets no capabilities")
	}
	return fmt.Sprintf("%s running %s %s", r.Parent.Who.Subject(), path, strings.Join(parts, " and "))
}

// possibilities lists undetermined outcomes in words.
func possibilities(out []execve.Outcome) string {
	var ok bool
	var errs []string
	for _, o := range out {
		if o.Err == "" {
			ok = true
		} else {
			errs = append(errs, o.Err)
		}
	}
	s := "fails with " + joinOr(errs)
	if ok {
		s = "either runs with capabilities fcap cannot see, or " + s
	}
	return s
}

// joinOr joins words as "a, b or c".
func joinOr(w []string) string {
	if len(w) < 2 {
		return strings.Join(w, "")
	}
	return strings.Join(w[:len(w)-1], ", ") + " or " + w[len(w)-1]
}
