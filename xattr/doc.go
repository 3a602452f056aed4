// Package xattr is fcap's access to the filesystem: it reads, writes and
// removes the security.capability attribute of one file at a time through a
// file descriptor, never following a symlink, and walks trees.
//
// Every operation starts with Open, which opens the path with
// O_PATH|O_NOFOLLOW (so a FIFO or device is never opened for reading and a
// symlink is never followed), checks with fstat that it is a regular file,
// and from then on acts only on that descriptor.
package xattr
