package launch

import (
	"fmt"

	"fcap/host"
	"fcap/model"
	"fcap/model/cred"
)

// Facts are what a plan needs to know about fcap's own process and the
// running kernel.
type Facts struct {
	// Self is fcap's own state, securebits included.
	Self cred.State
	// LastCap is the kernel's highest capability number.
	LastCap model.Cap
	// Elevated says fcap's own exec gave it privileges its caller did not
	// have (AT_SECURE: a set-id bit or file capabilities on fcap).
	Elevated bool
}

// ReadFacts reads fcap's own state and the kernel's last capability.
func ReadFacts() (Facts, error) {
	last, err := host.LastCap()
	if err != nil {
		return Facts{}, err
	}
	self, err := host.ReadStatus(0)
	if err != nil {
		return Facts{}, err
	}
	if self.Securebits, err = host.SelfSecurebits(); err != nil {
		return Facts{}, err
	}
	if err := sameThreads(self); err != nil {
		return Facts{}, err
	}
	elevated, err := host.AtSecure()
	if err != nil {
		return Facts{}, err
	}
	return Facts{Self: self, LastCap: last, Elevated: elevated}, nil
}

// sameThreads checks that every thread of fcap has the credentials of
// its main thread: the plan starts from one state for all of them.
func sameThreads(want cred.State) error {
	return forEachThread(func(tid string, got cred.State) error {
		got.Securebits = want.Securebits // only a thread can read its own
		if d := got.Diff(want); len(d) > 0 {
			return fmt.Errorf("thread %s of fcap has other credentials than its main thread: %v", tid, d)
		}
		return nil
	})
}
