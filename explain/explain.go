package explain

import (
	"errors"
	"fmt"

	"fcap/model"
	"fcap/model/execve"
)

// Report is everything explain learned and predicted.
type Report struct {
	Parent  Parent
	Program Program
	Result  execve.Result
	// Verdict says in one sentence, for anyone, what the exec does.
	Verdict string
	// Warnings are what an administrator should not miss.
	Warnings []string
	// Fixes suggest how to get what a failed or disappointing exec
	// lacks, each tied to the rule that fired.
	Fixes []Fix
	// Last is the kernel's last capability, for describing sets.
	Last model.Cap
}

// Explain predicts the exec of prog by p on a kernel whose last
// capability is last. A state the kernel cannot produce (ambient caps
// outside permitted or inheritable, effective beyond permitted, ...) is
// a *cred.InvariantError naming the rule it breaks.
func Explain(p Parent, prog Program, last model.Cap) (Report, error) {
	if err := p.State.Check(last); err != nil {
		return Report{}, err
	}
	if len(prog.Steps) == 0 {
		return Report{}, errors.New("explain: no file to explain")
	}
	r := Report{Parent: p, Program: prog, Result: execve.Run(p.State, prog.Program, last), Last: last}
	r.Verdict = r.verdict()
	r.Warnings = r.warnings()
	r.Fixes = r.fixes()
	return r, nil
}

// Notes are the caveats about both inputs, parent first.
func (r Report) Notes() []string {
	notes := append([]string(nil), r.Parent.Notes...)
	if r.Parent.SecurebitsUnseen {
		notes = append(notes, fmt.Sprintf("securebits of pid %d are not visible in /proc: assumed 0 (use --secbits)", r.Parent.Who.PID))
	}
	return append(notes, r.Program.Notes...)
}

// Decider is the file whose facts decided: the one exec failed on, or
// the binary whose credentials rules applied.
func (r Report) Decider() execve.Step { return r.Program.Steps[r.Result.Step] }

// has reports whether rule name applied.
func (r Report) has(name string) bool {
	for _, x := range r.Result.Rules {
		if x.Name == name {
			return true
		}
	}
	return false
}
