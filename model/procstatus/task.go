package procstatus

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"fcap/model/cred"
)

// Task is a process as /proc/PID/status describes it: its name, parent
// and kind, and its credentials.
type Task struct {
	// Name is the command name (comm) as the kernel prints it: a newline
	// is shown as "\n" and a backslash as "\\".
	Name string
	PPid int
	// Kthread says a kernel thread; KthreadKnown says the kernel prints
	// the "Kthread" field (Linux 6.7 and later).
	Kthread, KthreadKnown bool
	Cred                  cred.State
}

// ParseTask parses the text of /proc/PID/status like Parse, and also
// its Name, PPid and Kthread fields; Name and PPid must be present.
func ParseTask(b []byte) (Task, error) {
	c, err := Parse(b)
	if err != nil {
		return Task{}, err
	}
	t := Task{Cred: c}
	seen := map[string]bool{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		name, value, _ := strings.Cut(string(line), ":")
		if err := t.setField(name, value, seen); err != nil {
			return Task{}, &StatusError{Field: name, Err: err}
		}
	}
	for _, name := range []string{"Name", "PPid"} {
		if !seen[name] {
			return Task{}, &StatusError{Field: name, Err: ErrMissingField}
		}
	}
	return t, nil
}

// setField stores one of the task fields; others are ignored.
func (t *Task) setField(name, value string, seen map[string]bool) error {
	switch name {
	case "Name", "PPid", "Kthread":
	default:
		return nil
	}
	if seen[name] {
		return ErrDuplicateField
	}
	seen[name] = true
	switch name {
	case "Name":
		t.Name = strings.TrimPrefix(value, "\t")
	case "PPid":
		n, err := strconv.ParseUint(strings.TrimSpace(value), 10, 31)
		if err != nil {
			return errors.New("not a process id")
		}
		t.PPid = int(n)
	case "Kthread":
		t.KthreadKnown = true
		return parseFlag(strings.TrimSpace(value), &t.Kthread)
	}
	return nil
}
