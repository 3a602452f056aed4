// Package hooks writes and removes the package-manager hooks that put
// declared file capabilities back after every package operation: a
// package upgrade rewrites its files and the kernel drops their
// capabilities, so after dpkg (also under apt), pacman or dnf has
// changed packages, each hook runs `fcap apply --system`, which
// re-applies only the drop-in manifests (package dropin) — as many
// opens and reads as they list entries, however large the system — and
// logs what it changed.
//
// Every file a hook is made of carries a marker line; only files with
// it are replaced or removed, so a file of the same name an
// administrator wrote is never touched.
package hooks
