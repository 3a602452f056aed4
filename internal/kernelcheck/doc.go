// Package kernelcheck holds the differential tests that run random execve
// scenarios on the real kernel and compare the outcome with fcap's
// prediction: the files as package explain reads them (path walk,
// permissions, ACLs, scripts, capabilities, mount flags) and the parent
// state, run through execve.Run. One test runs parents in the initial
// user namespace, the other parents in random user namespaces (one or
// two levels, random uid and gid maps).
//
// The test binary plays three roles, chosen by the FCAP_KERNELCHECK_ROLE
// environment variable: the test itself; a launcher, which creates the
// scenario's user namespaces, puts its thread into the requested process
// state and executes the program; and a probe, which prints its own
// /proc/self/status, securebits and AT_SECURE. The other probe is a copy
// of /bin/cat printing /proc/self/status.
//
// Run it with scripts/kernel-check, as root in the initial user namespace.
package kernelcheck
