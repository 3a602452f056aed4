// Package ocicheck holds the differential tests of fcap explain in the
// contexts programs really run in: random OCI configurations run with
// runc, Podman containers, and random systemd services run by the host's
// systemd booted as PID 1 of a runc container. What each process reports
// (its /proc/self/status, securebits and AT_SECURE), or the error the
// runtime or systemd gives, must equal fcap's prediction, from the
// packages and from `fcap explain --oci|--unit --json`.
//
// The probe executed is the static program in probe/, built by the test
// with CGO_ENABLED=0. Run the tests with scripts/oci-check and
// scripts/unit-check, as root with runc (and systemd 252) installed.
package ocicheck
