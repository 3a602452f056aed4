// Package oci answers, for an OCI runtime configuration (config.json as
// runc, crun, Podman and containerd write it), what the kernel needs to
// judge the container's exec: the credentials of the process that executes
// the container's program, as runc 1.1 leaves them, and that program,
// found inside the container's filesystem (its rootfs and the config's
// mounts) without ever leaving it. It prints nothing and changes nothing.
//
// A malformed configuration is a *ConfigError; a configuration the runtime
// would refuse before exec (capabilities it cannot apply, ids out of its
// range) is a *RuntimeError; a program exec cannot run is an *ExecError.
package oci
