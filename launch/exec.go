package launch

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Exec makes the planned change of credentials on every thread of the
// process, checks each thread against the plan and executes the
// program in place of fcap. It returns only on failure; by then fcap's
// own credentials may have changed, so the caller should exit.
func (p *Plan) Exec() error {
	if err := p.apply(); err != nil {
		return err
	}
	if err := p.verifyAllThreads(); err != nil {
		return err
	}
	err := unix.Exec(p.Path, p.Argv, p.Env)
	return fmt.Errorf("executing %s: %w", p.Path, err)
}
