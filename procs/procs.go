// Package procs lists running processes with their credentials (ids,
// groups, the five capability sets, no_new_privs), read from
// /proc/PID/status with the parser explain uses. It prints nothing.
package procs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"

	"fcap/host"
	"fcap/model/procstatus"
)

// Process is one running process.
type Process struct {
	PID int
	procstatus.Task
	// User names the effective uid (its number when the user database
	// has no entry).
	User string
	// SecurebitsKnown says Task.Cred.Securebits is real: only a process
	// can read its own securebits, so this is true for fcap itself only.
	SecurebitsKnown bool
}

// Options choose the processes List returns.
type Options struct {
	// All includes processes without any capability (permitted,
	// effective, inheritable and ambient all empty) and kernel threads.
	All bool
}

// Holds reports whether p holds any capability: permitted, effective,
// inheritable or ambient.
func (p *Process) Holds() bool {
	c := p.Cred
	return c.Permitted|c.Effective|c.Inheritable|c.Ambient != 0
}

// List returns the running processes in pid order. A process that ends
// while it is read is left out; errs holds the ones that could not be
// read for another reason.
func List(opt Options) (ps []Process, errs []error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, []error{fmt.Errorf("listing processes: %w", err)}
	}
	names := namer{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		p, err := read(pid, names)
		switch {
		case gone(err):
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		}
		if opt.All || (!p.KernelThread() && p.Holds()) {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b Process) int { return a.PID - b.PID })
	return ps, errs
}

// Get returns one process; pid 0 means fcap itself, whose securebits
// are known.
func Get(pid int) (Process, error) {
	self := pid == 0 || pid == os.Getpid()
	if self {
		pid = os.Getpid()
	}
	p, err := read(pid, namer{})
	if gone(err) {
		return Process{}, fmt.Errorf("process %d: no such process", pid)
	}
	if err != nil || !self {
		return p, err
	}
	if p.Cred.Securebits, err = host.SelfSecurebits(); err != nil {
		return Process{}, err
	}
	p.SecurebitsKnown = true
	return p, nil
}

// KernelThread reports whether p is a kernel thread: the Kthread field,
// or on kernels without it, kthreadd and its children.
func (p *Process) KernelThread() bool {
	if p.KthreadKnown {
		return p.Kthread
	}
	return p.PID == 2 || p.PPid == 2
}

func read(pid int, names namer) (Process, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Process{}, fmt.Errorf("process %d: %w", pid, err)
	}
	t, err := procstatus.ParseTask(b)
	if err != nil {
		return Process{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return Process{PID: pid, Task: t, User: names.user(t.Cred.EUID)}, nil
}

// gone reports an error that means the process ended.
func gone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH)
}

// namer caches user names by uid.
type namer map[uint32]string

func (n namer) user(uid uint32) string {
	if s, ok := n[uid]; ok {
		return s
	}
	s := host.UserName(uid)
	if s == "" {
		s = strconv.FormatUint(uint64(uid), 10)
	}
	n[uid] = s
	return s
}
