// Package explain answers "what will exec do?": it gathers the facts of
// a file (what execve really runs after symlinks and "#!", its
// capabilities, mode, owner and mount) and of a parent process (a live
// one, fcap itself, a fresh login, or a what-if state), and runs the
// execve model on them. It returns a Report and prints nothing.
package explain
