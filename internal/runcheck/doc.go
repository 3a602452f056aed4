// Package runcheck holds the tests that judge fcap run as an
// administrator would: a daemon started by the real, static fcap binary
// binds port 25 only with cap_net_bind_service and cannot regain root;
// on random intents (users, groups, capability sets, bounding set,
// no_new_privs, securebits) the program started by fcap run has the same
// /proc/self/status and securebits as when setpriv starts it, and as
// fcap run --dry-run predicted; and fcap run works as the entrypoint of
// a runc container whose root filesystem holds only fcap and the program.
// The program is the probe command in this directory.
//
// Run the long differential with scripts/run-check, as root.
package runcheck
