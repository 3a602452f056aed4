// Package kernelcheck holds the differential test that runs random execve
// scenarios on the real kernel and compares the outcome with model.Exec.
//
// The test binary plays three roles, chosen by the FCAP_KERNELCHECK_ROLE
// environment variable: the test itself; a launcher, which puts its
// thread into a requested process state and executes a probe; and a probe,
// which prints its own /proc/self/status, securebits and AT_SECURE. The
// other probe is a copy of /bin/cat printing /proc/self/status.
//
// Run it with scripts/kernel-check, as root in the initial user namespace.
package kernelcheck
