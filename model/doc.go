// Package model holds fcap's core values: capabilities and their names,
// 64-bit capability sets, libcap's text form (parsing and printing) and
// the value a file's security.capability attribute holds. It performs no
// I/O; facts about the running system (such as the kernel's last
// capability) are passed in. The process side lives in model/cred, the
// execve transform in model/execve.
package model
