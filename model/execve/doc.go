// Package execve predicts, as the kernel computes it, what execve(2) of a
// file does to a process's credentials: the new ids and five capability
// sets, or the errno exec fails with, with the rules that decided. It is
// pure logic: callers gather the file's facts and the parent's state.
package execve
