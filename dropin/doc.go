// Package dropin finds the drop-in manifests that declare a system's
// file capabilities and opens the ones it can trust.
//
// As systemd's tmpfiles.d and sysusers.d: *.conf files in /etc/fcap.d
// (the administrator's), /run/fcap.d (runtime), /usr/local/lib/fcap.d and
// /usr/lib/fcap.d (shipped by packages). A file in a directory earlier in
// that list overrides a file of the same name in a later one, and a
// symlink to /dev/null masks it; the files that take part are taken in
// the byte order of their names, whatever their directory. Each holds
// what `fcap apply` takes (package manifest).
//
// Drop-ins tell a root process what to write, so, as sudo does for
// sudoers.d, a drop-in, its directory and every directory above it must
// be owned by root (or by the user running fcap) and writable by no one
// else (no group or other write bit; a POSIX ACL granting write shows in
// the group bits). Nothing on the way is a symlink: every component is
// opened with O_NOFOLLOW from its parent's descriptor; the only symlink
// accepted is a mask, which is read, never followed. A refused file, or
// a refused directory that can still be listed, is reported and its
// names still hide the lower-precedence files of the same name, so a
// broken override never lets the vendor's file through instead.
package dropin
