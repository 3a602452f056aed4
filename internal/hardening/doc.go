// Package hardening holds attack and fault tests that run the real fcap
// binary on real files and mounts: symlink and directory swap races,
// descriptor discipline under strace, broken and odd filesystems (the
// error matrix that docs/ERRORS.md is generated from), concurrent writers
// and size limits.
//
// The tests need root; without it they skip, saying so. TestMain builds
// fcap once per test binary (CGO_ENABLED=0, from ../../cmd/fcap); set
// FCAP_BIN to test another build instead. Every mount a test makes is
// unmounted in t.Cleanup.
//
// Environment:
//
//	FCAP_RACE_ITERATIONS=N     runs of each command per race (default 2000; apply and convert 500)
//	FCAP_WRITE_ERROR_TABLE=1   rewrite docs/ERRORS.md from TestErrorMatrix
//	FCAP_HARDENING_LONG=1      also run the long limit tests (scripts/hardening-limits)
package hardening
