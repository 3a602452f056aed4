// Package explain answers "what will exec do?". It gathers the facts of
// a program (Inspect: every file exec opens — the path, each "#!"
// script's interpreter, an ELF binary's dynamic loader — walked as the
// kernel walks paths, beneath the root of an FS, with the directories
// searched, modes, owners, ACLs, mount flags and capabilities) and of a
// parent process (Self, FromPID, Login, LoginIn, NewNamespace, changed by
// a WhatIf), runs the execve model on them (Explain) and returns a Report
// with a verdict, the rules, fixes and warnings. It prints nothing.
//
// A context that runs programs elsewhere (a container's root filesystem,
// a systemd unit) plugs in by opening its root with OpenFS (and setting
// FS.Mounts for the mount flags it knows), building the Parent it makes
// (a cred.State and a Who), and calling Inspect and Explain.
package explain
