// Package convert replaces the set-user-ID or set-group-ID root bit of a
// program by the file capabilities it needs, in an order that keeps it
// working at every instant (capabilities written and read back, a record
// of the change kept, then the set-id bits cleared, all through one
// descriptor), and reverts exactly what it changed. Before writing, it
// predicts with model/execve that an unprivileged user would get the
// capabilities. It returns a Result per path and prints nothing.
package convert
