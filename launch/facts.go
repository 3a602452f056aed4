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
	return Facts{Self: self, LastCap: last}, nil
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
