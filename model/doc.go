// Package model holds fcap's pure values and logic: 64-bit capability
// sets and their names, libcap's text form, file capability values, process
// state and the execve transform. It performs no I/O; facts about the
// running system (such as the kernel's last capability) are passed in.
package model
