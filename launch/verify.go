package launch

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"fcap/host"
	"fcap/model/cred"
)

// StateError is a thread that did not reach the planned state.
type StateError struct {
	Who         string
	Differences []string // "Field got ≠ want"
}

func (e *StateError) Error() string {
	return fmt.Sprintf("%s did not reach the planned state: %s", e.Who, strings.Join(e.Differences, "; "))
}

// compare reports how got differs from p.Parent.
func (p *Plan) compare(who string, got cred.State) error {
	if d := got.Diff(p.Parent); len(d) > 0 {
		return &StateError{Who: who, Differences: d}
	}
	return nil
}

// verifyAllThreads checks every thread of the process against p.Parent
// after the real change; the securebits, which only a thread can read
// of itself, are checked on the calling thread.
func (p *Plan) verifyAllThreads() error {
	bits, err := host.SelfSecurebits()
	if err != nil {
		return err
	}
	if bits != p.Parent.Securebits {
		return &StateError{Who: "fcap", Differences: []string{fmt.Sprintf("Securebits %s ≠ %s", bits, p.Parent.Securebits)}}
	}
	return forEachThread(func(tid string, got cred.State) error {
		got.Securebits = bits
		return p.compare("thread "+tid, got)
	})
}

// forEachThread calls fn with the state of each thread of the process;
// a thread that ends meanwhile is skipped.
func forEachThread(fn func(tid string, s cred.State) error) error {
	tids, err := host.Threads()
	if err != nil {
		return err
	}
	for _, tid := range tids {
		s, err := host.ReadThreadStatus(tid)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(strconv.Itoa(tid), s); err != nil {
			return err
		}
	}
	return nil
}
