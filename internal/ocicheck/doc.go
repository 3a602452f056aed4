// Package ocicheck holds the differential test that runs random OCI
// configurations with runc and compares what each container's process
// reports (its /proc/self/status, securebits and AT_SECURE), or the error
// runc gives, with fcap's prediction for the same config.
//
// The probe executed in the containers is the static program in probe/,
// built by the test with CGO_ENABLED=0. Run the test with scripts/oci-check,
// as root with runc installed.
package ocicheck
