package ocicheck

import (
	"fmt"

	"fcap/explain"
	"fcap/model"
	"fcap/model/cred"
)

// packagePredictor predicts with the explain engine (packages oci and
// execve), which keeps every field of the child.
type packagePredictor struct {
	runtime cred.State
	lastCap model.Cap
}

func (p packagePredictor) predict(configPath string) (outcome, error) {
	r, err := explain.OCI(configPath, "", p.runtime, p.lastCap)
	if err != nil {
		return outcome{}, err
	}
	facts := reportFacts(r)
	switch {
	case r.StoppedBeforeExec() && r.Result.Rules[0].Name == explain.RuleRuntimeRefuses:
		return outcome{Kind: "refused", Detail: r.Result.Why, Facts: facts}, nil
	case r.Result.Err != "":
		return outcome{Kind: "exec", Errno: r.Result.Err, Detail: r.Result.Why, Facts: facts}, nil
	case r.Result.Undetermined():
		return outcome{}, fmt.Errorf("undetermined outcome: %s", r.Verdict)
	}
	return outcome{Kind: "ok", State: r.Result.Child, Secure: r.Result.Secure, Facts: facts}, nil
}

// reportFacts names what a prediction went through, for the coverage
// counts: the decisive file's mount flags, the parent's notes and the
// rules.
func reportFacts(r explain.Report) []string {
	var facts []string
	if !r.StoppedBeforeExec() {
		t := r.Decider().File
		facts = append(facts, fmt.Sprintf("mount nosuid=%v noexec=%v", t.NoSuid, t.NoExec))
	}
	for _, n := range r.Parent.Notes {
		if len(n) > 8 {
			facts = append(facts, "note "+n[:8])
		}
	}
	for _, rule := range r.Result.Rules {
		facts = append(facts, "rule "+rule.Name)
	}
	return facts
}
