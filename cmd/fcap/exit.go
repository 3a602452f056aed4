package main

import (
	"errors"
	"fmt"
	"io"
)

// Exit statuses, the same for every command (the setcap and getcap
// personalities keep libcap's own).
const (
	exitOK       = 0
	exitFailed   = 1 // some path failed, a check found a difference, a finding or expectation fired
	exitUsage    = 2 // the command line is wrong: nothing was done
	exitFellBack = 3 // a setuid bit stands in for capabilities the filesystem cannot store
)

// usageError is a command line fcap does not understand; cmd is the
// command it belongs to ("" for fcap itself), so the hint can name the
// right help.
type usageError struct {
	cmd, msg string
}

func (e *usageError) Error() string { return e.msg }

// usagef makes a usage error of command cmd.
func usagef(cmd, format string, a ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, a...)}
}

// statusError ends a command with an exit status; whatever it has to say
// was already reported.
type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

var (
	errFailed   error = &statusError{exitFailed}
	errFellBack error = &statusError{exitFellBack}
)

// outcome is the exit status of a command that processed many paths:
// failures and differences (1) outrank a setuid fallback (3).
func outcome(failed, fellBack bool) error {
	switch {
	case failed:
		return errFailed
	case fellBack:
		return errFellBack
	}
	return nil
}

// exitStatus reports err on errw as fcap does and returns the status.
func exitStatus(errw io.Writer, err error) int {
	var ue *usageError
	var se *statusError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &se):
		return se.code
	case errors.As(err, &ue):
		fmt.Fprintf(errw, "fcap: %s\n", prefixed(ue.cmd, ue.msg))
		fmt.Fprintf(errw, "Run 'fcap %s--help' for usage.\n", spaced(ue.cmd))
		return exitUsage
	}
	fmt.Fprintf(errw, "fcap: %s\n", err)
	return exitFailed
}

// prefixed puts the command's name before a message, once.
func prefixed(cmd, msg string) string {
	if cmd == "" {
		return msg
	}
	return cmd + ": " + msg
}

func spaced(cmd string) string {
	if cmd == "" {
		return ""
	}
	return cmd + " "
}
