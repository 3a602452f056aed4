// Package launch starts a program in place of fcap as another user,
// keeping only the capabilities it is given: an Intent (user, groups,
// capabilities, securebits) becomes a validated Plan, whose outcome the
// execve model predicts, and Plan.Exec makes the change and executes
// the program (no shell, no fork: the program keeps fcap's pid, so it
// works as a container entrypoint and under supervisors).
//
// # Every thread
//
// Credentials (ids, groups, the five capability sets, securebits,
// no_new_privs) belong to each thread in Linux, not to the process, and
// a Go program runs on several threads it does not choose. Plan.Exec
// therefore changes them through libcap's cap package, which makes each
// change on all threads at once: without cgo (fcap is built with
// CGO_ENABLED=0) through the Go runtime's syscall.AllThreadsSyscall,
// which makes the system call on one thread, stops there if it fails,
// and otherwise makes it on every other thread, ending the program if
// any of them gets another result; with cgo through libcap's psx
// package, which signals every thread to make the same call. New threads copy the
// credentials of the thread that creates them. After the change, fcap
// reads /proc/self/task/*/status and checks every thread against the
// plan before it executes the program; the kernel ends the other
// threads at exec.
//
// Before that, New rehearses the same sequence on a thread of its own
// (a cap.FuncLauncher callback: there the cap package changes only the
// calling thread, which the runtime discards afterwards) and asks the
// kernel, from that thread, whether the target user may execute the
// program. So an unknown user, a capability the kernel or fcap lacks,
// or a program the user may not execute is reported before fcap's own
// credentials change.
//
// # Root revoked
//
// By default the securebits noroot and no-setuid-fixup are set and
// locked, and the bounding set is cut down to the kept capabilities:
// after the switch the program cannot become root again in the
// capability sense. Uid 0 brings no capabilities at exec, setuid calls
// do not restore any, a set-user-ID root program it executes gets
// nothing beyond the bounding set, and a file capability nothing beyond
// it either. Staying uid 0 with a reduced set works the same way:
// capabilities are exclusive, not cumulative, so root keeps only what
// it is given.
package launch
