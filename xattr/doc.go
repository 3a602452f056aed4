// Package xattr is fcap's access to the filesystem: it reads, writes and
// removes the security.capability attribute of one file at a time through a
// file descriptor, never following a symlink, and walks trees.
//
// Every operation starts with Open, which opens the path with
// O_PATH|O_NOFOLLOW (so a FIFO or device is never opened for reading and a
// symlink is never followed), checks with fstat that it is a regular file,
// and from then on acts only on that descriptor. Reads, writes and
// removals of one file go through github.com/pkg/xattr, on the
// /proc/self/fd name of that descriptor (a read) or on a descriptor
// re-opened from it and checked against it (a write). The tree walker
// calls getxattrat(2) relative to directory descriptors itself: pkg/xattr
// has no call relative to a directory.
package xattr
